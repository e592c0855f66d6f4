using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket. It belongs to the namespace it was opened in and may be used from
/// any thread afterwards; calls on one socket are serialized. Every change is acknowledged
/// (NLM_F_ACK), a refusal throws <see cref="NetlinkException"/>; dumps read to NLMSG_DONE and
/// are retried when the kernel marks them interrupted (NLM_F_DUMP_INTR).
/// </summary>
public sealed partial class RtnlSocket : IDisposable
{
    /// <summary>Requests are packed into sends of at most this size.</summary>
    internal const int SendBufferSize = 64 * 1024;

    /// <summary>A dump datagram is at most 32 KiB (the kernel caps max_recvmsg_len); an echoed error is smaller.</summary>
    private const int ReceiveBufferSize = 64 * 1024;

    /// <summary>Socket buffers: thousands of acks queue up while one send of many requests is processed.</summary>
    private const int KernelBufferSize = 8 * 1024 * 1024;

    private const int MaxDumpAttempts = 16;

    private readonly SafeFdHandle _fd;
    private readonly byte[] _send = GC.AllocateUninitializedArray<byte>(SendBufferSize, pinned: true);
    private readonly byte[] _receive = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
    private readonly Lock _lock = new();
    private uint _seq;

    private RtnlSocket(SafeFdHandle fd)
    {
        _fd = fd;
        _seq = (uint)Environment.TickCount;
    }

    /// <summary>
    /// Opens a socket in <paramref name="ns"/> (from a dedicated thread that entered it), or, when
    /// null, in the namespace of the calling thread (the process's, unless called inside
    /// <see cref="NetNamespace.Invoke{T}"/>).
    /// </summary>
    public static RtnlSocket Open(NetNamespace? ns = null) =>
        ns is null ? OpenHere(0) : ns.Invoke(() => OpenHere(0));

    /// <summary>One socket in each namespace, all opened from one thread (<see cref="NetNamespace.InvokeEach{T}"/>).</summary>
    public static IReadOnlyList<RtnlSocket> OpenEach(IReadOnlyList<NetNamespace> namespaces)
    {
        var opened = new List<RtnlSocket>(namespaces?.Count ?? 0);
        try
        {
            NetNamespace.InvokeEach(namespaces!, _ =>
            {
                opened.Add(OpenHere(0));
                return 0;
            });
            return opened;
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens on the calling thread; <paramref name="groups"/> is a bitmask of the multicast groups to subscribe
    /// to (RTMGRP_* for NETLINK_ROUTE; bit <c>group - 1</c> for another <paramref name="protocol"/>).
    /// </summary>
    internal static RtnlSocket OpenHere(uint groups, int kernelBufferSize = KernelBufferSize, int protocol = Native.NETLINK_ROUTE)
    {
        var fd = SafeFdHandle.FromResult(
            Interop.Libc.Socket(Interop.Libc.AF_NETLINK, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, protocol),
            protocol == Native.NETLINK_ROUTE ? "socket AF_NETLINK NETLINK_ROUTE" : "socket AF_NETLINK NETLINK_NETFILTER");
        try
        {
            SetBuffer(fd, Interop.Libc.SO_SNDBUFFORCE, Interop.Libc.SO_SNDBUF, KernelBufferSize);
            SetBuffer(fd, Interop.Libc.SO_RCVBUFFORCE, Interop.Libc.SO_RCVBUF, kernelBufferSize);
            SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_EXT_ACK, 1, "setsockopt NETLINK_EXT_ACK");
            // The kernel need not echo a failed request back: we know it by its sequence number.
            SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_CAP_ACK, 1, "setsockopt NETLINK_CAP_ACK");
            Bind(fd, groups);
            return new RtnlSocket(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    internal SafeFdHandle Handle => _fd;

    private static unsafe void Bind(SafeFdHandle fd, uint groups)
    {
        byte* addr = stackalloc byte[Native.SizeOfSockaddrNl];
        new Span<byte>(addr, Native.SizeOfSockaddrNl).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(addr, 2), Interop.Libc.AF_NETLINK);
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(addr + 8, 4), groups);
        Errno.Check(Interop.Libc.Bind(fd, addr, Native.SizeOfSockaddrNl), "bind AF_NETLINK");
    }

    private static unsafe void SetOption(SafeFdHandle fd, int level, int name, int value, string op) =>
        Errno.Check(Interop.Libc.SetSockOpt(fd, level, name, &value, sizeof(int)), op);

    private static unsafe void SetBuffer(SafeFdHandle fd, int force, int plain, int size)
    {
        // The FORCE variant ignores net.core.{r,w}mem_max but needs CAP_NET_ADMIN; fall back quietly.
        if (Interop.Libc.SetSockOpt(fd, Interop.Libc.SOL_SOCKET, force, &size, sizeof(int)) == 0) return;
        Interop.Libc.SetSockOpt(fd, Interop.Libc.SOL_SOCKET, plain, &size, sizeof(int));
    }

    internal uint NextSeq() => ++_seq == 0 ? ++_seq : _seq;

    // Syscalls -------------------------------------------------------------------------

    private void SendRaw(ReadOnlySpan<byte> data, int count) => SendRaw(data, $"send {count} netlink requests");

    internal unsafe void SendRaw(ReadOnlySpan<byte> data, string operation)
    {
        byte* addr = stackalloc byte[Native.SizeOfSockaddrNl];
        new Span<byte>(addr, Native.SizeOfSockaddrNl).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(addr, 2), Interop.Libc.AF_NETLINK);
        fixed (byte* p = data)
        {
            while (true)
            {
                nint n = Interop.Libc.SendTo(_fd, p, (nuint)data.Length, 0, addr, Native.SizeOfSockaddrNl);
                if (n >= 0)
                {
                    if (n != data.Length) Errno.Throw(Errno.EMSGSIZE, operation + ": short send");
                    return;
                }
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast(operation + ": sendto");
            }
        }
    }

    /// <summary>One datagram into the receive buffer; a datagram larger than the buffer is an error, not silently cut.</summary>
    internal unsafe ReadOnlySpan<byte> ReceiveRaw(string operation, int flags = 0)
    {
        fixed (byte* p = _receive)
        {
            while (true)
            {
                nint n = Interop.Libc.RecvFrom(_fd, p, (nuint)_receive.Length, flags | Interop.Libc.MSG_TRUNC, null, null);
                if (n >= 0)
                {
                    if (n > _receive.Length) Errno.Throw(Errno.EMSGSIZE, operation + $": a {n}-byte datagram exceeds the receive buffer");
                    return _receive.AsSpan(0, (int)n);
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR) Errno.Throw(errno, operation + ": recvfrom");
            }
        }
    }

    // Dumps ----------------------------------------------------------------------------

    internal delegate void MessageHandler<TItem>(in NetlinkMessage message, List<TItem> into);

    private delegate void RequestWriter(ref NetlinkWriter writer, uint seq);

    /// <summary>Sends a dump request and collects decoded items until NLMSG_DONE; starts over when the dump was interrupted.</summary>
    private List<TItem> Dump<TItem>(string operation, RequestWriter writeRequest, MessageHandler<TItem> handle)
    {
        lock (_lock)
        {
            for (int attempt = 0; attempt < MaxDumpAttempts; attempt++)
            {
                var items = new List<TItem>();
                uint seq = NextSeq();
                var w = new NetlinkWriter(_send);
                writeRequest(ref w, seq);
                SendRaw(w.Written, operation);
                bool interrupted = false;
                while (!ReadDumpDatagram(ReceiveRaw(operation), seq, operation, handle, items, ref interrupted))
                {
                }
                if (!interrupted) return items;
            }
            Errno.Throw(Errno.EAGAIN, operation + $": interrupted {MaxDumpAttempts} times in a row (NLM_F_DUMP_INTR)");
            return null;
        }
    }

    /// <summary>
    /// One datagram of a dump's answer: items of <paramref name="seq"/> decoded into
    /// <paramref name="items"/>, answers to other sequence numbers skipped, NLM_F_DUMP_INTR noted.
    /// True once NLMSG_DONE arrived; a failed dump (NLMSG_ERROR, or NLMSG_DONE carrying a
    /// negative errno) throws.
    /// </summary>
    internal static bool ReadDumpDatagram<TItem>(ReadOnlySpan<byte> datagram, uint seq, string operation,
        MessageHandler<TItem> handle, List<TItem> items, ref bool interrupted)
    {
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            if (m.Seq != seq) continue; // a stale answer to an earlier request
            if ((m.Flags & Native.NLM_F_DUMP_INTR) != 0) interrupted = true;
            if (m.Type == Native.NLMSG_DONE)
            {
                // NLMSG_DONE carries an int: a negative errno when the dump itself failed.
                if (m.Payload.Length >= 4)
                {
                    int error = BinaryPrimitives.ReadInt32LittleEndian(m.Payload);
                    if (error < 0) Errno.Throw(-error, operation);
                }
                return true;
            }
            if (m.Type == Native.NLMSG_ERROR)
            {
                var (errno, extAck) = RtnlCodec.DecodeError(m.Payload, m.Flags);
                if (errno != 0) Errno.Throw(errno, operation, extAck);
                continue;
            }
            if (m.Type is Native.NLMSG_NOOP or Native.NLMSG_OVERRUN) continue;
            handle(in m, items);
        }
        return false;
    }

    /// <summary>A non-dump GET: the one answer, or null when the kernel says the object does not exist (one of <paramref name="absent"/>).</summary>
    private TItem? Get<TItem>(string operation, RequestWriter writeRequest, MessageHandler<TItem> handle, params int[] absent)
        where TItem : class
    {
        lock (_lock)
        {
            uint seq = NextSeq();
            var w = new NetlinkWriter(_send);
            writeRequest(ref w, seq);
            SendRaw(w.Written, operation);
            var items = new List<TItem>(1);
            while (true)
            {
                var reader = new NetlinkReader(ReceiveRaw(operation));
                while (reader.TryRead(out var m))
                {
                    if (m.Seq != seq) continue;
                    if (m.Type == Native.NLMSG_ERROR)
                    {
                        var (errno, extAck) = RtnlCodec.DecodeError(m.Payload, m.Flags);
                        if (errno == 0) return items.FirstOrDefault();
                        if (absent.Contains(errno)) return null;
                        Errno.Throw(errno, operation, extAck);
                    }
                    handle(in m, items);
                    return items.FirstOrDefault();
                }
            }
        }
    }

    // Links ----------------------------------------------------------------------------

    public IReadOnlyList<Link> DumpLinks() =>
        Dump<Link>("dump links", static (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETLINK, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, 0, 0);
            // Without the counters (IFLA_STATS, IFLA_STATS64: ~300 bytes a link, never read) a dump of
            // 10,000 links is a third fewer datagrams.
            w.WriteAttributeU32(Native.IFLA_EXT_MASK, Native.RTEXT_FILTER_SKIP_STATS);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<Link> into) =>
        {
            if (m.Type == Native.RTM_NEWLINK) into.Add(RtnlCodec.DecodeLink(m.Payload));
        });

    /// <summary>The link named <paramref name="name"/>, or null.</summary>
    public Link? GetLink(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Get<Link>("get link " + name, (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETLINK, Native.NLM_F_REQUEST, seq);
            w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, 0, 0);
            w.WriteAttributeString(Native.IFLA_IFNAME, name);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<Link> into) =>
        {
            if (m.Type == Native.RTM_NEWLINK) into.Add(RtnlCodec.DecodeLink(m.Payload));
        }, Errno.ENODEV);
    }

    /// <summary>The link with ifindex <paramref name="index"/>, or null.</summary>
    public Link? GetLink(int index) =>
        Get<Link>("get link " + Format.Num(index), (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETLINK, Native.NLM_F_REQUEST, seq);
            w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, index, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<Link> into) =>
        {
            if (m.Type == Native.RTM_NEWLINK) into.Add(RtnlCodec.DecodeLink(m.Payload));
        }, Errno.ENODEV);

    // Addresses, routes, neighbours ----------------------------------------------------

    /// <summary>Every address of <paramref name="family"/> (null: both) in the namespace.</summary>
    public IReadOnlyList<AddressEntry> DumpAddresses(IpFamily? family = IpFamily.Ipv4) =>
        Dump<AddressEntry>("dump addresses", (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETADDR, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteIfaddrmsg(Af(family), 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<AddressEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWADDR && RtnlCodec.DecodeAddress(m.Payload) is { } a) into.Add(a);
        });

    /// <summary>The policy-routing rules of <paramref name="family"/> (null: both; <c>ip rule</c>, <c>ip -6 rule</c>).</summary>
    public IReadOnlyList<RuleEntry> DumpRules(IpFamily? family = IpFamily.Ipv4) =>
        Dump<RuleEntry>("dump rules", (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETRULE, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteRtmsg(Af(family), 0, 0, 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<RuleEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWRULE && RuleCodec.Decode(m.Payload) is { } r) into.Add(r);
        });

    /// <summary>
    /// The routes of <paramref name="family"/> (null: both) of one table (main by default); <c>0</c>
    /// (RT_TABLE_UNSPEC) = every table. Cached clones are left out.
    /// </summary>
    public IReadOnlyList<RouteEntry> DumpRoutes(uint table = RouteTable.Main, IpFamily? family = IpFamily.Ipv4)
    {
        var all = Dump<RouteEntry>("dump routes", (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETROUTE, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteRtmsg(Af(family), 0, 0, 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<RouteEntry> into) =>
        {
            if (m.Type != Native.RTM_NEWROUTE) return;
            if (m.Payload.Length >= Native.SizeOfRtmsg && (BinaryPrimitives.ReadUInt32LittleEndian(m.Payload[8..]) & Native.RTM_F_CLONED) != 0) return;
            if (RtnlCodec.DecodeRoute(m.Payload) is { } r) into.Add(r);
        });
        return table == Native.RT_TABLE_UNSPEC ? all : all.Where(r => r.Table == table).ToList();
    }

    /// <summary>
    /// <c>ip route get</c>: the route a packet to <paramref name="destination"/> would take, with
    /// <paramref name="inputIfIndex"/> as if it arrived on that interface (then the kernel wants a
    /// <paramref name="source"/> too, and forwarding on). Null when there is no route
    /// (ENETUNREACH, EHOSTUNREACH).
    /// </summary>
    public RouteEntry? GetRoute(IpAddress destination, int? inputIfIndex = null, IpAddress? source = null)
    {
        // Either family: the question's family is the destination's, and so is the answer's (RtnlCodec.DecodeRoute).
        RtnlRequest.SameFamily(destination, source, nameof(source));
        var hostLength = (byte)(destination.IsIpv6 ? 128 : 32);
        var op = "get route " + destination + (inputIfIndex is { } i ? " iif " + Format.Num(i) : "") + (source is null ? "" : " from " + source);
        return Get<RouteEntry>(op, (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETROUTE, Native.NLM_F_REQUEST, seq);
            w.WriteRtmsg(RtnlRequest.Family(destination), hostLength, (byte)(source is null ? 0 : hostLength), 0, 0, 0, 0);
            w.WriteAttributeAddress(Native.RTA_DST, destination);
            if (source is { } from) w.WriteAttributeAddress(Native.RTA_SRC, from);
            if (inputIfIndex is { } iif) w.WriteAttributeU32(Native.RTA_IIF, (uint)iif);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<RouteEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWROUTE && RtnlCodec.DecodeRoute(m.Payload) is { } r) into.Add(r);
        }, Errno.ENETUNREACH, Errno.EHOSTUNREACH);
    }

    /// <summary>Neighbour entries (ARP, NDP) of <paramref name="family"/> (null: both); proxy entries are in <see cref="DumpProxyNeighbors"/>.</summary>
    public IReadOnlyList<NeighborEntry> DumpNeighbors(IpFamily? family = IpFamily.Ipv4) =>
        Dump<NeighborEntry>("dump neighbors", (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETNEIGH, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteNdmsg(Af(family), 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<NeighborEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWNEIGH && RtnlCodec.DecodeNeighbor(m.Payload) is { } n) into.Add(n);
        });

    /// <summary>Proxy entries of <paramref name="family"/> (null: both): a dump whose ndmsg has ndm_flags = NTF_PROXY walks the proxy table.</summary>
    public IReadOnlyList<ProxyNeighborEntry> DumpProxyNeighbors(IpFamily? family = IpFamily.Ipv4) =>
        Dump<ProxyNeighborEntry>("dump proxy neighbors", (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETNEIGH, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteNdmsg(Af(family), 0, 0, Native.NTF_PROXY);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<ProxyNeighborEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWNEIGH && RtnlCodec.DecodeProxyNeighbor(m.Payload) is { } n) into.Add(n);
        });

    /// <summary>The bridge forwarding databases (AF_BRIDGE neighbours), as <c>bridge fdb show</c>.</summary>
    public IReadOnlyList<FdbEntry> DumpFdb() =>
        Dump<FdbEntry>("dump fdb", static (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETNEIGH, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteNdmsg(Interop.Libc.AF_BRIDGE, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<FdbEntry> into) =>
        {
            if (m.Type == Native.RTM_NEWNEIGH && RtnlCodec.DecodeFdb(m.Payload) is { } n) into.Add(n);
        });

    // The server's own network, kept whole ------------------------------------------------

    /// <summary>Every address of both families, each kept whole (<see cref="AddressRecord"/>).</summary>
    public IReadOnlyList<AddressRecord> DumpAddressRecords() =>
        Dump<AddressRecord>("dump addresses", static (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETADDR, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteIfaddrmsg(Interop.Libc.AF_UNSPEC, 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<AddressRecord> into) =>
        {
            if (m.Type == Native.RTM_NEWADDR && IsInet(m.Payload))
                into.Add(AddressRecord.Parse(m.Payload));
        });

    /// <summary>Every route of both families in every table, each kept whole; cached clones left out.</summary>
    public IReadOnlyList<RouteRecord> DumpRouteRecords() =>
        Dump<RouteRecord>("dump routes", static (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETROUTE, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteRtmsg(Interop.Libc.AF_UNSPEC, 0, 0, 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<RouteRecord> into) =>
        {
            if (m.Type != Native.RTM_NEWROUTE || !IsInet(m.Payload)) return;
            var r = RouteRecord.Parse(m.Payload);
            if (!r.Cloned) into.Add(r);
        });

    /// <summary>Every policy-routing rule of both families (<c>ip rule</c>, <c>ip -6 rule</c>), each kept whole.</summary>
    public IReadOnlyList<RuleRecord> DumpRuleRecords() =>
        Dump<RuleRecord>("dump rules", static (ref NetlinkWriter w, uint seq) =>
        {
            int msg = w.BeginMessage(Native.RTM_GETRULE, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
            w.WriteRtmsg(Interop.Libc.AF_UNSPEC, 0, 0, 0, 0, 0, 0);
            w.EndMessage(msg);
        }, static (in NetlinkMessage m, List<RuleRecord> into) =>
        {
            if (m.Type == Native.RTM_NEWRULE && IsInet(m.Payload)) into.Add(RuleRecord.Parse(m.Payload));
        });

    /// <summary>The dump's family filter: AF_INET, AF_INET6, or AF_UNSPEC for both.</summary>
    private static byte Af(IpFamily? family) => family switch
    {
        IpFamily.Ipv4 => (byte)Interop.Libc.AF_INET,
        IpFamily.Ipv6 => (byte)Native.AF_INET6,
        _ => (byte)Interop.Libc.AF_UNSPEC,
    };

    private static bool IsInet(ReadOnlySpan<byte> payload) =>
        payload.Length >= 1 && (payload[0] == Interop.Libc.AF_INET || payload[0] == Native.AF_INET6);

    /// <summary>Every nexthop object (<c>ip nexthop</c>); none where the kernel has no nexthop objects.</summary>
    public IReadOnlyList<NexthopRecord> DumpNexthopRecords()
    {
        try
        {
            return Dump<NexthopRecord>("dump nexthops", static (ref NetlinkWriter w, uint seq) =>
            {
                int msg = w.BeginMessage(Native.RTM_GETNEXTHOP, Native.NLM_F_REQUEST | Native.NLM_F_DUMP, seq);
                w.WriteRaw([0, 0, 0, 0, 0, 0, 0, 0]);
                w.EndMessage(msg);
            }, static (in NetlinkMessage m, List<NexthopRecord> into) =>
            {
                if (m.Type == Native.RTM_NEWNEXTHOP) into.Add(NexthopRecord.Parse(m.Payload));
            });
        }
        catch (NetlinkException e) when (e.Errno is Errno.EOPNOTSUPP or Errno.EINVAL)
        {
            return [];
        }
    }

    // Changes --------------------------------------------------------------------------

    /// <summary>One change, acknowledged; throws <see cref="NetlinkException"/> when refused.</summary>
    public void Execute(RtnlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CreateBatch().Add(request).SendOrThrow();
    }

    public RtnlBatch CreateBatch() => new(this);

    /// <summary>
    /// Sends <paramref name="requests"/> packed into as few sends as the buffer allows and matches
    /// the acks by sequence number. The kernel runs every message of one send, even after a
    /// failure; with <paramref name="stopOnError"/> no further send follows a failure, and the
    /// results cover every request sent (those after a failure in the same send included).
    /// </summary>
    internal List<RtnlResult> SendBatch(IReadOnlyList<RtnlRequest> requests, bool stopOnError)
    {
        var results = new List<RtnlResult>(requests.Count);
        var errors = new NetlinkException?[Math.Min(Math.Max(requests.Count, 1), MaxRequestsPerSend)];
        lock (_lock)
        {
            int next = 0;
            while (next < requests.Count)
            {
                int first = next;
                next = SendChunk(requests, first, errors);
                int count = next - first;

                // Second steps (a veth's alias) go only to links whose creation was acknowledged.
                List<RtnlRequest>? followUps = null;
                List<int>? owners = null;
                for (int i = 0; i < count; i++)
                {
                    if (errors[i] is null && requests[first + i].FollowUp is { } f)
                    {
                        (followUps ??= []).Add(f);
                        (owners ??= []).Add(i);
                    }
                }
                if (followUps is not null)
                {
                    var followErrors = new NetlinkException?[Math.Min(followUps.Count, MaxRequestsPerSend)];
                    for (int done = 0; done < followUps.Count;)
                    {
                        int end = SendChunk(followUps, done, followErrors);
                        for (int k = done; k < end; k++) errors[owners![k]] ??= followErrors[k - done];
                        done = end;
                    }
                }

                bool failed = false;
                for (int i = 0; i < count; i++)
                {
                    results.Add(new RtnlResult(requests[first + i], errors[i]));
                    failed |= errors[i] is not null;
                }
                if (failed && stopOnError) break;
            }
        }
        return results;
    }

    /// <summary>At most this many requests share one send, so that their acks fit the receive queue.</summary>
    private const int MaxRequestsPerSend = 1024;

    /// <summary>
    /// Encodes requests from <paramref name="first"/> into one send, reads one ack per request,
    /// and leaves each request's error (or null) in <paramref name="errors"/>[i - first].
    /// Returns the index after the last request sent.
    /// </summary>
    private int SendChunk(IReadOnlyList<RtnlRequest> requests, int first, NetlinkException?[] errors)
    {
        var w = new NetlinkWriter(_send);
        int next = first;
        // Sequence numbers of one send are consecutive; restart at 1 rather than wrap inside a send.
        if (_seq > uint.MaxValue - MaxRequestsPerSend) _seq = 0;
        uint firstSeq = _seq + 1;
        var held = new List<SafeFdHandle>();
        try
        {
            // Every request we know encodes in well under 2 KiB.
            while (next < requests.Count && w.Remaining >= 2048 && next - first < errors.Length)
            {
                var request = requests[next];
                if (request.ReferencedNamespace is { } ns)
                {
                    bool added = false;
                    ns.Handle.DangerousAddRef(ref added);
                    if (added) held.Add(ns.Handle);
                }
                request.Encode(ref w, NextSeq());
                next++;
            }
            SendRaw(w.Written, count: next - first);
        }
        finally
        {
            foreach (var h in held) h.DangerousRelease();
        }

        int count = next - first;
        Array.Clear(errors, 0, count);
        var acked = new bool[count];
        int pending = count;
        while (pending > 0)
        {
            pending -= ReadAcks(ReceiveRaw("receive netlink acks"), firstSeq, requests, first, acked, errors);
        }
        return next;
    }

    /// <summary>
    /// One datagram of acks for the requests sent with sequence numbers firstSeq… (one per request,
    /// in the order of <paramref name="requests"/> from <paramref name="first"/>). Acks of other
    /// sequence numbers and repeated acks are ignored. Returns how many requests it newly settled.
    /// </summary>
    internal static int ReadAcks(ReadOnlySpan<byte> datagram, uint firstSeq, IReadOnlyList<RtnlRequest> requests, int first,
        bool[] acked, NetlinkException?[] errors)
    {
        int settled = 0;
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            if (m.Type != Native.NLMSG_ERROR) continue;
            uint offset = m.Seq - firstSeq;
            if (offset >= (uint)acked.Length || acked[offset]) continue;
            var (errno, extAck) = RtnlCodec.DecodeError(m.Payload, m.Flags);
            if (errno != 0) errors[offset] = Errno.Exception(errno, requests[first + (int)offset].Describe(), extAck);
            acked[offset] = true;
            settled++;
        }
        return settled;
    }

    public void Dispose() => _fd.Dispose();
}

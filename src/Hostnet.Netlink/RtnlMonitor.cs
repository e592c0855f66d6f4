using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>The rtnetlink multicast groups a monitor subscribes to (RTMGRP_* bits).</summary>
[Flags]
public enum MonitorGroups
{
    None = 0,
    Link = 0x1,          // RTNLGRP_LINK
    Neighbor = 0x4,      // RTNLGRP_NEIGH
    IPv4Address = 0x10,  // RTNLGRP_IPV4_IFADDR
    IPv4Route = 0x40,    // RTNLGRP_IPV4_ROUTE
    All = Link | Neighbor | IPv4Address | IPv4Route,
}

/// <summary>A change the kernel announced.</summary>
public abstract record RtnlEvent;

public sealed record LinkChanged(Link Link) : RtnlEvent;

public sealed record LinkRemoved(Link Link) : RtnlEvent;

public sealed record AddressChanged(AddressEntry Address) : RtnlEvent;

public sealed record AddressRemoved(AddressEntry Address) : RtnlEvent;

public sealed record RouteChanged(RouteEntry Route) : RtnlEvent;

public sealed record RouteRemoved(RouteEntry Route) : RtnlEvent;

public sealed record NeighborChanged(NeighborEntry Neighbor) : RtnlEvent;

public sealed record NeighborRemoved(NeighborEntry Neighbor) : RtnlEvent;

/// <summary>A proxy entry announced (kernels that notify pneigh changes; 6.x without it never send one).</summary>
public sealed record ProxyNeighborChanged(ProxyNeighborEntry Neighbor) : RtnlEvent;

public sealed record ProxyNeighborRemoved(ProxyNeighborEntry Neighbor) : RtnlEvent;

/// <summary>
/// The kernel dropped events (ENOBUFS: the socket's queue overflowed). What was missed is
/// unknown: dump again and reconcile.
/// </summary>
public sealed record ResyncNeeded : RtnlEvent;

/// <summary>Typed rtnetlink events from one namespace.</summary>
public sealed class RtnlMonitor : IDisposable
{
    private const int PollSliceMs = 200;
    private readonly RtnlSocket _socket;

    private RtnlMonitor(RtnlSocket socket) => _socket = socket;

    /// <summary>Subscribes in <paramref name="ns"/> (null = the calling thread's namespace).</summary>
    public static RtnlMonitor Open(NetNamespace? ns, MonitorGroups groups) => Open(ns, groups, 8 * 1024 * 1024);

    /// <summary>With a chosen kernel receive buffer (tests use a tiny one to provoke ENOBUFS).</summary>
    internal static RtnlMonitor Open(NetNamespace? ns, MonitorGroups groups, int receiveBufferBytes)
    {
        uint bits = (uint)groups;
        return new RtnlMonitor(ns is null
            ? RtnlSocket.OpenHere(bits, receiveBufferBytes)
            : ns.Invoke(() => RtnlSocket.OpenHere(bits, receiveBufferBytes)));
    }

    /// <summary>
    /// Events as they come, until <paramref name="ct"/> is cancelled (then the sequence ends).
    /// Blocks the enumerating thread; an ENOBUFS overrun yields <see cref="ResyncNeeded"/> and the
    /// monitor carries on.
    /// </summary>
    public IEnumerable<RtnlEvent> Read(CancellationToken ct)
    {
        var batch = new List<RtnlEvent>();
        while (!ct.IsCancellationRequested)
        {
            if (!SocketIo.WaitReadable(_socket.Handle, PollSliceMs, "monitor")) continue;
            bool overrun = false;
            try
            {
                var datagram = _socket.ReceiveRaw("monitor", Interop.Libc.MSG_DONTWAIT);
                Decode(datagram, batch);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
            {
                overrun = true;
            }
            catch (NetlinkException e) when (e.Errno == Errno.EAGAIN)
            {
                continue;
            }
            if (overrun)
            {
                yield return new ResyncNeeded();
                continue;
            }
            foreach (var e in batch) yield return e;
            batch.Clear();
        }
    }

    internal static void Decode(ReadOnlySpan<byte> datagram, List<RtnlEvent> into)
    {
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            switch (m.Type)
            {
                case Native.RTM_NEWLINK: into.Add(new LinkChanged(RtnlCodec.DecodeLink(m.Payload))); break;
                case Native.RTM_DELLINK: into.Add(new LinkRemoved(RtnlCodec.DecodeLink(m.Payload))); break;
                case Native.RTM_NEWADDR when RtnlCodec.DecodeAddress(m.Payload) is { } a: into.Add(new AddressChanged(a)); break;
                case Native.RTM_DELADDR when RtnlCodec.DecodeAddress(m.Payload) is { } a: into.Add(new AddressRemoved(a)); break;
                case Native.RTM_NEWROUTE when RtnlCodec.DecodeRoute(m.Payload) is { } r: into.Add(new RouteChanged(r)); break;
                case Native.RTM_DELROUTE when RtnlCodec.DecodeRoute(m.Payload) is { } r: into.Add(new RouteRemoved(r)); break;
                case Native.RTM_NEWNEIGH or Native.RTM_DELNEIGH:
                    bool added = m.Type == Native.RTM_NEWNEIGH;
                    if (RtnlCodec.DecodeNeighbor(m.Payload) is { } n) into.Add(added ? new NeighborChanged(n) : new NeighborRemoved(n));
                    else if (RtnlCodec.DecodeProxyNeighbor(m.Payload) is { } p) into.Add(added ? new ProxyNeighborChanged(p) : new ProxyNeighborRemoved(p));
                    break;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}

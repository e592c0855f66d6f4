using System.Runtime.InteropServices;

namespace Hostnet.Netlink.Dhcp;

/// <summary>
/// A raw packet socket on one interface (a vme) that reads what its guest sends to a DHCP server (both families) or a router, and
/// writes Ethernet frames back to it. It taps the interface ahead of everything else the kernel does with a
/// frame (ETH_P_ALL: before the netdev ingress filters and before a bridge takes a port's frames), and a
/// socket filter keeps every other frame in the kernel, so that a guest's traffic costs it nothing.
/// </summary>
public sealed class DhcpServerSocket : IDisposable
{
    // linux/if_ether.h
    private const ushort ETH_P_ALL = 0x0003;

    // asm-generic/socket.h
    private const int SO_ATTACH_FILTER = 26;

    // linux/filter.h: struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, as `tcpdump -dd` prints them: frames the
    // guest sends to a DHCP server (IPv4 udp 67, IPv6 udp 547; no extension headers) or router solicitations.
    private static readonly (ushort Code, byte Jt, byte Jf, uint K)[] UdpToServerPort =
    [
        (0x20, 0, 0, 0xfffff004),               // 0  ld pkttype (SKF_AD_OFF + SKF_AD_PKTTYPE)
        (0x15, 18, 0, 4),                       // 1  PACKET_OUTGOING (what the vme sends its guest, e.g. flooded by a bridge): drop
        (0x28, 0, 0, 12),                       // 2  ldh [12]: EtherType
        (0x15, 0, 7, Native.ETH_P_IP),          // 3  IPv4, else 11
        (0x30, 0, 0, 23),                       // 4  ldb [23]: protocol
        (0x15, 0, 14, 17),                      // 5  UDP, else drop
        (0x28, 0, 0, 20),                       // 6  ldh [20]: flags and fragment offset
        (0x45, 12, 0, 0x1fff),                  // 7  a fragment: drop
        (0xb1, 0, 0, 14),                       // 8  ldxb 4*([14]&0xf): IP header length
        (0x48, 0, 0, 16),                       // 9  ldh [x+16]: UDP destination port
        (0x15, 8, 9, Dhcp4Frame.ServerPort),    // 10 67: accept, else drop
        (0x15, 0, 8, Native.ETH_P_IPV6),        // 11 IPv6, else drop
        (0x30, 0, 0, 20),                       // 12 ldb [20]: next header
        (0x15, 0, 2, 17),                       // 13 UDP, else 16
        (0x28, 0, 0, 56),                       // 14 ldh [56]: UDP destination port
        (0x15, 3, 4, Ipv6Frame.Dhcp6ServerPort), // 15 547: accept, else drop
        (0x15, 0, 3, 58),                       // 16 ICMPv6, else drop
        (0x30, 0, 0, 54),                       // 17 ldb [54]: ICMPv6 type
        (0x15, 0, 1, Ipv6Frame.RouterSolicitation), // 18 router solicitation: accept, else drop
        (0x06, 0, 0, 0x40000),                  // 19 accept: the whole frame
        (0x06, 0, 0, 0),                        // 20 drop
    ];

    private readonly SafeFdHandle _fd;

    private DhcpServerSocket(SafeFdHandle fd, string ifName, int ifIndex, MacAddress mac)
    {
        _fd = fd;
        Interface = ifName;
        InterfaceIndex = ifIndex;
        Mac = mac;
    }

    public string Interface { get; }

    /// <summary>The index the socket is bound to: a link deleted and made again under the same name has another.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The interface's own MAC, the source of the frames sent.</summary>
    public MacAddress Mac { get; }

    /// <summary>A socket on <paramref name="ifName"/> in <paramref name="ns"/>; an errno of the link's lookup when it is missing.</summary>
    public static DhcpServerSocket Open(NetNamespace ns, string ifName)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string op = "dhcp server socket dev " + ifName;
        return ns.Invoke(() =>
        {
            var (index, mac) = PacketSocket.Interface(ifName, op);
            // Protocol 0 receives nothing until it is bound: the filter is on before the first frame is queued.
            var fd = SafeFdHandle.FromResult(Interop.Libc.Socket(Interop.Libc.AF_PACKET, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, 0), op + ": socket AF_PACKET");
            try
            {
                AttachFilter(fd, op);
                SocketIo.Bind(fd, PacketSocket.LinkAddress(index, ETH_P_ALL, null), op);
                return new DhcpServerSocket(fd, ifName, index, mac);
            }
            catch
            {
                fd.Dispose();
                throw;
            }
        });
    }

    /// <summary>The interface's index in <paramref name="ns"/>, or null when there is no such link.</summary>
    public static int? IndexOf(NetNamespace ns, string ifName)
    {
        ArgumentNullException.ThrowIfNull(ns);
        return ns.Invoke(() =>
        {
            using var rtnl = RtnlSocket.OpenHere(0);
            return rtnl.GetLink(ifName)?.Index;
        });
    }

    private static unsafe void AttachFilter(SafeFdHandle fd, string op)
    {
        var program = new ulong[UdpToServerPort.Length];
        for (int i = 0; i < program.Length; i++)
        {
            var (code, jt, jf, k) = UdpToServerPort[i];
            program[i] = code | ((ulong)jt << 16) | ((ulong)jf << 24) | ((ulong)k << 32);
        }
        fixed (ulong* p = program)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            var fprog = stackalloc byte[16];
            new Span<byte>(fprog, 16).Clear();
            *(ushort*)fprog = (ushort)program.Length;
            *(ulong**)(fprog + 8) = p;
            Errno.Check(Interop.Libc.SetSockOpt(fd, Interop.Libc.SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16), op + ": SO_ATTACH_FILTER");
        }
    }

    /// <summary>A frame queued on the socket, non-blocking: its length, or -1 when none is.</summary>
    public int TryReceive(Span<byte> buffer) => SocketIo.TryReceive(_fd, buffer, "dhcp receive dev " + Interface);

    /// <summary>Sends a whole Ethernet frame out of the interface, to the guest.</summary>
    public void Send(ReadOnlySpan<byte> frame, MacAddress destination)
    {
        var mac = new byte[MacAddress.Length];
        destination.WriteBytes(mac);
        ushort etherType = frame.Length >= 14 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) : Native.ETH_P_IP;
        SocketIo.SendTo(_fd, frame, PacketSocket.LinkAddress(InterfaceIndex, etherType, mac), "dhcp send dev " + Interface);
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> until one of <paramref name="sockets"/> has a frame or an error: those
    /// that have (empty on timeout). EINTR retried.
    /// </summary>
    public static unsafe IReadOnlyList<DhcpServerSocket> WaitAny(IReadOnlyList<DhcpServerSocket> sockets, int timeoutMs)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var fds = new Interop.Libc.PollFd[sockets.Count];
        var added = new bool[sockets.Count];
        try
        {
            for (int i = 0; i < sockets.Count; i++)
            {
                sockets[i]._fd.DangerousAddRef(ref added[i]);
                fds[i] = new Interop.Libc.PollFd { Fd = sockets[i]._fd.Fd, Events = Interop.Libc.POLLIN };
            }
            fixed (Interop.Libc.PollFd* p = fds)
            {
                while (true)
                {
                    int n = Interop.Libc.Poll(p, (nuint)fds.Length, timeoutMs);
                    if (n >= 0) break;
                    if (Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast("dhcp: poll");
                }
            }
            var ready = new List<DhcpServerSocket>();
            for (int i = 0; i < fds.Length; i++)
            {
                if (fds[i].REvents != 0) ready.Add(sockets[i]);
            }
            return ready;
        }
        finally
        {
            for (int i = 0; i < sockets.Count; i++)
            {
                if (added[i]) sockets[i]._fd.DangerousRelease();
            }
        }
    }

    public void Dispose() => _fd.Dispose();
}

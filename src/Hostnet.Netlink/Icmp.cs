using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>ICMP echo from inside a namespace.</summary>
public static class Icmp
{
    /// <summary>
    /// One echo request to <paramref name="destination"/> from inside <paramref name="ns"/>; the
    /// round-trip time, or null when no reply came within <paramref name="timeout"/>. Uses a
    /// datagram ICMP (ICMPv6) socket (allowed when net.ipv4.ping_group_range covers our gid); when that
    /// is refused it falls back to a raw socket, which root may always open. The namespace's
    /// sysctls are never changed.
    /// </summary>
    public static TimeSpan? Ping(NetNamespace ns, IpAddress destination, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string op = "ping " + destination;
        bool v6 = destination.IsIpv6;
        int family = v6 ? Native.AF_INET6 : Interop.Libc.AF_INET;
        int protocol = v6 ? Native.IPPROTO_ICMPV6 : Interop.Libc.IPPROTO_ICMP;
        return ns.Invoke(() =>
        {
            bool raw = false;
            int s = Interop.Libc.Socket(family, Interop.Libc.SOCK_DGRAM | Interop.Libc.SOCK_CLOEXEC, protocol);
            if (s < 0 && Marshal.GetLastPInvokeError() is Errno.EACCES or Errno.EPERM)
            {
                raw = true;
                s = Interop.Libc.Socket(family, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, protocol);
            }
            using var fd = SafeFdHandle.FromResult(s, op + ": socket");
            ushort id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
            ushort seq = (ushort)Random.Shared.Next(1, ushort.MaxValue);
            Span<byte> echo = stackalloc byte[64];
            WriteEcho(echo, id, seq, v6);
            // struct sockaddr_in (16 bytes), or sockaddr_in6 (28: family, port, flowinfo, address, scope id).
            var to = new byte[v6 ? 28 : 16];
            BinaryPrimitives.WriteUInt16LittleEndian(to, (ushort)family);
            destination.WriteBytes(to.AsSpan(v6 ? 8 : 4));
            var clock = Stopwatch.StartNew();
            SocketIo.SendTo(fd, echo, to, op);
            Span<byte> buffer = stackalloc byte[1600];
            byte reply = v6 ? Native.ICMPV6_ECHO_REPLY : Native.ICMP_ECHOREPLY;
            while (true)
            {
                int left = (int)Math.Ceiling((timeout - clock.Elapsed).TotalMilliseconds);
                if (left <= 0 || !SocketIo.WaitReadable(fd, left, op)) return (TimeSpan?)null;
                int n;
                while ((n = SocketIo.TryReceive(fd, buffer, op)) >= 0)
                {
                    var icmp = buffer[..n];
                    if (raw && !v6)
                    {
                        // A raw socket hands over the IP header too; it sees every ICMP message, so match id and source.
                        if (n < 20) continue;
                        int ihl = (buffer[0] & 0x0f) * 4;
                        if (ihl < 20 || n < ihl + 8 || IpAddress.FromBytes(buffer.Slice(12, 4)) != destination) continue;
                        icmp = buffer[ihl..n];
                    }
                    // A raw ICMPv6 socket hands over the message alone, but every one (neighbour discovery too): match the id.
                    if (raw && (icmp.Length < 8 || BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) != id)) continue;
                    // A datagram socket: the kernel rewrote the id to the socket's and filters replies by it.
                    if (icmp.Length >= 8 && icmp[0] == reply && BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]) == seq)
                        return clock.Elapsed;
                }
            }
        });
    }

    private static void WriteEcho(Span<byte> echo, ushort id, ushort seq, bool v6)
    {
        echo.Clear();
        echo[0] = v6 ? Native.ICMPV6_ECHO_REQUEST : Native.ICMP_ECHO;
        BinaryPrimitives.WriteUInt16BigEndian(echo[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(echo[6..], seq);
        for (int i = 8; i < echo.Length; i++) echo[i] = (byte)i;
        // ICMPv6's checksum covers a pseudo-header of addresses the kernel picks: the kernel fills it in.
        if (!v6) BinaryPrimitives.WriteUInt16BigEndian(echo[2..], InternetChecksum.Of(echo));
    }
}

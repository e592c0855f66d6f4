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
    /// datagram ICMP socket (allowed when net.ipv4.ping_group_range covers our gid); when that is
    /// refused it falls back to a raw socket, which root may always open. The namespace's
    /// sysctls are never changed.
    /// </summary>
    public static TimeSpan? Ping(NetNamespace ns, IpAddress destination, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(ns);
        // An ICMP (not ICMPv6) echo to a sockaddr_in.
        if (!destination.IsIpv4) throw new ArgumentException($"{destination} is not an IPv4 address", nameof(destination));
        string op = "ping " + destination;
        return ns.Invoke(() =>
        {
            bool raw = false;
            int s = Interop.Libc.Socket(Interop.Libc.AF_INET, Interop.Libc.SOCK_DGRAM | Interop.Libc.SOCK_CLOEXEC, Interop.Libc.IPPROTO_ICMP);
            if (s < 0 && Marshal.GetLastPInvokeError() is Errno.EACCES or Errno.EPERM)
            {
                raw = true;
                s = Interop.Libc.Socket(Interop.Libc.AF_INET, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, Interop.Libc.IPPROTO_ICMP);
            }
            using var fd = SafeFdHandle.FromResult(s, op + ": socket");
            ushort id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
            ushort seq = (ushort)Random.Shared.Next(1, ushort.MaxValue);
            Span<byte> echo = stackalloc byte[64];
            WriteEcho(echo, id, seq);
            var to = new byte[16]; // struct sockaddr_in
            BinaryPrimitives.WriteUInt16LittleEndian(to, Interop.Libc.AF_INET);
            destination.WriteBytes(to.AsSpan(4));
            var clock = Stopwatch.StartNew();
            SocketIo.SendTo(fd, echo, to, op);
            Span<byte> buffer = stackalloc byte[1600];
            while (true)
            {
                int left = (int)Math.Ceiling((timeout - clock.Elapsed).TotalMilliseconds);
                if (left <= 0 || !SocketIo.WaitReadable(fd, left, op)) return (TimeSpan?)null;
                int n;
                while ((n = SocketIo.TryReceive(fd, buffer, op)) >= 0)
                {
                    var icmp = buffer[..n];
                    if (raw)
                    {
                        // A raw socket hands over the IP header too; it sees every ICMP message, so match id and source.
                        if (n < 20) continue;
                        int ihl = (buffer[0] & 0x0f) * 4;
                        if (ihl < 20 || n < ihl + 8 || IpAddress.FromBytes(buffer.Slice(12, 4)) != destination) continue;
                        icmp = buffer[ihl..n];
                        if (BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) != id) continue;
                    }
                    // A datagram socket: the kernel rewrote the id to the socket's and filters replies by it.
                    if (icmp.Length >= 8 && icmp[0] == Native.ICMP_ECHOREPLY && BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]) == seq)
                        return clock.Elapsed;
                }
            }
        });
    }

    private static void WriteEcho(Span<byte> echo, ushort id, ushort seq)
    {
        echo.Clear();
        echo[0] = Native.ICMP_ECHO;
        BinaryPrimitives.WriteUInt16BigEndian(echo[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(echo[6..], seq);
        for (int i = 8; i < echo.Length; i++) echo[i] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(echo[2..], Checksum(echo));
    }

    /// <summary>The Internet checksum (RFC 1071).</summary>
    internal static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}

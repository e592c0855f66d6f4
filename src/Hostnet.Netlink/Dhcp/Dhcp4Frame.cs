using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Hostnet.Netlink.Dhcp;

/// <summary>
/// DHCPv4 in Ethernet frames (Ethernet II, IPv4, UDP 68→67 and 67→68): what a raw packet socket on a vme reads
/// from a guest that has no address yet, and writes back. Pure: no I/O.
/// </summary>
public static class Dhcp4Frame
{
    public const ushort ServerPort = 67;
    public const ushort ClientPort = 68;

    private const int EthHeader = 14;
    private const int IpHeader = 20;
    private const int UdpHeader = 8;
    private const byte Udp = 17;

    /// <summary>
    /// Reads a client's message from a frame: its Ethernet source and the message; false for any frame that is not
    /// an unfragmented IPv4 UDP datagram to port 67 holding a BOOTREQUEST.
    /// </summary>
    public static bool TryReadRequest(ReadOnlySpan<byte> frame, out MacAddress source, [NotNullWhen(true)] out Dhcp4Message? message)
    {
        source = default;
        message = null;
        if (frame.Length < EthHeader + IpHeader + UdpHeader || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != Native.ETH_P_IP) return false;
        var ip = frame[EthHeader..];
        int ihl = (ip[0] & 0x0f) * 4;
        if (ip[0] >> 4 != 4 || ihl < IpHeader || ip.Length < ihl + UdpHeader || ip[9] != Udp) return false;
        // A fragment (more-fragments set or an offset) is no whole message.
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3fff) != 0) return false;
        int total = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(ip[2..]), ip.Length);
        var udp = ip[ihl..total];
        if (udp.Length < UdpHeader || BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != ServerPort) return false;
        int udpLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(udp[4..]), udp.Length);
        if (udpLength < UdpHeader) return false;
        if (!Dhcp4Message.TryRead(udp[UdpHeader..udpLength], out message) || message.Op != Dhcp4Message.BootRequest)
        {
            message = null;
            return false;
        }
        source = MacAddress.FromBytes(frame[6..12]);
        return true;
    }

    /// <summary>A server's reply in a frame from <paramref name="ethSource"/>/<paramref name="ipSource"/>:67 to <paramref name="ethDestination"/>/<paramref name="ipDestination"/>:68, with both checksums.</summary>
    public static byte[] Reply(MacAddress ethSource, MacAddress ethDestination, IpAddress ipSource, IpAddress ipDestination, Dhcp4Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.ToBytes();
        var frame = new byte[EthHeader + IpHeader + UdpHeader + payload.Length];
        var f = frame.AsSpan();
        ethDestination.WriteBytes(f);
        ethSource.WriteBytes(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], Native.ETH_P_IP);

        var ip = f[EthHeader..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(IpHeader + UdpHeader + payload.Length));
        ip[8] = 64;
        ip[9] = Udp;
        ipSource.WriteBytes(ip.Slice(12, 4));
        ipDestination.WriteBytes(ip.Slice(16, 4));
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Of(ip[..IpHeader]));

        var udp = ip[IpHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], ClientPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeader + payload.Length));
        payload.CopyTo(udp[UdpHeader..]);
        // The pseudo-header: source, destination, protocol, UDP length.
        uint pseudo = InternetChecksum.Sum(ip.Slice(12, 8)) + Udp + (uint)(UdpHeader + payload.Length);
        ushort sum = InternetChecksum.Of(udp, pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum);
        return frame;
    }
}

using System.Buffers.Binary;

namespace Hostnet.Netlink.Dhcp;

/// <summary>
/// What a guest asks of its router over IPv6, in Ethernet frames: DHCPv6 (UDP 546→547) and router solicitations
/// (ICMPv6 133); and the frames that answer them (RFC 8415, RFC 4861). Pure: no I/O.
/// </summary>
public static class Ipv6Frame
{
    public const ushort Dhcp6ServerPort = 547;
    public const ushort Dhcp6ClientPort = 546;
    public const byte RouterSolicitation = 133;
    public const byte RouterAdvertisement = 134;

    private const int EthHeader = 14;
    private const int IpHeader = 40;
    private const byte Udp = 17;
    private const byte Icmpv6 = 58;

    /// <summary>ff02::1, all nodes, and its Ethernet group 33:33:00:00:00:01.</summary>
    public static readonly IpAddress AllNodes = new(IpFamily.Ipv6, ((UInt128)0xFF02 << 112) | 1);
    public static readonly MacAddress AllNodesMac = MacAddress.Parse("33:33:00:00:00:01");

    /// <summary>What the frame is: a DHCPv6 message or a router solicitation (sender's MAC and address), or neither.</summary>
    public static (MacAddress Source, IpAddress SourceAddress, Dhcp6Message? Dhcp, bool Solicitation) Read(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthHeader + IpHeader + 8 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != Native.ETH_P_IPV6) return default;
        var ip = frame[EthHeader..];
        if (ip[0] >> 4 != 6) return default;
        int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(ip[4..]), ip.Length - IpHeader);
        var payload = ip.Slice(IpHeader, length);
        var mac = MacAddress.FromBytes(frame[6..12]);
        var from = IpAddress.FromBytes(ip.Slice(8, 16));
        if (ip[6] == Icmpv6 && payload.Length >= 8 && payload[0] == RouterSolicitation) return (mac, from, null, true);
        if (ip[6] != Udp || payload.Length < 8 || BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) != Dhcp6ServerPort) return default;
        int udpLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(payload[4..]), payload.Length);
        if (udpLength < 8) return default;
        try
        {
            return (mac, from, Dhcp6Message.Read(payload[8..udpLength]), false);
        }
        catch (DhcpFormatException)
        {
            return default;
        }
    }

    /// <summary>A DHCPv6 server's message from <paramref name="source"/>:547 to <paramref name="destination"/>:546.</summary>
    public static byte[] Dhcp6Reply(MacAddress ethSource, MacAddress ethDestination, IpAddress source, IpAddress destination, Dhcp6Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.ToBytes();
        var udp = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, Dhcp6ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), Dhcp6ClientPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        body.CopyTo(udp, 8);
        return Frame(ethSource, ethDestination, source, destination, Udp, 64, udp, checksumAt: 6);
    }

    /// <summary>
    /// A router advertisement (RFC 4861 §4.2) from <paramref name="router"/> (link-local) naming it the default router for
    /// <paramref name="lifetimeSeconds"/>, with the managed (M: addresses by DHCPv6) and other (O) flags and no prefix:
    /// the guest takes no address of its own making.
    /// </summary>
    public static byte[] RouterAdvert(MacAddress ethSource, MacAddress ethDestination, IpAddress router, IpAddress destination, ushort lifetimeSeconds)
    {
        var icmp = new byte[16 + 8];
        icmp[0] = RouterAdvertisement;
        icmp[4] = 64; // cur hop limit
        icmp[5] = 0x80 | 0x40; // M, O
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), lifetimeSeconds);
        // Source link-layer address option (type 1, 8 bytes).
        icmp[16] = 1;
        icmp[17] = 1;
        ethSource.WriteBytes(icmp.AsSpan(18));
        return Frame(ethSource, ethDestination, router, destination, Icmpv6, 255, icmp, checksumAt: 2);
    }

    private static byte[] Frame(MacAddress ethSource, MacAddress ethDestination, IpAddress source, IpAddress destination, byte next, byte hops,
        byte[] payload, int checksumAt)
    {
        var frame = new byte[EthHeader + IpHeader + payload.Length];
        var f = frame.AsSpan();
        ethDestination.WriteBytes(f);
        ethSource.WriteBytes(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], Native.ETH_P_IPV6);
        var ip = f[EthHeader..];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payload.Length);
        ip[6] = next;
        ip[7] = hops;
        source.WriteBytes(ip.Slice(8, 16));
        destination.WriteBytes(ip.Slice(24, 16));
        payload.CopyTo(ip[IpHeader..]);
        // The pseudo-header (RFC 8200 §8.1): source, destination, upper-layer length, next header.
        uint pseudo = InternetChecksum.Sum(ip.Slice(8, 32)) + (uint)payload.Length + next;
        ushort sum = InternetChecksum.Of(ip[IpHeader..], pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(ip[(IpHeader + checksumAt)..], next == Udp && sum == 0 ? (ushort)0xffff : sum);
        return frame;
    }

    /// <summary>The Ethernet address an IPv6 multicast group maps to (RFC 2464 §7), or <paramref name="unicast"/>.</summary>
    public static MacAddress EthernetFor(IpAddress destination, MacAddress unicast) =>
        destination.IsMulticast ? new MacAddress(0x3333_0000_0000UL | (ulong)(destination.Value & 0xFFFF_FFFF)) : unicast;
}

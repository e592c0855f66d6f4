using System.Buffers.Binary;

namespace Hostnet.Netlink;

/// <summary>
/// IPv6 neighbour discovery on the wire (RFC 4861, 4862) through a raw AF_PACKET socket (ETH_P_IPV6)
/// opened inside the namespace, as <see cref="Arp"/> does it for IPv4: duplicate address detection
/// for an address before it is published, and unsolicited neighbour advertisements after.
/// </summary>
public static class Ndp
{
    // Ethernet (14) + IPv6 header (40) + ICMPv6: a solicitation is 24 bytes, an advertisement with its
    // target link-layer address option 32.
    private const int IpOffset = Native.ETH_HLEN;
    private const int IcmpOffset = IpOffset + 40;
    private const int SolicitationLength = 24;
    private const int AdvertisementLength = 32;

    /// <summary>
    /// One unsolicited neighbour advertisement per address to all nodes (ff02::1), override flag set,
    /// with <paramref name="senderMac"/> (null = the interface's own) as the target's link-layer address:
    /// caches that hold the address learn its new place at once.
    /// </summary>
    public static void SendUnsolicitedAdvertisements(NetNamespace ns, string ifName, IEnumerable<IpAddress> addresses, MacAddress? senderMac = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(addresses);
        var list = addresses.ToList();
        string op = "send neighbour advertisement dev " + ifName;
        foreach (var a in list) CheckIpv6(a, nameof(addresses));
        ns.Invoke(() =>
        {
            var (index, ownMac) = PacketSocket.Interface(ifName, op);
            var mac = new byte[MacAddress.Length];
            (senderMac ?? ownMac).WriteBytes(mac);
            using var fd = PacketSocket.Open(index, Native.ETH_P_IPV6, op);
            Span<byte> frame = stackalloc byte[IcmpOffset + AdvertisementLength];
            var allNodesMac = MulticastMac(AllNodes);
            foreach (var address in list)
            {
                WriteAdvertisement(frame, mac, address);
                SocketIo.SendTo(fd, frame, PacketSocket.LinkAddress(index, Native.ETH_P_IPV6, allNodesMac), op);
            }
        });
    }

    /// <summary>
    /// Duplicate address detection for every address at once (a neighbour solicitation from :: to each
    /// address's solicited-node group), then one listening window: which addresses someone advertised,
    /// and with which MAC.
    /// </summary>
    public static IReadOnlyDictionary<IpAddress, MacAddress> Probe(NetNamespace ns, string ifName, IEnumerable<IpAddress> addresses, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(addresses);
        var wanted = addresses.ToHashSet();
        string op = "neighbour solicitation (DAD) dev " + ifName;
        foreach (var a in wanted) CheckIpv6(a, nameof(addresses));
        return ns.Invoke(() =>
        {
            var (index, ownMac) = PacketSocket.Interface(ifName, op);
            var mac = new byte[MacAddress.Length];
            ownMac.WriteBytes(mac);
            using var fd = PacketSocket.Open(index, Native.ETH_P_IPV6, op);
            Span<byte> frame = stackalloc byte[IcmpOffset + SolicitationLength];
            foreach (var address in wanted)
            {
                var group = SolicitedNode(address);
                WriteSolicitation(frame, mac, group, address);
                SocketIo.SendTo(fd, frame, PacketSocket.LinkAddress(index, Native.ETH_P_IPV6, MulticastMac(group)), op);
            }
            return PacketSocket.Claims(fd, window, wanted, mac, static (ReadOnlySpan<byte> f, out IpAddress target, out byte[] source) =>
                TryParseAdvertisement(f, out source, out target), op);
        });
    }

    /// <summary>ff02::1, every node on the link.</summary>
    private static readonly IpAddress AllNodes = new(IpFamily.Ipv6, ((UInt128)0xFF02 << 112) | 1);

    /// <summary>The solicited-node group of an address, ff02::1:ffXX:XXXX (its low 24 bits), RFC 4291.</summary>
    internal static IpAddress SolicitedNode(IpAddress address) =>
        new(IpFamily.Ipv6, ((UInt128)0xFF02 << 112) | ((UInt128)0x1_FF00_0000) | (address.Value & 0xFF_FFFF));

    /// <summary>33:33 then the group's low 32 bits (RFC 2464).</summary>
    private static byte[] MulticastMac(IpAddress group)
    {
        var mac = new byte[MacAddress.Length];
        mac[0] = 0x33;
        mac[1] = 0x33;
        BinaryPrimitives.WriteUInt32BigEndian(mac.AsSpan(2), (uint)group.Value);
        return mac;
    }

    private static void CheckIpv6(IpAddress address, string paramName)
    {
        if (!address.IsIpv6) throw new ArgumentException($"{address} is not an IPv6 address: neighbour discovery is IPv6's (IPv4 has ARP)", paramName);
    }

    /// <summary>A DAD solicitation: from :: to the target's solicited-node group, no source link-layer option (RFC 4862 5.4.2).</summary>
    internal static void WriteSolicitation(Span<byte> frame, ReadOnlySpan<byte> ethSource, IpAddress group, IpAddress target)
    {
        frame.Clear();
        MulticastMac(group).CopyTo(frame);
        WriteIpv6(frame, ethSource, IpAddress.Ipv6Any, group, SolicitationLength);
        var icmp = frame[IcmpOffset..];
        icmp[0] = Native.ND_NEIGHBOR_SOLICIT;
        target.WriteBytes(icmp.Slice(8, 16));
        Checksum(frame, SolicitationLength);
    }

    /// <summary>An unsolicited advertisement: override flag, target = source, the target's link-layer address as option 2.</summary>
    internal static void WriteAdvertisement(Span<byte> frame, ReadOnlySpan<byte> mac, IpAddress target)
    {
        frame.Clear();
        MulticastMac(AllNodes).CopyTo(frame);
        WriteIpv6(frame, mac, target, AllNodes, AdvertisementLength);
        var icmp = frame[IcmpOffset..];
        icmp[0] = Native.ND_NEIGHBOR_ADVERT;
        icmp[4] = Native.ND_NA_FLAG_OVERRIDE;
        target.WriteBytes(icmp.Slice(8, 16));
        icmp[24] = Native.ND_OPT_TARGET_LINKADDR;
        icmp[25] = 1; // in units of 8 bytes
        mac.CopyTo(icmp[26..]);
        Checksum(frame, AdvertisementLength);
    }

    private static void WriteIpv6(Span<byte> frame, ReadOnlySpan<byte> ethSource, IpAddress source, IpAddress destination, int payloadLength)
    {
        ethSource.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], Native.ETH_P_IPV6);
        var ip = frame[IpOffset..];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payloadLength);
        ip[6] = Native.IPPROTO_ICMPV6;
        ip[7] = 255; // hop limit: receivers drop neighbour discovery that crossed a router
        source.WriteBytes(ip.Slice(8, 16));
        destination.WriteBytes(ip.Slice(24, 16));
    }

    /// <summary>The ICMPv6 checksum over the pseudo-header (source, destination, length, next header) and the message.</summary>
    private static void Checksum(Span<byte> frame, int length)
    {
        uint pseudo = InternetChecksum.Sum(frame.Slice(IpOffset + 8, 32)) + (uint)length + Native.IPPROTO_ICMPV6;
        var icmp = frame.Slice(IcmpOffset, length);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Of(icmp, pseudo));
    }

    /// <summary>Reads an Ethernet/IPv6/ICMPv6 neighbour advertisement: its Ethernet source and its target.</summary>
    internal static bool TryParseAdvertisement(ReadOnlySpan<byte> frame, out byte[] source, out IpAddress target)
    {
        source = [];
        target = IpAddress.Ipv6Any;
        if (frame.Length < IcmpOffset + SolicitationLength || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != Native.ETH_P_IPV6) return false;
        var ip = frame[IpOffset..];
        if ((ip[0] >> 4) != 6 || ip[6] != Native.IPPROTO_ICMPV6 || ip[7] != 255) return false;
        var icmp = frame[IcmpOffset..];
        if (icmp[0] != Native.ND_NEIGHBOR_ADVERT || icmp[1] != 0) return false;
        source = frame.Slice(6, 6).ToArray();
        target = IpAddress.FromBytes(icmp.Slice(8, 16));
        return true;
    }
}

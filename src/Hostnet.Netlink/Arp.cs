using System.Buffers.Binary;

namespace Hostnet.Netlink;

/// <summary>
/// ARP on the wire through a raw AF_PACKET socket (ETH_P_ARP) opened inside the namespace:
/// gratuitous announcements after a VM starts or moves, and RFC 5227 probes before an address
/// is taken.
/// </summary>
public static class Arp
{
    // Ethernet header (14) + ARP for IPv4 over Ethernet (28), padded to the 60-byte minimum frame.
    private const int FrameLength = 60;
    private const int ArpOffset = Native.ETH_HLEN;

    /// <summary>
    /// One gratuitous ARP per address, in request form (sender = target = the address) from
    /// <paramref name="senderMac"/> (null = the interface's own), broadcast out of <paramref name="ifName"/>.
    /// </summary>
    public static void SendGratuitous(NetNamespace ns, string ifName, IEnumerable<IpAddress> addresses, MacAddress? senderMac = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(addresses);
        var list = addresses.ToList();
        string op = "send gratuitous arp dev " + ifName;
        foreach (var a in list) CheckIpv4(a, nameof(addresses));
        ns.Invoke(() =>
        {
            var (index, ownMac) = PacketSocket.Interface(ifName, op);
            var mac = new byte[MacAddress.Length];
            (senderMac ?? ownMac).WriteBytes(mac);
            using var fd = PacketSocket.Open(index, Native.ETH_P_ARP, op);
            Span<byte> frame = stackalloc byte[FrameLength];
            foreach (var address in list)
            {
                WriteArp(frame, Native.ARPOP_REQUEST, mac, Broadcast, mac, address, address);
                SocketIo.SendTo(fd, frame, PacketSocket.LinkAddress(index, Native.ETH_P_ARP, Broadcast), op);
            }
        });
    }

    /// <summary>The default listening window of a probe: long enough for a LAN, short enough to run before every VM start.</summary>
    public static readonly TimeSpan DefaultProbeWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>A probe with the default 100 ms window.</summary>
    public static IReadOnlyDictionary<IpAddress, MacAddress> Probe(NetNamespace ns, string ifName, IEnumerable<IpAddress> addresses) =>
        Probe(ns, ifName, addresses, DefaultProbeWindow);

    /// <summary>
    /// RFC 5227 probes (sender IP 0.0.0.0) for every address at once, then one listening window:
    /// which addresses someone answered for, and with which MAC.
    /// </summary>
    public static IReadOnlyDictionary<IpAddress, MacAddress> Probe(NetNamespace ns, string ifName, IEnumerable<IpAddress> addresses, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(addresses);
        var wanted = addresses.ToHashSet();
        string op = "arp probe dev " + ifName;
        foreach (var a in wanted) CheckIpv4(a, nameof(addresses));
        return ns.Invoke(() =>
        {
            var (index, ownMac) = PacketSocket.Interface(ifName, op);
            var mac = new byte[MacAddress.Length];
            ownMac.WriteBytes(mac);
            using var fd = PacketSocket.Open(index, Native.ETH_P_ARP, op);
            Span<byte> frame = stackalloc byte[FrameLength];
            foreach (var address in wanted)
            {
                WriteArp(frame, Native.ARPOP_REQUEST, mac, Broadcast, mac, IpAddress.Any, address);
                SocketIo.SendTo(fd, frame, PacketSocket.LinkAddress(index, Native.ETH_P_ARP, Broadcast), op);
            }
            // A reply, or anyone else's request claiming the address (a probe of ours has sender 0.0.0.0).
            return PacketSocket.Claims(fd, window, wanted, mac, static (ReadOnlySpan<byte> f, out IpAddress spa, out byte[] sha) =>
                TryParseArp(f, out _, out sha, out spa), op);
        });
    }

    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    /// <summary>ARP carries IPv4 only (IPv6 finds its neighbours with NDP).</summary>
    private static void CheckIpv4(IpAddress address, string paramName)
    {
        if (!address.IsIpv4) throw new ArgumentException($"{address} is not an IPv4 address: ARP is for IPv4", paramName);
    }

    /// <summary>An Ethernet frame carrying ARP for IPv4 (RFC 826), padded with zeros to 60 bytes.</summary>
    internal static void WriteArp(Span<byte> frame, ushort op, ReadOnlySpan<byte> ethSource, ReadOnlySpan<byte> ethDestination,
        ReadOnlySpan<byte> senderMac, IpAddress senderIp, IpAddress targetIp)
    {
        frame.Clear();
        ethDestination.CopyTo(frame);
        ethSource.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], Native.ETH_P_ARP);
        var arp = frame[ArpOffset..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, Native.ARPHRD_ETHER);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], Native.ETH_P_IP);
        arp[4] = Native.ETH_ALEN;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], op);
        senderMac.CopyTo(arp[8..]);
        senderIp.WriteBytes(arp.Slice(14, 4));
        // target hardware address (18..24) stays zero: unknown, as RFC 5227 asks
        targetIp.WriteBytes(arp.Slice(24, 4));
    }

    /// <summary>Reads an Ethernet/ARP/IPv4 frame; false for anything else or anything too short.</summary>
    internal static bool TryParseArp(ReadOnlySpan<byte> frame, out ushort op, out byte[] senderMac, out IpAddress senderIp)
    {
        op = 0;
        senderMac = [];
        senderIp = IpAddress.Any;
        if (frame.Length < ArpOffset + 28 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != Native.ETH_P_ARP) return false;
        var arp = frame[ArpOffset..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != Native.ARPHRD_ETHER || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != Native.ETH_P_IP
            || arp[4] != Native.ETH_ALEN || arp[5] != 4) return false;
        op = BinaryPrimitives.ReadUInt16BigEndian(arp[6..]);
        if (op is not (Native.ARPOP_REQUEST or Native.ARPOP_REPLY)) return false;
        senderMac = arp.Slice(8, 6).ToArray();
        senderIp = IpAddress.FromBytes(arp.Slice(14, 4));
        return senderIp != IpAddress.Any;
    }
}

using System.Buffers.Binary;

namespace Hostnet.Netlink.Wire;

/// <summary>Decoders from RTM_NEW* payloads (after nlmsghdr) to the public records. Unknown attributes are skipped.</summary>
internal static class RtnlCodec
{
    public static Link DecodeLink(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfIfinfomsg, "ifinfomsg");
        byte family = h[0];
        int index = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        string name = "";
        string? kind = null, alias = null;
        int mtu = 0;
        MacAddress? mac = null;
        int? master = null, link = null, netnsId = null;
        byte operState = 0;
        int[]? ipv4Conf = null, ipv6Conf = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfIfinfomsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.IFLA_IFNAME: name = Decode.String(value); break;
                case Native.IFLA_MTU: mtu = Decode.S32(value); break;
                case Native.IFLA_ADDRESS: mac = Decode.Mac(value); break;
                case Native.IFLA_MASTER: master = Decode.S32(value); break;
                case Native.IFLA_IFALIAS: alias = Decode.String(value); break;
                case Native.IFLA_LINK: link = Decode.S32(value); break;
                case Native.IFLA_LINK_NETNSID: netnsId = Decode.S32(value); break;
                case Native.IFLA_OPERSTATE: operState = Decode.U8(value); break;
                case Native.IFLA_LINKINFO:
                    var info = new AttributeReader(value);
                    while (info.TryRead(out ushort infoType, out var infoValue))
                    {
                        if (infoType == Native.IFLA_INFO_KIND) kind = Decode.String(infoValue);
                    }
                    break;
                case Native.IFLA_AF_SPEC:
                    // What the nest holds depends on the message's family. In a link's own message (AF_UNSPEC)
                    // one nest per address family; in a bridge port's AF_BRIDGE notification, bridge attributes
                    // whose numbers collide with families (IFLA_BRIDGE_VLAN_INFO is 2, AF_INET's number).
                    if (family == Interop.Libc.AF_UNSPEC) DecodeAfSpec(value, ref ipv4Conf, ref ipv6Conf);
                    break;
            }
        }
        if (master == 0) master = null;
        bool operUp = (flags & Native.IFF_LOWER_UP) != 0 || operState == Native.IF_OPER_UP;
        return new Link(index, name, kind, (flags & Native.IFF_UP) != 0, operUp, mtu, mac, master,
            string.IsNullOrEmpty(alias) ? null : alias, link, netnsId)
        {
            Ipv4Conf = ipv4Conf,
            Ipv6Conf = ipv6Conf,
        };
    }

    /// <summary>
    /// The ifinfomsg family of an RTM_NEWLINK/RTM_DELLINK: AF_UNSPEC for the link itself, AF_BRIDGE for
    /// the bridge's view of one of its ports (sent beside the link's own message, and an RTM_DELLINK of
    /// it when the port leaves its bridge while the link lives on).
    /// </summary>
    public static byte LinkFamily(ReadOnlySpan<byte> payload) => Decode.Header(payload, Native.SizeOfIfinfomsg, "ifinfomsg")[0];

    /// <summary>
    /// The per-device sysctls from an AF_UNSPEC link's IFLA_AF_SPEC: one nest per address family, each
    /// holding that family's attributes. The per-device sysctls come with every link, no /proc read
    /// needed; families and attributes not read here (AF_MPLS, AF_MCTP, IFLA_INET6_FLAGS…) are skipped.
    /// </summary>
    private static void DecodeAfSpec(ReadOnlySpan<byte> value, ref int[]? ipv4Conf, ref int[]? ipv6Conf)
    {
        var families = new AttributeReader(value);
        while (families.TryRead(out ushort family, out var familyValue))
        {
            ushort want = family switch
            {
                Interop.Libc.AF_INET => Native.IFLA_INET_CONF,
                Native.AF_INET6 => Native.IFLA_INET6_CONF,
                _ => 0,
            };
            if (want == 0) continue;
            var conf = new AttributeReader(familyValue);
            while (conf.TryRead(out ushort confType, out var confValue))
            {
                if (confType != want) continue;
                if (family == Interop.Libc.AF_INET) ipv4Conf = Decode.S32Array(confValue);
                else ipv6Conf = Decode.S32Array(confValue);
            }
        }
    }

    /// <summary>Null for an address of neither IPv4 nor IPv6.</summary>
    public static AddressEntry? DecodeAddress(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfIfaddrmsg, "ifaddrmsg");
        byte family = h[0], prefix = h[1], scope = h[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
        IpAddress? local = null, address = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfIfaddrmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            if (!IsInet(family)) continue;
            if (type == Native.IFA_LOCAL) local = Decode.IP(family, value);
            else if (type == Native.IFA_ADDRESS) address = Decode.IP(family, value);
        }
        if (!IsInet(family)) return null;
        var a = local ?? address;
        return a is { } found ? new AddressEntry(index, found, prefix, (RouteScope)scope) : null;
    }

    /// <summary>Null for a route of neither IPv4 nor IPv6.</summary>
    public static RouteEntry? DecodeRoute(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfRtmsg, "rtmsg");
        byte family = h[0], dstLen = h[1], table8 = h[4], protocol = h[5], scope = h[6], type = h[7];
        uint table = table8;
        IpAddress? dst = null, gw = null, prefsrc = null;
        int? oif = null, iif = null;
        uint? metric = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfRtmsg));
        while (attrs.TryRead(out ushort t, out var value))
        {
            if (!IsInet(family)) continue;
            switch (t)
            {
                case Native.RTA_DST: dst = Decode.IP(family, value); break;
                case Native.RTA_OIF: oif = Decode.S32(value); break;
                case Native.RTA_IIF: iif = Decode.S32(value); break;
                case Native.RTA_GATEWAY: gw = Decode.IP(family, value); break;
                case Native.RTA_PREFSRC: prefsrc = Decode.IP(family, value); break;
                case Native.RTA_PRIORITY: metric = Decode.U32(value); break;
                case Native.RTA_TABLE: table = Decode.U32(value); break;
            }
        }
        if (!IsInet(family)) return null;
        var ipFamily = family == Interop.Libc.AF_INET ? IpFamily.Ipv4 : IpFamily.Ipv6;
        if (dstLen > ipFamily.MaxPrefixLength()) ThrowHelper.ThrowRead($"{(family == Interop.Libc.AF_INET ? "IPv4" : "IPv6")} route prefix length {dstLen}");
        return new RouteEntry(dst ?? IpAddress.Unspecified(ipFamily), dstLen, oif, gw, table, (RouteProtocol)protocol, (RouteScope)scope, (RouteType)type, prefsrc, metric, iif);
    }

    /// <summary>The fixed part of an ndmsg: family, ifindex, state, flags.</summary>
    public static (byte Family, int IfIndex, ushort State, byte Flags) NdmsgHeader(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfNdmsg, "ndmsg");
        return (h[0], BinaryPrimitives.ReadInt32LittleEndian(h[4..]), BinaryPrimitives.ReadUInt16LittleEndian(h[8..]), h[10]);
    }

    /// <summary>An IPv4 or IPv6 neighbour, or null for another family or a proxy entry.</summary>
    public static NeighborEntry? DecodeNeighbor(ReadOnlySpan<byte> payload)
    {
        var (family, index, state, flags) = NdmsgHeader(payload);
        IpAddress? dst = null;
        MacAddress? mac = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfNdmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            if (!IsInet(family)) continue;
            if (type == Native.NDA_DST) dst = Decode.IP(family, value);
            else if (type == Native.NDA_LLADDR) mac = Decode.Mac(value);
        }
        if (!IsInet(family) || dst is not { } address || (flags & Native.NTF_PROXY) != 0) return null;
        return new NeighborEntry(index, address, mac, (NeighborState)state, (NeighborFlags)flags);
    }

    public static ProxyNeighborEntry? DecodeProxyNeighbor(ReadOnlySpan<byte> payload)
    {
        var (family, index, _, flags) = NdmsgHeader(payload);
        IpAddress? dst = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfNdmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            if (IsInet(family) && type == Native.NDA_DST) dst = Decode.IP(family, value);
        }
        if (!IsInet(family) || dst is not { } address || (flags & Native.NTF_PROXY) == 0) return null;
        return new ProxyNeighborEntry(index, address);
    }

    private static bool IsInet(byte family) => family is Interop.Libc.AF_INET or (byte)Native.AF_INET6;

    public static FdbEntry? DecodeFdb(ReadOnlySpan<byte> payload)
    {
        var (family, index, state, _) = NdmsgHeader(payload);
        MacAddress? mac = null;
        int? master = null;
        ushort? vlan = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfNdmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.NDA_LLADDR: mac = Decode.Mac(value); break;
                case Native.NDA_MASTER: master = Decode.S32(value); break;
                case Native.NDA_VLAN: vlan = Decode.U16(value); break;
            }
        }
        if (family != Interop.Libc.AF_BRIDGE || mac is not { } found) return null;
        return new FdbEntry(index, found, master, (NeighborState)state, vlan);
    }

    /// <summary>
    /// An NLMSG_ERROR payload: struct nlmsgerr { int error; struct nlmsghdr msg; } then, unless
    /// NLM_F_CAPPED, the rest of the request, then with NLM_F_ACK_TLVS the extended-ack attributes.
    /// Returns the positive errno (0 for an ACK) and the NLMSGERR_ATTR_MSG text.
    /// </summary>
    public static (int Errno, string? ExtAck) DecodeError(ReadOnlySpan<byte> payload, ushort flags)
    {
        var h = Decode.Header(payload, 4 + Native.NLMSG_HDRLEN, "nlmsgerr");
        int error = BinaryPrimitives.ReadInt32LittleEndian(h);
        string? extAck = null;
        if ((flags & Native.NLM_F_ACK_TLVS) != 0)
        {
            int offset = 4 + Native.NLMSG_HDRLEN;
            if ((flags & Native.NLM_F_CAPPED) == 0)
            {
                uint origLen = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
                if (origLen < Native.NLMSG_HDRLEN || origLen > (uint)(payload.Length - 4))
                    ThrowHelper.ThrowRead($"nlmsgerr echoes a request of {origLen} bytes");
                offset = 4 + Native.Align((int)origLen);
            }
            var attrs = new AttributeReader(offset >= payload.Length ? default : payload[offset..]);
            while (attrs.TryRead(out ushort type, out var value))
            {
                if (type == Native.NLMSGERR_ATTR_MSG) extAck = Decode.String(value);
            }
        }
        if (error > 0) ThrowHelper.ThrowRead($"nlmsgerr error {error} is positive");
        return (-error, extAck);
    }

    /// <summary>Decodes every message of a datagram by type; the fuzz tests' single entry point.</summary>
    public static int DecodeAll(ReadOnlySpan<byte> datagram)
    {
        int count = 0;
        var reader = new NetlinkReader(datagram);
        while (reader.TryRead(out var m))
        {
            count++;
            switch (m.Type)
            {
                case Native.NLMSG_ERROR: DecodeError(m.Payload, m.Flags); break;
                case Native.RTM_NEWLINK or Native.RTM_DELLINK: DecodeLink(m.Payload); break;
                case Native.RTM_NEWADDR or Native.RTM_DELADDR: DecodeAddress(m.Payload); break;
                case Native.RTM_NEWROUTE or Native.RTM_DELROUTE: DecodeRoute(m.Payload); break;
                case Native.RTM_NEWNEIGH or Native.RTM_DELNEIGH:
                    DecodeNeighbor(m.Payload);
                    DecodeProxyNeighbor(m.Payload);
                    DecodeFdb(m.Payload);
                    break;
            }
        }
        return count;
    }
}

using System.Buffers.Binary;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// Puts a recorded address on an interface (<paramref name="IfIndex"/>), every attribute as
/// recorded; a label naming the old interface (<c>eth0</c>, <c>eth0:1</c>) names the new one.
/// Replaces an address already there. An IPv6 address skips duplicate address detection: it
/// was the server's before it moved, and a tentative address could not be used for a second.
/// </summary>
public sealed record PutAddress(AddressRecord Address, int IfIndex, string DevName, string? FromName = null) : RtnlRequest
{
    public override string Describe() => $"replace address {Address} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        var m = Address.Message;
        uint flags = Address.Flags & (Native.IFA_F_NOPREFIXROUTE | Native.IFA_F_MCAUTOJOIN | Native.IFA_F_HOMEADDRESS | Native.IFA_F_MANAGETEMPADDR);
        if (Address.Family == Native.AF_INET6) flags |= Native.IFA_F_NODAD;
        int msg = w.BeginMessage(Native.RTM_NEWADDR, NewFlags(replace: true), seq);
        w.WriteIfaddrmsg(m[0], m[1], (byte)flags, m[3], IfIndex);
        var attrs = new AttributeReader(Decode.AfterHeader(m, Native.SizeOfIfaddrmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.IFA_FLAGS:
                    continue;
                case Native.IFA_LABEL:
                    var label = Decode.String(value);
                    if (FromName is not null && (label == FromName || label.StartsWith(FromName + ":", StringComparison.Ordinal)))
                        label = DevName + label[FromName.Length..];
                    if (label.Length <= 15 && label.StartsWith(DevName, StringComparison.Ordinal)) w.WriteAttributeString(Native.IFA_LABEL, label);
                    continue;
                default:
                    w.WriteAttribute(type, value);
                    continue;
            }
        }
        w.WriteAttributeU32(Native.IFA_FLAGS, flags);
        w.EndMessage(msg);
    }
}

/// <summary>Takes a recorded address off an interface.</summary>
public sealed record TakeAddress(AddressRecord Address, int IfIndex, string DevName) : RtnlRequest
{
    public override string Describe() => $"delete address {Address} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        var m = Address.Message;
        int msg = w.BeginMessage(Native.RTM_DELADDR, ChangeFlags, seq);
        w.WriteIfaddrmsg(m[0], m[1], 0, 0, IfIndex);
        var attrs = new AttributeReader(Decode.AfterHeader(m, Native.SizeOfIfaddrmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            if (type is Native.IFA_LOCAL or Native.IFA_ADDRESS) w.WriteAttribute(type, value);
        }
        w.EndMessage(msg);
    }
}

/// <summary>
/// Puts a recorded route back, every attribute as recorded, with the interfaces in
/// <paramref name="IfIndexMap"/> (recorded index → index now) swapped in its RTA_OIF and in each
/// nexthop of a multipath route: <c>ip route replace</c>, so a route of the same key (table,
/// destination, metric) on the old interface is taken over rather than doubled.
/// </summary>
public sealed record PutRoute(RouteRecord Route, IReadOnlyDictionary<int, int> IfIndexMap, string DevName) : RtnlRequest
{
    public override string Describe() => $"replace route {Route} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        var m = Route.Message;
        int Map(int i) => IfIndexMap.TryGetValue(i, out var to) ? to : i;
        int msg = w.BeginMessage(Native.RTM_NEWROUTE, NewFlags(replace: true), seq);
        // rtm_flags as reported carry state (RTNH_F_LINKDOWN, RTM_F_*) that the kernel refuses on input: only onlink is a setting.
        Span<byte> header = stackalloc byte[Native.SizeOfRtmsg];
        m.AsSpan(0, Native.SizeOfRtmsg).CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) & Native.RTNH_F_ONLINK);
        w.WriteRaw(header);
        var attrs = new AttributeReader(Decode.AfterHeader(m, Native.SizeOfRtmsg));
        Span<byte> hop = stackalloc byte[Native.SizeOfRtnexthop];
        while (attrs.TryRead(out ushort type, out var value))
        {
            // A route through a nexthop object is dumped with the hop spelled out as well; on input the two exclude each other.
            if (Route.NexthopId is not null && type is Native.RTA_OIF or Native.RTA_GATEWAY or Native.RTA_MULTIPATH or Native.RTA_VIA or Native.RTA_ENCAP_TYPE or Native.RTA_ENCAP or Native.RTA_FLOW)
                continue;
            switch (type)
            {
                case Native.RTA_CACHEINFO:
                    continue;
                case Native.RTA_OIF:
                    w.WriteAttributeU32(Native.RTA_OIF, (uint)Map(Decode.S32(value)));
                    continue;
                case Native.RTA_MULTIPATH:
                    int nest = w.BeginNested(Native.RTA_MULTIPATH);
                    var rest = value;
                    while (rest.Length >= Native.SizeOfRtnexthop)
                    {
                        int len = BinaryPrimitives.ReadUInt16LittleEndian(rest);
                        if (len < Native.SizeOfRtnexthop || len > rest.Length) ThrowHelper.ThrowRead($"rtnexthop length {len}");
                        rest[..Native.SizeOfRtnexthop].CopyTo(hop);
                        hop[2] = (byte)(hop[2] & Native.RTNH_F_ONLINK);
                        BinaryPrimitives.WriteInt32LittleEndian(hop[4..], Map(BinaryPrimitives.ReadInt32LittleEndian(rest[4..])));
                        w.WriteRaw(hop);
                        w.WriteRaw(rest[Native.SizeOfRtnexthop..len]);
                        rest = rest[Math.Min(Native.Align(len), rest.Length)..];
                    }
                    w.EndNested(nest);
                    continue;
                default:
                    w.WriteAttribute(type, value);
                    continue;
            }
        }
        w.EndMessage(msg);
    }
}

/// <summary>Puts a recorded nexthop object back with its interface swapped (<c>ip nexthop replace id N … dev NEW</c>); the routes that use it follow.</summary>
public sealed record PutNexthop(NexthopRecord Nexthop, int IfIndex, string DevName) : RtnlRequest
{
    public override string Describe() => Nexthop.IsGroup ? $"replace {Nexthop}" : $"replace {Nexthop} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        var m = Nexthop.Message;
        int msg = w.BeginMessage(Native.RTM_NEWNEXTHOP, NewFlags(replace: true), seq);
        Span<byte> header = stackalloc byte[Native.SizeOfNhmsg];
        m.AsSpan(0, Native.SizeOfNhmsg).CopyTo(header);
        // The dump reports the scope the kernel gave it; on input scope and the reserved byte must be 0.
        header[1] = 0;
        header[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) & Native.RTNH_F_ONLINK);
        w.WriteRaw(header);
        var attrs = new AttributeReader(Decode.AfterHeader(m, Native.SizeOfNhmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            if (type == Native.NHA_OIF) w.WriteAttributeU32(Native.NHA_OIF, (uint)IfIndex);
            else if (type is Native.NHA_ID or Native.NHA_GATEWAY or Native.NHA_BLACKHOLE or Native.NHA_ENCAP_TYPE or Native.NHA_ENCAP
                or Native.NHA_GROUP or Native.NHA_GROUP_TYPE or Native.NHA_FDB) w.WriteAttribute(type, value);
        }
        w.EndMessage(msg);
    }
}

/// <summary>
/// Adds a recorded rule, every attribute as recorded, with <paramref name="FromName"/> replaced by
/// <paramref name="DevName"/> where it is the rule's iif or oif (<c>ip rule add … iif DEV</c>). The same
/// rule there already is refused (EEXIST) rather than doubled.
/// </summary>
public sealed record PutRule(RuleRecord Rule, string FromName, string DevName) : RtnlRequest
{
    public override string Describe() => $"add rule {Rule.Show(FromName, DevName)}";

    internal override void Encode(ref NetlinkWriter w, uint seq) =>
        RuleRequest.Encode(ref w, Rule, FromName, DevName, Native.RTM_NEWRULE, NewFlags(replace: false), seq);
}

/// <summary>Deletes a recorded rule, with <paramref name="FromName"/> replaced by <paramref name="DevName"/> where it is the rule's iif or oif.</summary>
public sealed record TakeRule(RuleRecord Rule, string FromName, string DevName) : RtnlRequest
{
    public override string Describe() => $"delete rule {Rule.Show(FromName, DevName)}";

    internal override void Encode(ref NetlinkWriter w, uint seq) =>
        RuleRequest.Encode(ref w, Rule, FromName, DevName, Native.RTM_DELRULE, ChangeFlags, seq);
}

internal static class RuleRequest
{
    public static void Encode(ref NetlinkWriter w, RuleRecord rule, string fromName, string devName, ushort type, ushort flags, uint seq)
    {
        var m = rule.Message;
        int msg = w.BeginMessage(type, flags, seq);
        Span<byte> header = stackalloc byte[Native.SizeOfRtmsg];
        m.AsSpan(0, Native.SizeOfRtmsg).CopyTo(header);
        // The reported flags carry the kernel's state of the rule (a detached iif or oif, an unresolved goto): not settings.
        uint state = Native.FIB_RULE_UNRESOLVED | Native.FIB_RULE_IIF_DETACHED | Native.FIB_RULE_OIF_DETACHED;
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) & ~state);
        w.WriteRaw(header);
        var attrs = new AttributeReader(Decode.AfterHeader(m, Native.SizeOfRtmsg));
        while (attrs.TryRead(out ushort t, out var value))
        {
            if (t is Native.FRA_IIFNAME or Native.FRA_OIFNAME)
            {
                var name = Decode.String(value);
                w.WriteAttributeString(t, name == fromName ? devName : name);
            }
            else
            {
                w.WriteAttribute(t, value);
            }
        }
        w.EndMessage(msg);
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// An address of the server's own network as the kernel reported it (RTM_NEWADDR), kept whole:
/// every attribute (flags, lifetimes, label, broadcast, peer) travels with it when it is put on
/// another interface or back where it was. Both families.
/// </summary>
public sealed record AddressRecord
{
    private AddressRecord(byte[] message) => Message = message;

    /// <summary>The payload after the nlmsghdr: ifaddrmsg and its attributes.</summary>
    public byte[] Message { get; }

    public byte Family => Message[0];

    public int PrefixLength => Message[1];

    public RouteScope Scope => (RouteScope)Message[3];

    public int IfIndex => BinaryPrimitives.ReadInt32LittleEndian(Message.AsSpan(4));

    /// <summary>The local address (IFA_LOCAL, else IFA_ADDRESS).</summary>
    public IpAddress Address { get; private init; }

    /// <summary>IFA_FLAGS (or the header's 8 bits).</summary>
    public uint Flags { get; private init; }

    public string? Label { get; private init; }

    /// <summary>An IPv6 address the kernel makes by itself on every interface (fe80::/10), or a temporary (privacy) one it renews.</summary>
    public bool IsKernelMade =>
        Family == Native.AF_INET6 && (Address.IsLinkLocal || (Flags & Native.IFA_F_TEMPORARY) != 0);

    /// <summary>Decodes an RTM_NEWADDR payload; throws the codec's read exception when malformed.</summary>
    public static AddressRecord Parse(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfIfaddrmsg, "ifaddrmsg");
        IpAddress? local = null, address = null;
        uint flags = h[2];
        string? label = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfIfaddrmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.IFA_LOCAL: local = Decode.IP(value); break;
                case Native.IFA_ADDRESS: address = Decode.IP(value); break;
                case Native.IFA_FLAGS: flags = Decode.U32(value); break;
                case Native.IFA_LABEL: label = Decode.String(value); break;
            }
        }
        var a = local ?? address ?? ThrowHelper.ThrowRead<IpAddress>("address without IFA_LOCAL or IFA_ADDRESS");
        return new AddressRecord(payload.ToArray()) { Address = a, Flags = flags, Label = label };
    }

    /// <summary>"192.168.200.1/24", "2001:db8:200::1/64".</summary>
    public override string ToString() => $"{Address}/{Format.Num(PrefixLength)}";

    public bool Equals(AddressRecord? other) => other is not null && Message.AsSpan().SequenceEqual(other.Message);

    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength, IfIndex);

    /// <summary>The whole record as hex, for a journal; <see cref="FromHex"/> reads it back.</summary>
    public string ToHex() => Convert.ToHexString(Message);

    public static AddressRecord FromHex(string hex) => Parse(Convert.FromHexString(hex));
}

/// <summary>
/// A route as the kernel reported it (RTM_NEWROUTE), kept whole: table, protocol, scope, type,
/// metric, preferred source, on-link and every nexthop of a multipath route, metrics, preference,
/// expiry. Both families.
/// </summary>
public sealed record RouteRecord
{
    private RouteRecord(byte[] message) => Message = message;

    /// <summary>The payload after the nlmsghdr: rtmsg and its attributes.</summary>
    public byte[] Message { get; }

    public byte Family => Message[0];

    public int PrefixLength => Message[1];

    public RouteProtocol Protocol => (RouteProtocol)Message[5];

    public RouteScope Scope => (RouteScope)Message[6];

    public RouteType Type => (RouteType)Message[7];

    public uint Table { get; private init; }

    public IpAddress? Destination { get; private init; }

    public IpAddress? Gateway { get; private init; }

    public uint? Metric { get; private init; }

    public bool OnLink { get; private init; }

    /// <summary>Every interface the route leaves by (RTA_OIF, or each nexthop of RTA_MULTIPATH).</summary>
    public IReadOnlyList<int> OutIfIndexes { get; private init; } = [];

    public bool Multipath { get; private init; }

    /// <summary>RTA_NH_ID: the route uses a nexthop object (which is what moves, not the route).</summary>
    public uint? NexthopId { get; private init; }

    /// <summary>A clone in the route cache, not a route anyone made.</summary>
    public bool Cloned { get; private init; }

    public static RouteRecord Parse(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfRtmsg, "rtmsg");
        uint table = h[4];
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        IpAddress? dst = null, gw = null;
        uint? metric = null, nhId = null;
        bool onlink = (flags & Native.RTNH_F_ONLINK) != 0, multipath = false;
        var oifs = new List<int>();
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfRtmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.RTA_DST: dst = Decode.IP(value); break;
                case Native.RTA_GATEWAY: gw = Decode.IP(value); break;
                case Native.RTA_OIF: oifs.Add(Decode.S32(value)); break;
                case Native.RTA_PRIORITY: metric = Decode.U32(value); break;
                case Native.RTA_TABLE: table = Decode.U32(value); break;
                case Native.RTA_NH_ID: nhId = Decode.U32(value); break;
                case Native.RTA_MULTIPATH:
                    multipath = true;
                    var rest = value;
                    while (rest.Length >= Native.SizeOfRtnexthop)
                    {
                        int len = BinaryPrimitives.ReadUInt16LittleEndian(rest);
                        if (len < Native.SizeOfRtnexthop || len > rest.Length) ThrowHelper.ThrowRead($"rtnexthop length {len}");
                        if ((rest[2] & Native.RTNH_F_ONLINK) != 0) onlink = true;
                        oifs.Add(BinaryPrimitives.ReadInt32LittleEndian(rest[4..]));
                        rest = rest[Math.Min(Native.Align(len), rest.Length)..];
                    }
                    break;
            }
        }
        return new RouteRecord(payload.ToArray())
        {
            Table = table,
            Destination = dst,
            Gateway = gw,
            Metric = metric,
            OnLink = onlink,
            OutIfIndexes = oifs,
            Multipath = multipath,
            NexthopId = nhId,
            Cloned = (flags & Native.RTM_F_CLONED) != 0,
        };
    }

    public bool Uses(int ifIndex) => OutIfIndexes.Contains(ifIndex);

    /// <summary>"default via 192.168.200.10 onlink", "10.0.0.0/8 nexthops via …, table 100 metric 5": close to <c>ip route</c>.</summary>
    public override string ToString()
    {
        var s = new StringBuilder(PrefixLength == 0 ? "default" : $"{Destination}/{Format.Num(PrefixLength)}");
        if (Family == Native.AF_INET6 && PrefixLength == 0) s.Insert(0, "-6 ");
        if (NexthopId is { } nh) s.Append(" nhid ").Append(nh.ToString(CultureInfo.InvariantCulture));
        else if (Multipath) s.Append(" multipath");
        else if (Gateway is not null) s.Append(" via ").Append(Gateway);
        if (OnLink) s.Append(" onlink");
        if (Table != Native.RT_TABLE_MAIN) s.Append(" table ").Append(Format.Num(Table));
        if (Metric is { } m && m != 0 && !(Family == Native.AF_INET6 && m == 1024)) s.Append(" metric ").Append(Format.Num(m));
        return s.ToString();
    }

    public bool Equals(RouteRecord? other) => other is not null && Message.AsSpan().SequenceEqual(other.Message);

    public override int GetHashCode() => HashCode.Combine(Destination, PrefixLength, Table, Metric);

    public string ToHex() => Convert.ToHexString(Message);

    public static RouteRecord FromHex(string hex) => Parse(Convert.FromHexString(hex));
}

/// <summary>A nexthop object (RTM_NEWNEXTHOP, <c>ip nexthop</c>) that routes refer to by id; kept whole.</summary>
public sealed record NexthopRecord
{
    private NexthopRecord(byte[] message) => Message = message;

    public byte[] Message { get; }

    public byte Family => Message[0];

    public uint Id { get; private init; }

    public int? OutIfIndex { get; private init; }

    public IpAddress? Gateway { get; private init; }

    /// <summary>A group of other nexthops (which move on their own), not one hop.</summary>
    public bool IsGroup => GroupMembers.Count > 0;

    /// <summary>The ids of a group's members (NHA_GROUP); empty for one hop.</summary>
    public IReadOnlyList<uint> GroupMembers { get; private init; } = [];

    public static NexthopRecord Parse(ReadOnlySpan<byte> payload)
    {
        Decode.Header(payload, Native.SizeOfNhmsg, "nhmsg");
        uint id = 0;
        int? oif = null;
        IpAddress? gw = null;
        var members = new List<uint>();
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfNhmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.NHA_ID: id = Decode.U32(value); break;
                case Native.NHA_OIF: oif = Decode.S32(value); break;
                case Native.NHA_GATEWAY: gw = Decode.IP(value); break;
                case Native.NHA_GROUP:
                    // struct nexthop_grp { u32 id; u8 weight; u8 weight_high; u16 resvd2; }
                    for (int i = 0; i + 8 <= value.Length; i += 8) members.Add(BinaryPrimitives.ReadUInt32LittleEndian(value[i..]));
                    break;
            }
        }
        return new NexthopRecord(payload.ToArray()) { Id = id, OutIfIndex = oif, Gateway = gw, GroupMembers = members };
    }

    public override string ToString() =>
        "nexthop id " + Id.ToString(CultureInfo.InvariantCulture) + (Gateway is null ? "" : " via " + Gateway);

    public bool Equals(NexthopRecord? other) => other is not null && Message.AsSpan().SequenceEqual(other.Message);

    public override int GetHashCode() => HashCode.Combine(Id, OutIfIndex);

    public string ToHex() => Convert.ToHexString(Message);

    public static NexthopRecord FromHex(string hex) => Parse(Convert.FromHexString(hex));
}

/// <summary>
/// A policy-routing rule (RTM_NEWRULE, <c>ip rule</c>) as the kernel reported it, kept whole: every
/// selector (from, to, iif, oif, fwmark, …), its action and table, its priority and protocol. Both families.
/// </summary>
public sealed record RuleRecord
{
    private RuleRecord(byte[] message) => Message = message;

    /// <summary>The payload after the nlmsghdr: fib_rule_hdr and its attributes.</summary>
    public byte[] Message { get; }

    public byte Family => Message[0];

    /// <summary>fib_rule_hdr.action: FR_ACT_TO_TBL (lookup), goto, blackhole, …</summary>
    public byte Action => Message[7];

    public uint Table { get; private init; }

    public uint Priority { get; private init; }

    public RouteProtocol Protocol { get; private init; }

    /// <summary>FRA_IIFNAME: the rule matches what arrives on this interface.</summary>
    public string? InName { get; private init; }

    /// <summary>FRA_OIFNAME: the rule matches what leaves by this interface.</summary>
    public string? OutName { get; private init; }

    public IpAddress? Source { get; private init; }

    public IpAddress? Destination { get; private init; }

    /// <summary>Whether the rule names <paramref name="dev"/> as its iif or its oif.</summary>
    public bool Names(string dev) => InName == dev || OutName == dev;

    public static RuleRecord Parse(ReadOnlySpan<byte> payload)
    {
        var h = Decode.Header(payload, Native.SizeOfRtmsg, "fib_rule_hdr");
        uint table = h[4], priority = 0;
        byte protocol = 0;
        string? iif = null, oif = null;
        IpAddress? src = null, dst = null;
        var attrs = new AttributeReader(Decode.AfterHeader(payload, Native.SizeOfRtmsg));
        while (attrs.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Native.FRA_TABLE: table = Decode.U32(value); break;
                case Native.FRA_PRIORITY: priority = Decode.U32(value); break;
                case Native.FRA_PROTOCOL when value.Length >= 1: protocol = value[0]; break;
                case Native.FRA_IIFNAME: iif = Decode.String(value); break;
                case Native.FRA_OIFNAME: oif = Decode.String(value); break;
                case Native.FRA_SRC: src = Decode.IP(value); break;
                case Native.FRA_DST: dst = Decode.IP(value); break;
            }
        }
        return new RuleRecord(payload.ToArray())
        {
            Table = table,
            Priority = priority,
            Protocol = (RouteProtocol)protocol,
            InName = iif,
            OutName = oif,
            Source = src,
            Destination = dst,
        };
    }

    /// <summary>"iif eth0 lookup 100 priority 1000", "-6 from 2001:db8::/64 oif eth0 lookup 200 priority 1001": close to <c>ip rule add</c>.</summary>
    public override string ToString() => Show(null, null);

    /// <summary>As <see cref="ToString"/>, with <paramref name="fromName"/> shown as <paramref name="devName"/> where the rule names it.</summary>
    internal string Show(string? fromName, string? devName)
    {
        string Dev(string name) => name == fromName ? devName! : name;
        var s = new StringBuilder(Family == Native.AF_INET6 ? "-6 " : "");
        if (Source is not null) s.Append("from ").Append(Source).Append('/').Append(Format.Num(Message[2])).Append(' ');
        if (Destination is not null) s.Append("to ").Append(Destination).Append('/').Append(Format.Num(Message[1])).Append(' ');
        if (InName is not null) s.Append("iif ").Append(Dev(InName)).Append(' ');
        if (OutName is not null) s.Append("oif ").Append(Dev(OutName)).Append(' ');
        s.Append(Action switch
        {
            Native.FR_ACT_TO_TBL => "lookup " + Format.Num(Table),
            Native.FR_ACT_GOTO => "goto",
            Native.FR_ACT_NOP => "nop",
            Native.FR_ACT_BLACKHOLE => "blackhole",
            Native.FR_ACT_UNREACHABLE => "unreachable",
            Native.FR_ACT_PROHIBIT => "prohibit",
            _ => "action " + Format.Num(Action),
        });
        s.Append(" priority ").Append(Format.Num(Priority));
        return s.ToString();
    }

    public bool Equals(RuleRecord? other) => other is not null && Message.AsSpan().SequenceEqual(other.Message);

    public override int GetHashCode() => HashCode.Combine(Priority, Table, InName, OutName);

    public string ToHex() => Convert.ToHexString(Message);

    public static RuleRecord FromHex(string hex) => Parse(Convert.FromHexString(hex));
}

using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// A policy-routing rule (of the source's family) <c>from SOURCE/PREFIX lookup TABLE priority PRIORITY proto PROTOCOL</c>
/// (<c>ip rule</c>): traffic from an address uses its own table.
/// </summary>
public sealed record RuleSpec(IpAddress Source, int SourcePrefix, uint Table, uint Priority, RouteProtocol Protocol = RouteProtocol.Boot)
{
    public override string ToString() =>
        $"from {Source}/{Format.Num(SourcePrefix)} lookup {Format.Num(Table)} priority {Format.Num(Priority)} proto {Format.Num((byte)Protocol)}";

    internal void Encode(ref NetlinkWriter w, ushort type, ushort flags, uint seq)
    {
        byte prefix = RtnlRequest.Prefix(Source, SourcePrefix, nameof(SourcePrefix));
        int msg = w.BeginMessage(type, flags, seq);
        byte table = Table < 256 ? (byte)Table : (byte)Native.RT_TABLE_UNSPEC;
        // fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action (laid out as rtmsg).
        w.WriteRtmsg(RtnlRequest.Family(Source), 0, prefix, table, 0, 0, Native.FR_ACT_TO_TBL);
        if (prefix > 0) w.WriteAttributeAddress(Native.FRA_SRC, Source);
        w.WriteAttributeU32(Native.FRA_TABLE, Table);
        w.WriteAttributeU32(Native.FRA_PRIORITY, Priority);
        w.WriteAttributeU8(Native.FRA_PROTOCOL, (byte)Protocol);
        w.EndMessage(msg);
    }
}

public sealed record AddRule(RuleSpec Rule) : RtnlRequest
{
    public override string Describe() => $"add rule {Rule}";

    internal override void Encode(ref NetlinkWriter w, uint seq) => Rule.Encode(ref w, Native.RTM_NEWRULE, NewFlags(replace: false), seq);
}

public sealed record DeleteRule(RuleSpec Rule) : RtnlRequest
{
    public override string Describe() => $"delete rule {Rule}";

    internal override void Encode(ref NetlinkWriter w, uint seq) => Rule.Encode(ref w, Native.RTM_DELRULE, ChangeFlags, seq);
}

/// <summary>An IPv4 rule as the kernel dumps it; <see cref="Source"/> null for <c>from all</c>.</summary>
public sealed record RuleEntry(IpAddress? Source, int SourcePrefix, uint Table, uint Priority, RouteProtocol Protocol, byte Action);

internal static class RuleCodec
{
    public static RuleEntry? Decode(ReadOnlySpan<byte> payload)
    {
        var h = Wire.Decode.Header(payload, Native.SizeOfRtmsg, "fib_rule_hdr");
        byte family = h[0], srcLen = h[2], table8 = h[4], action = h[7];
        if (family != Interop.Libc.AF_INET) return null;
        if (srcLen > 32) ThrowHelper.ThrowRead($"IPv4 rule source prefix length {srcLen}");
        IpAddress? src = null;
        uint table = table8, priority = 0;
        byte protocol = 0;
        var attrs = new AttributeReader(Wire.Decode.AfterHeader(payload, Native.SizeOfRtmsg));
        while (attrs.TryRead(out ushort t, out var value))
        {
            switch (t)
            {
                case Native.FRA_SRC: src = Wire.Decode.IPv4(value); break;
                case Native.FRA_TABLE: table = Wire.Decode.U32(value); break;
                case Native.FRA_PRIORITY: priority = Wire.Decode.U32(value); break;
                case Native.FRA_PROTOCOL when value.Length >= 1: protocol = value[0]; break;
            }
        }
        return new RuleEntry(src, srcLen, table, priority, (RouteProtocol)protocol, action);
    }
}

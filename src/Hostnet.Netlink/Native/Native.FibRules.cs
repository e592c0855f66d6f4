namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/rtnetlink.h
    internal const ushort RTM_NEWRULE = 32;
    internal const ushort RTM_DELRULE = 33;
    internal const ushort RTM_GETRULE = 34;

    // linux/fib_rules.h: struct fib_rule_hdr has rtmsg's size and layout
    // (family, dst_len, src_len, tos, table, res1, res2, action, flags).
    internal const ushort FRA_DST = 1;
    internal const ushort FRA_SRC = 2;
    internal const ushort FRA_IIFNAME = 3;
    internal const ushort FRA_PRIORITY = 6;
    internal const ushort FRA_TABLE = 15;
    internal const ushort FRA_OIFNAME = 17;
    internal const ushort FRA_PROTOCOL = 21;
    internal const byte FR_ACT_TO_TBL = 1;
    internal const byte FR_ACT_GOTO = 2;
    internal const byte FR_ACT_NOP = 3;
    internal const byte FR_ACT_BLACKHOLE = 6;
    internal const byte FR_ACT_UNREACHABLE = 7;
    internal const byte FR_ACT_PROHIBIT = 8;

    // fib_rule_hdr.flags that report the kernel's state of a rule, not a setting: a goto whose target
    // is missing, an iif or oif that names no interface now.
    internal const uint FIB_RULE_UNRESOLVED = 0x4;
    internal const uint FIB_RULE_IIF_DETACHED = 0x8;
    internal const uint FIB_RULE_OIF_DETACHED = 0x10;
}

namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/rtnetlink.h
    internal const ushort RTM_NEWRULE = 32;
    internal const ushort RTM_DELRULE = 33;
    internal const ushort RTM_GETRULE = 34;

    // linux/fib_rules.h: struct fib_rule_hdr has rtmsg's size and layout
    // (family, dst_len, src_len, tos, table, res1, res2, action, flags).
    internal const ushort FRA_SRC = 2;
    internal const ushort FRA_PRIORITY = 6;
    internal const ushort FRA_TABLE = 15;
    internal const ushort FRA_PROTOCOL = 21;
    internal const byte FR_ACT_TO_TBL = 1;
}

namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/rtnetlink.h
    internal const ushort RTM_NEWLINK = 16;
    internal const ushort RTM_DELLINK = 17;
    internal const ushort RTM_GETLINK = 18;
    internal const ushort RTM_SETLINK = 19;
    internal const ushort RTM_NEWADDR = 20;
    internal const ushort RTM_DELADDR = 21;
    internal const ushort RTM_GETADDR = 22;
    internal const ushort RTM_NEWROUTE = 24;
    internal const ushort RTM_DELROUTE = 25;
    internal const ushort RTM_GETROUTE = 26;
    internal const ushort RTM_NEWNEIGH = 28;
    internal const ushort RTM_DELNEIGH = 29;
    internal const ushort RTM_GETNEIGH = 30;

    // enum rtattr_type_t
    internal const ushort RTA_DST = 1;
    internal const ushort RTA_SRC = 2;
    internal const ushort RTA_IIF = 3;
    internal const ushort RTA_OIF = 4;
    internal const ushort RTA_GATEWAY = 5;
    internal const ushort RTA_PRIORITY = 6;
    internal const ushort RTA_PREFSRC = 7;
    internal const ushort RTA_TABLE = 15;

    // rtm_type
    internal const byte RTN_UNSPEC = 0;
    internal const byte RTN_UNICAST = 1;
    internal const byte RTN_LOCAL = 2;
    internal const byte RTN_BROADCAST = 3;
    internal const byte RTN_ANYCAST = 4;
    internal const byte RTN_MULTICAST = 5;
    internal const byte RTN_BLACKHOLE = 6;
    internal const byte RTN_UNREACHABLE = 7;
    internal const byte RTN_PROHIBIT = 8;
    internal const byte RTN_THROW = 9;
    internal const byte RTN_NAT = 10;

    // rtm_protocol
    internal const byte RTPROT_UNSPEC = 0;
    internal const byte RTPROT_REDIRECT = 1;
    internal const byte RTPROT_KERNEL = 2;
    internal const byte RTPROT_BOOT = 3;
    internal const byte RTPROT_STATIC = 4;
    internal const byte RTPROT_RA = 9;
    internal const byte RTPROT_DHCP = 16;
    internal const byte RTPROT_KEEPALIVED = 18;
    internal const byte RTPROT_BABEL = 42;
    internal const byte RTPROT_BGP = 186;
    internal const byte RTPROT_ISIS = 187;
    internal const byte RTPROT_OSPF = 188;
    internal const byte RTPROT_RIP = 189;
    internal const byte RTPROT_EIGRP = 192;

    // rtm_scope
    internal const byte RT_SCOPE_UNIVERSE = 0;
    internal const byte RT_SCOPE_SITE = 200;
    internal const byte RT_SCOPE_LINK = 253;
    internal const byte RT_SCOPE_HOST = 254;
    internal const byte RT_SCOPE_NOWHERE = 255;

    // enum rt_class_t
    internal const uint RT_TABLE_UNSPEC = 0;
    internal const uint RT_TABLE_COMPAT = 252;
    internal const uint RT_TABLE_DEFAULT = 253;
    internal const uint RT_TABLE_MAIN = 254;
    internal const uint RT_TABLE_LOCAL = 255;

    // rtm_flags
    internal const uint RTM_F_CLONED = 0x200;
    internal const uint RTM_F_LOOKUP_TABLE = 0x1000;

    // RTMGRP_* (legacy bind(2) group bitmask)
    internal const uint RTMGRP_LINK = 0x1;
    internal const uint RTMGRP_NEIGH = 0x4;
    internal const uint RTMGRP_IPV4_IFADDR = 0x10;
    internal const uint RTMGRP_IPV4_ROUTE = 0x40;
    internal const uint RTMGRP_IPV6_IFADDR = 0x100;
    internal const uint RTMGRP_IPV6_ROUTE = 0x400;

    // struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }
    internal const int SizeOfIfinfomsg = 16;
    // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
    internal const int SizeOfRtmsg = 12;
    // struct ndmsg { u8 family; u8 pad1; u16 pad2; s32 ifindex; u16 state; u8 flags; u8 type; }
    internal const int SizeOfNdmsg = 12;
}

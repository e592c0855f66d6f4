namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/rtnetlink.h
    internal const ushort RTM_NEWNEXTHOP = 104;
    internal const ushort RTM_DELNEXTHOP = 105;
    internal const ushort RTM_GETNEXTHOP = 106;

    internal const ushort RTA_MULTIPATH = 9;
    internal const ushort RTA_CACHEINFO = 12;
    internal const ushort RTA_NH_ID = 30;
    internal const ushort RTA_FLOW = 11;
    internal const ushort RTA_VIA = 18;
    internal const ushort RTA_ENCAP_TYPE = 21;
    internal const ushort RTA_ENCAP = 22;

    // struct rtnexthop { u16 rtnh_len; u8 rtnh_flags; u8 rtnh_hops; s32 rtnh_ifindex; }
    internal const int SizeOfRtnexthop = 8;

    internal const uint RTNH_F_DEAD = 1;
    internal const uint RTNH_F_ONLINK = 4;
    internal const uint RTNH_F_LINKDOWN = 16;

    // linux/if_addr.h
    internal const ushort IFA_CACHEINFO = 6;
    internal const uint IFA_F_TEMPORARY = 0x01;
    internal const uint IFA_F_NODAD = 0x02;
    internal const uint IFA_F_HOMEADDRESS = 0x10;
    internal const uint IFA_F_MANAGETEMPADDR = 0x100;
    internal const uint IFA_F_NOPREFIXROUTE = 0x200;
    internal const uint IFA_F_MCAUTOJOIN = 0x400;

    // linux/nexthop.h: struct nhmsg { u8 nh_family; u8 nh_scope; u8 nh_protocol; u8 resvd; u32 nh_flags; }
    internal const int SizeOfNhmsg = 8;
    internal const ushort NHA_ID = 1;
    internal const ushort NHA_GROUP = 2;
    internal const ushort NHA_BLACKHOLE = 4;
    internal const ushort NHA_OIF = 5;
    internal const ushort NHA_GATEWAY = 6;
    internal const ushort NHA_ENCAP_TYPE = 7;
    internal const ushort NHA_ENCAP = 8;
    internal const ushort NHA_GROUP_TYPE = 3;
    internal const ushort NHA_FDB = 11;
}

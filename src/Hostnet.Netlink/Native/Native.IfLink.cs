namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/if_link.h
    internal const ushort IFLA_ADDRESS = 1;
    internal const ushort IFLA_BROADCAST = 2;
    internal const ushort IFLA_IFNAME = 3;
    internal const ushort IFLA_MTU = 4;
    internal const ushort IFLA_LINK = 5;
    internal const ushort IFLA_MASTER = 10;
    internal const ushort IFLA_OPERSTATE = 16;
    internal const ushort IFLA_LINKINFO = 18;
    internal const ushort IFLA_IFALIAS = 20;
    internal const ushort IFLA_AF_SPEC = 26;
    internal const ushort IFLA_EXT_MASK = 29;
    internal const ushort IFLA_NET_NS_FD = 28;
    internal const ushort IFLA_LINK_NETNSID = 37;

    internal const ushort IFLA_INFO_KIND = 1;
    internal const ushort IFLA_INFO_DATA = 2;

    internal const ushort IFLA_BR_FORWARD_DELAY = 1;
    internal const ushort IFLA_BR_STP_STATE = 5;

    internal const ushort IFLA_VLAN_ID = 1;

    // linux/if_link.h: inside IFLA_AF_SPEC, one nest per address family
    internal const ushort IFLA_INET_CONF = 1;
    internal const ushort IFLA_INET6_CONF = 2;
    internal const ushort AF_INET6 = 10;

    // linux/veth.h
    internal const ushort VETH_INFO_PEER = 1;

    // linux/if.h: enum net_device_flags
    internal const uint IFF_UP = 0x1;
    internal const uint IFF_RUNNING = 0x40;
    internal const uint IFF_LOWER_UP = 0x10000;

    // linux/if.h: RFC 2863 operstate
    internal const byte IF_OPER_UP = 6;

    // linux/rtnetlink.h: RTEXT_FILTER_*
    internal const uint RTEXT_FILTER_VF = 1;
    internal const uint RTEXT_FILTER_SKIP_STATS = 1 << 3;
}

namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/if_ether.h
    internal const ushort ETH_P_ARP = 0x0806;
    internal const ushort ETH_P_IP = 0x0800;
    internal const ushort ETH_P_IPV6 = 0x86DD;

    // netinet/in.h
    internal const byte IPPROTO_ICMPV6 = 58;

    // netinet/icmp6.h
    internal const byte ND_NEIGHBOR_SOLICIT = 135;
    internal const byte ND_NEIGHBOR_ADVERT = 136;
    internal const byte ND_NA_FLAG_OVERRIDE = 0x20;
    internal const byte ND_OPT_TARGET_LINKADDR = 2;
    internal const int ETH_ALEN = 6;
    internal const int ETH_HLEN = 14;

    // linux/if_arp.h
    internal const ushort ARPHRD_ETHER = 1;
    internal const ushort ARPOP_REQUEST = 1;
    internal const ushort ARPOP_REPLY = 2;

    // linux/if_packet.h: struct sockaddr_ll { u16 family; be16 protocol; s32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
    internal const int SizeOfSockaddrLl = 20;

    // linux/icmp.h
    internal const byte ICMP_ECHOREPLY = 0;
    internal const byte ICMP_ECHO = 8;

    // linux/icmpv6.h
    internal const byte ICMPV6_ECHO_REQUEST = 128;
    internal const byte ICMPV6_ECHO_REPLY = 129;
}

namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/netlink.h
    internal const int NETLINK_NETFILTER = 12;

    // linux/netfilter/nfnetlink.h: enum nfnetlink_groups
    internal const uint NFNLGRP_NFTABLES = 7;

    // linux/netfilter/nfnetlink.h: the subsystem is the high byte of nlmsg_type, the message the low byte
    internal const int NFNL_SUBSYS_NFTABLES = 10;

    // struct nfgenmsg { __u8 nfgen_family; __u8 version; __be16 res_id; }
    internal const int SizeOfNfgenmsg = 4;

    // linux/netfilter/nf_tables.h: enum nf_tables_msg_types
    internal const int NFT_MSG_NEWTABLE = 0;
    internal const int NFT_MSG_DELTABLE = 2;
    internal const int NFT_MSG_NEWCHAIN = 3;
    internal const int NFT_MSG_DELCHAIN = 5;
    internal const int NFT_MSG_NEWRULE = 6;
    internal const int NFT_MSG_DELRULE = 8;
    internal const int NFT_MSG_NEWSET = 9;
    internal const int NFT_MSG_DELSET = 11;
    internal const int NFT_MSG_NEWSETELEM = 12;
    internal const int NFT_MSG_DELSETELEM = 14;
    internal const int NFT_MSG_NEWOBJ = 18;
    internal const int NFT_MSG_DELOBJ = 20;
    internal const int NFT_MSG_NEWFLOWTABLE = 22;
    internal const int NFT_MSG_DELFLOWTABLE = 24;

    // The first attribute of a table, chain, rule, set, set-element list, object and flowtable message
    // names the table (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
    // NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE are all 1).
    internal const ushort NFTA_TABLE_NAME = 1;
}

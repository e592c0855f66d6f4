using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>A change nf_tables announced.</summary>
public abstract record NftablesEvent;

/// <summary>
/// Something in table <see cref="Table"/> of <see cref="Family"/> (nft's family name: <c>inet</c>, <c>bridge</c>,
/// <c>arp</c>, <c>ip</c>, <c>ip6</c>, <c>netdev</c>) was added or removed: the table itself, a chain, a rule,
/// a set, set elements, an object or a flowtable. Whoever made the change (this process included).
/// </summary>
public sealed record NftablesChanged(string Family, string Table) : NftablesEvent;

/// <summary>Events were lost (ENOBUFS, or a datagram that could not be read): what changed is unknown.</summary>
public sealed record NftablesEventsLost(string Reason) : NftablesEvent;

/// <summary>
/// nf_tables' change notifications from one namespace: a NETLINK_NETFILTER socket in the NFNLGRP_NFTABLES
/// group. The kernel sends one message per object a committed transaction added or removed (an
/// <c>nft flush ruleset</c> sends one per rule, set, chain and table), then a generation message.
/// </summary>
public sealed class NftMonitor : IDisposable
{
    private readonly RtnlSocket _socket;

    private NftMonitor(RtnlSocket socket) => _socket = socket;

    /// <summary>
    /// Subscribes in <paramref name="ns"/> (null = the calling thread's namespace). Needs CAP_NET_ADMIN (EPERM
    /// otherwise) and nfnetlink in the kernel (EPROTONOSUPPORT otherwise).
    /// </summary>
    public static NftMonitor Open(NetNamespace? ns)
    {
        const uint groups = 1u << (int)(Native.NFNLGRP_NFTABLES - 1);
        return new NftMonitor(ns is null
            ? RtnlSocket.OpenHere(groups, protocol: Native.NETLINK_NETFILTER)
            : ns.Invoke(() => RtnlSocket.OpenHere(groups, protocol: Native.NETLINK_NETFILTER)));
    }

    /// <summary>
    /// Whether <paramref name="e"/>, from <see cref="Open"/>, says nf_tables cannot be followed here at all: no
    /// nfnetlink in this kernel (EPROTONOSUPPORT) or no CAP_NET_ADMIN (EPERM). Retrying cannot cure it.
    /// </summary>
    public static bool IsUnavailable(Exception e) => e is NetlinkException { Errno: Errno.EPROTONOSUPPORT or Errno.EPERM };

    /// <summary>
    /// Events as they come, until <paramref name="ct"/> is cancelled (then the sequence ends). Blocks the
    /// enumerating thread; an overrun or an unreadable datagram yields <see cref="NftablesEventsLost"/> and the
    /// monitor carries on. Only the socket failing throws.
    /// </summary>
    public IEnumerable<NftablesEvent> Read(CancellationToken ct) => MonitorDatagrams.Read<NftablesEvent>(_socket, "nftables ", Add, Lost, ct);

    /// <summary>
    /// The events of one datagram: one per message naming a table. Never throws: what cannot be read adds one
    /// <see cref="NftablesEventsLost"/>. Messages of other subsystems and the generation message are skipped.
    /// </summary>
    internal static void Decode(ReadOnlySpan<byte> datagram, List<NftablesEvent> into) =>
        MonitorDatagrams.Decode<NftablesEvent>(datagram, into, "nftables ", Add, Lost);

    private static void Add(NetlinkMessage m, List<NftablesEvent> into)
    {
        if (DecodeOne(m) is { } e) into.Add(e);
    }

    private static NftablesEventsLost Lost(string reason) => new(reason);

    private static NftablesChanged? DecodeOne(NetlinkMessage m)
    {
        if (m.Type >> 8 != Native.NFNL_SUBSYS_NFTABLES) return null;
        switch (m.Type & 0xff)
        {
            case Native.NFT_MSG_NEWTABLE or Native.NFT_MSG_DELTABLE
                or Native.NFT_MSG_NEWCHAIN or Native.NFT_MSG_DELCHAIN
                or Native.NFT_MSG_NEWRULE or Native.NFT_MSG_DELRULE
                or Native.NFT_MSG_NEWSET or Native.NFT_MSG_DELSET
                or Native.NFT_MSG_NEWSETELEM or Native.NFT_MSG_DELSETELEM
                or Native.NFT_MSG_NEWOBJ or Native.NFT_MSG_DELOBJ
                or Native.NFT_MSG_NEWFLOWTABLE or Native.NFT_MSG_DELFLOWTABLE:
                break;
            default:
                return null;
        }
        var header = Wire.Decode.Header(m.Payload, Native.SizeOfNfgenmsg, "nfgenmsg");
        var attrs = new AttributeReader(Wire.Decode.AfterHeader(m.Payload, Native.SizeOfNfgenmsg));
        while (attrs.TryRead(out var type, out var value))
        {
            if (type == Native.NFTA_TABLE_NAME) return new NftablesChanged(FamilyName(header[0]), Wire.Decode.String(value));
        }
        return null;
    }

    /// <summary>nft's name of an NFPROTO_* family (linux/netfilter.h).</summary>
    internal static string FamilyName(byte family) => family switch
    {
        1 => "inet",
        2 => "ip",
        3 => "arp",
        5 => "netdev",
        7 => "bridge",
        10 => "ip6",
        _ => "family " + family.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public void Dispose() => _socket.Dispose();
}

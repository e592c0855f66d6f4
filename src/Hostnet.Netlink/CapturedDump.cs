using System.Buffers.Binary;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// The entries of a dump's answer held as bytes (netlink messages one after another, as
/// <c>recvmsg</c> returned them or <c>ip monitor</c> printed them), decoded as the dumps of
/// <see cref="RtnlSocket"/> decode them: a snapshot of a kernel read without a socket.
/// Messages of other types are skipped.
/// </summary>
public static class CapturedDump
{
    /// <summary>The links of RTM_NEWLINK messages.</summary>
    public static IReadOnlyList<Link> Links(ReadOnlySpan<byte> messages) =>
        Decode<Link>(messages, Native.RTM_NEWLINK, static p => RtnlCodec.DecodeLink(p));

    /// <summary>The IPv4 addresses of RTM_NEWADDR messages.</summary>
    public static IReadOnlyList<AddressEntry> Addresses(ReadOnlySpan<byte> messages) =>
        Decode(messages, Native.RTM_NEWADDR, static p => RtnlCodec.DecodeAddress(p));

    /// <summary>The IPv4 routes of RTM_NEWROUTE messages, every table; cached clones left out.</summary>
    public static IReadOnlyList<RouteEntry> Routes(ReadOnlySpan<byte> messages) =>
        Decode(messages, Native.RTM_NEWROUTE, static p =>
            p.Length >= Native.SizeOfRtmsg && (BinaryPrimitives.ReadUInt32LittleEndian(p[8..]) & Native.RTM_F_CLONED) != 0 ? null : RtnlCodec.DecodeRoute(p));

    /// <summary>The IPv4 neighbour entries of RTM_NEWNEIGH messages.</summary>
    public static IReadOnlyList<NeighborEntry> Neighbors(ReadOnlySpan<byte> messages) =>
        Decode(messages, Native.RTM_NEWNEIGH, static p => RtnlCodec.DecodeNeighbor(p));

    /// <summary>The IPv4 proxy entries of RTM_NEWNEIGH messages (a dump with NTF_PROXY).</summary>
    public static IReadOnlyList<ProxyNeighborEntry> ProxyNeighbors(ReadOnlySpan<byte> messages) =>
        Decode(messages, Native.RTM_NEWNEIGH, static p => RtnlCodec.DecodeProxyNeighbor(p));

    /// <summary>The IPv4 rules of RTM_NEWRULE messages.</summary>
    public static IReadOnlyList<RuleEntry> Rules(ReadOnlySpan<byte> messages) =>
        Decode(messages, Native.RTM_NEWRULE, static p => RuleCodec.Decode(p));

    private delegate T? Decoder<T>(ReadOnlySpan<byte> payload) where T : class;

    private static List<T> Decode<T>(ReadOnlySpan<byte> messages, ushort type, Decoder<T> decode) where T : class
    {
        var items = new List<T>();
        var reader = new NetlinkReader(messages);
        while (reader.TryRead(out var m))
        {
            if (m.Type == type && decode(m.Payload) is { } item) items.Add(item);
        }
        return items;
    }
}

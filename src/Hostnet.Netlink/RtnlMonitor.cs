using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// The rtnetlink multicast groups a monitor subscribes to, as the legacy bind(2) bitmask
/// (RTMGRP_*, linux/rtnetlink.h): bit <c>RTNLGRP_X - 1</c> for group RTNLGRP_X.
/// </summary>
[Flags]
public enum MonitorGroups
{
    None = 0,
    Link = (int)Native.RTMGRP_LINK,
    Neighbor = (int)Native.RTMGRP_NEIGH,
    IPv4Address = (int)Native.RTMGRP_IPV4_IFADDR,
    IPv4Route = (int)Native.RTMGRP_IPV4_ROUTE,
    IPv6Address = (int)Native.RTMGRP_IPV6_IFADDR,
    IPv6Route = (int)Native.RTMGRP_IPV6_ROUTE,
    All = Link | Neighbor | IPv4Address | IPv4Route | IPv6Address | IPv6Route,
}

/// <summary>A change the kernel announced.</summary>
public abstract record RtnlEvent;

public sealed record LinkChanged(Link Link) : RtnlEvent;

public sealed record LinkRemoved(Link Link) : RtnlEvent;

public sealed record AddressChanged(AddressEntry Address) : RtnlEvent;

public sealed record AddressRemoved(AddressEntry Address) : RtnlEvent;

public sealed record RouteChanged(RouteEntry Route) : RtnlEvent;

public sealed record RouteRemoved(RouteEntry Route) : RtnlEvent;

public sealed record NeighborChanged(NeighborEntry Neighbor) : RtnlEvent;

public sealed record NeighborRemoved(NeighborEntry Neighbor) : RtnlEvent;

/// <summary>A proxy entry announced (kernels that notify pneigh changes; 6.x without it never send one).</summary>
public sealed record ProxyNeighborChanged(ProxyNeighborEntry Neighbor) : RtnlEvent;

public sealed record ProxyNeighborRemoved(ProxyNeighborEntry Neighbor) : RtnlEvent;

/// <summary>
/// The bridge's view of one of its ports changed (an AF_BRIDGE RTM_NEWLINK: the port joined, its state
/// or VLANs changed). <see cref="Port"/> carries the port's index, name and bridge (MasterIndex), not its kind.
/// </summary>
public sealed record BridgePortChanged(Link Port) : RtnlEvent;

/// <summary>A link left its bridge (an AF_BRIDGE RTM_DELLINK): the link itself lives on.</summary>
public sealed record BridgePortLeft(Link Port) : RtnlEvent;

/// <summary>
/// Events were lost: the kernel dropped some (ENOBUFS: the socket's queue overflowed) or sent a
/// datagram that could not be read. What was missed is unknown: dump again and reconcile.
/// <see cref="Reason"/> says which, in one line.
/// </summary>
public sealed record ResyncNeeded(string Reason) : RtnlEvent;

/// <summary>Typed rtnetlink events from one namespace.</summary>
public sealed class RtnlMonitor : IDisposable
{
    private readonly RtnlSocket _socket;

    private RtnlMonitor(RtnlSocket socket) => _socket = socket;

    /// <summary>Subscribes in <paramref name="ns"/> (null = the calling thread's namespace).</summary>
    public static RtnlMonitor Open(NetNamespace? ns, MonitorGroups groups) => Open(ns, groups, 8 * 1024 * 1024);

    /// <summary>With a chosen kernel receive buffer (tests use a tiny one to provoke ENOBUFS).</summary>
    internal static RtnlMonitor Open(NetNamespace? ns, MonitorGroups groups, int receiveBufferBytes)
    {
        uint bits = (uint)groups;
        return new RtnlMonitor(ns is null
            ? RtnlSocket.OpenHere(bits, receiveBufferBytes)
            : ns.Invoke(() => RtnlSocket.OpenHere(bits, receiveBufferBytes)));
    }

    /// <summary>
    /// Events as they come, until <paramref name="ct"/> is cancelled (then the sequence ends).
    /// Blocks the enumerating thread; an ENOBUFS overrun or a datagram that cannot be read yields
    /// <see cref="ResyncNeeded"/> and the monitor carries on. Only the socket failing throws.
    /// </summary>
    public IEnumerable<RtnlEvent> Read(CancellationToken ct) => MonitorDatagrams.Read<RtnlEvent>(_socket, "", DecodeOne, Lost, ct);

    /// <summary>
    /// The events of one datagram. Never throws: a message that cannot be read is skipped and, since
    /// what it said is lost, a <see cref="ResyncNeeded"/> is added; a broken message header loses the
    /// rest of the datagram the same way. Well-formed messages of kinds not decoded here are skipped.
    /// </summary>
    internal static void Decode(ReadOnlySpan<byte> datagram, List<RtnlEvent> into) =>
        MonitorDatagrams.Decode<RtnlEvent>(datagram, into, "", DecodeOne, Lost);

    private static ResyncNeeded Lost(string reason) => new(reason);

    private static void DecodeOne(NetlinkMessage m, List<RtnlEvent> into)
    {
        switch (m.Type)
        {
            case Native.RTM_NEWLINK or Native.RTM_DELLINK:
                var link = RtnlCodec.DecodeLink(m.Payload);
                bool added = m.Type == Native.RTM_NEWLINK;
                switch (RtnlCodec.LinkFamily(m.Payload))
                {
                    case Interop.Libc.AF_UNSPEC: into.Add(added ? new LinkChanged(link) : new LinkRemoved(link)); break;
                    case Interop.Libc.AF_BRIDGE: into.Add(added ? new BridgePortChanged(link) : new BridgePortLeft(link)); break;
                }
                break;
            case Native.RTM_NEWADDR when RtnlCodec.DecodeAddress(m.Payload) is { } a: into.Add(new AddressChanged(a)); break;
            case Native.RTM_DELADDR when RtnlCodec.DecodeAddress(m.Payload) is { } a: into.Add(new AddressRemoved(a)); break;
            case Native.RTM_NEWROUTE when RtnlCodec.DecodeRoute(m.Payload) is { } r: into.Add(new RouteChanged(r)); break;
            case Native.RTM_DELROUTE when RtnlCodec.DecodeRoute(m.Payload) is { } r: into.Add(new RouteRemoved(r)); break;
            case Native.RTM_NEWNEIGH or Native.RTM_DELNEIGH:
                bool present = m.Type == Native.RTM_NEWNEIGH;
                if (RtnlCodec.DecodeNeighbor(m.Payload) is { } n) into.Add(present ? new NeighborChanged(n) : new NeighborRemoved(n));
                else if (RtnlCodec.DecodeProxyNeighbor(m.Payload) is { } p) into.Add(present ? new ProxyNeighborChanged(p) : new ProxyNeighborRemoved(p));
                break;
        }
    }

    public void Dispose() => _socket.Dispose();
}

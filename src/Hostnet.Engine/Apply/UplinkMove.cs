using Hostnet.Engine.Intent;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// One move of the server's own network between an uplink and its bridge, with its complete
/// before-state: every address (both families) of the interface it leaves, every route of every
/// table that leaves by it, the nexthop objects on it and the policy rules that name it, each kept
/// whole. Recorded in the journal before the first step, so that whatever kills the process the
/// next apply can finish the move, or put everything back where it was.
/// </summary>
/// <param name="Uplink">The uplink (<c>eth0</c>).</param>
/// <param name="Bridge">Its bridge (<c>br1</c>).</param>
/// <param name="Enslave">True: into the bridge (the uplink becomes its port); false: given back.</param>
/// <param name="FromIndex">The ifindex of the interface left, as the recorded messages name it.</param>
/// <param name="Addresses">Its addresses, both families.</param>
/// <param name="Routes">The routes that leave by it, every table.</param>
/// <param name="Nexthops">The nexthop objects on it.</param>
public sealed record UplinkMove(
    string Uplink,
    string Bridge,
    bool Enslave,
    int FromIndex,
    IReadOnlyList<AddressRecord> Addresses,
    IReadOnlyList<RouteRecord> Routes,
    IReadOnlyList<NexthopRecord> Nexthops)
{
    /// <summary>The interface the server's network leaves.</summary>
    public string From => Enslave ? Uplink : Bridge;

    /// <summary>The interface it moves to.</summary>
    public string To => Enslave ? Bridge : Uplink;

    /// <summary>
    /// The policy rules whose iif or oif names the interface left (<c>ip rule add iif eth0 lookup 100</c>): once the
    /// move is done what they matched arrives and leaves by the other one, so they are made anew naming it. None in
    /// a move journaled before rules moved with it.
    /// </summary>
    public IReadOnlyList<RuleRecord> Rules { get; init; } = [];

    public bool IsEmpty => Addresses.Count == 0 && Routes.Count == 0 && Nexthops.Count == 0 && Rules.Count == 0;

    /// <summary>
    /// What would move now: the addresses on <c>from</c> but those the kernel makes itself (IPv6
    /// link-local and temporary ones), the unicast routes of every table that leave by it (a
    /// nexthop of a multipath route counts) but the kernel's own and Hostnet's, the nexthop objects on
    /// it, the groups that hold them and the routes through those; the rules of both families that name it
    /// but Hostnet's own.
    /// </summary>
    public static UplinkMove Read(RtnlSocket server, string uplink, string bridge, bool enslave)
    {
        ArgumentNullException.ThrowIfNull(server);
        var from = server.GetLink(enslave ? uplink : bridge);
        if (from is null) return new UplinkMove(uplink, bridge, enslave, 0, [], [], []);
        var addresses = server.DumpAddressRecords().Where(a => a.IfIndex == from.Index && !a.IsKernelMade).ToList();
        var allNexthops = server.DumpNexthopRecords();
        var nexthops = allNexthops.Where(n => !n.IsGroup && n.OutIfIndex == from.Index).ToList();
        // The groups that hold one of them, and the routes through any of these, are recorded too: the kernel
        // deletes a nexthop object (and the routes through it) when its interface loses its carrier — the
        // bridge, as the uplink leaves it — before the move has put it on the other side.
        var moved = nexthops.Select(n => n.Id).ToHashSet();
        nexthops.AddRange(allNexthops.Where(n => n.IsGroup && n.GroupMembers.Any(moved.Contains)));
        moved.UnionWith(nexthops.Select(n => n.Id));
        var routes = server.DumpRouteRecords()
            .Where(r => r.Type == RouteType.Unicast && r.Table != RouteTable.Local && r.Protocol is not (RouteProtocol.Kernel or HostnetMarks.RouteProtocol)
                && (r.NexthopId is { } id ? moved.Contains(id) : r.Uses(from.Index)))
            .ToList();
        var rules = server.DumpRuleRecords().Where(r => r.Names(from.Name) && r.Protocol != HostnetMarks.RouteProtocol).ToList();
        return new UplinkMove(uplink, bridge, enslave, from.Index, addresses, routes, nexthops) { Rules = rules };
    }

    /// <summary>"192.168.200.1/24, route default via 192.168.200.10, rule iif eth0 lookup 100 priority 1000": what moves, in the words of <c>ip</c>.</summary>
    public IReadOnlyList<string> Describe() =>
        [.. Addresses.Select(a => a.ToString()), .. Nexthops.Select(n => n.ToString()), .. Routes.Select(r => "route " + r), .. Rules.Select(r => "rule " + r)];

    /// <summary>The routes in an order where each one's gateway is reachable when it is added: host and link routes before those through a gateway.</summary>
    public IEnumerable<RouteRecord> RoutesInOrder() =>
        Routes.OrderByDescending(r => r.Scope).ThenBy(r => r.Gateway is null && !r.Multipath ? 0 : 1).ThenByDescending(r => r.PrefixLength);
}

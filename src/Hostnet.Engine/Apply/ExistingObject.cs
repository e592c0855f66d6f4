using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// What an add that met EEXIST found in its place. Hostnet's own writers take turns (<see cref="KernelLock"/>),
/// but another writer — an admin's <c>ip</c>, a tool that does not take the lock — may have made the object
/// between the plan and the add. When what exists is exactly what was wanted, the add is done; anything
/// that differs (another owner's link, a route through another device, a dynamic neighbour entry) is
/// still the kernel's refusal.
/// </summary>
internal static class ExistingObject
{
    /// <summary>Whether <paramref name="error"/> is an EEXIST for an object that now exists as <paramref name="request"/> wanted it.</summary>
    public static bool IsWanted(RtnlSocket sock, RtnlRequest request, NetlinkException error) =>
        error.IsAlreadyExists && request switch
        {
            CreateVeth v => v.Alias is not null && IsLink(sock, v.Name, "veth", v.Alias),
            AddAddress a => sock.DumpAddresses().Any(e =>
                e.IfIndex == a.IfIndex && e.Address.Equals(a.Address) && e.PrefixLength == a.PrefixLength && e.Scope == a.Scope),
            AddRoute r => sock.DumpRoutes(r.Route.Table).Any(e => SameRoute(e, r.Route)),
            AddNeighbor n => sock.DumpNeighbors().Any(e =>
                e.IfIndex == n.IfIndex && e.Address.Equals(n.Address) && e.State == n.State && Equals(e.Mac, n.Mac)),
            _ => false,
        };

    /// <summary>Whether a tap whose creation met EEXIST is a tap with the alias Hostnet gives it (that VM's adapter).</summary>
    public static bool IsWantedTap(RtnlSocket sock, NetlinkException error, string name, string alias) =>
        error.IsAlreadyExists && IsLink(sock, name, "tun", alias);

    private static bool IsLink(RtnlSocket sock, string name, string kind, string alias) =>
        sock.GetLink(name) is { } l && l.Kind == kind && l.Alias == alias;

    private static bool SameRoute(RouteEntry e, RouteSpec r) =>
        e.Destination.Equals(r.Destination) && e.PrefixLength == r.PrefixLength && e.OutIfIndex == r.OutIfIndex
        && Equals(e.Gateway, r.Gateway) && e.Table == r.Table && e.Protocol == r.Protocol && e.Scope == r.Scope && e.Type == RouteType.Unicast
        && Equals(e.PreferredSource, r.PreferredSource) && (e.Metric ?? 0) == (r.Metric ?? 0);
}

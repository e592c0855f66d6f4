using Hostnet.Engine.Intent;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// Routes with Hostnet's protocol number, and only those: on the server the main table's (any
/// device), in a guest every table's through the links the intent names.
/// </summary>
internal sealed class RouteHandler : KernelObjectHandler<RouteObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        foreach (var r in view.Dump.Routes)
        {
            if (r.Protocol != HostnetMarks.RouteProtocol) continue;
            string dev;
            if (view.IsServer)
            {
                if (r.Table != RouteObject.MainTable || view.NameOf(r.OutIfIndex) is not { } name) continue;
                dev = name;
            }
            else
            {
                if (r.OutIfIndex is not { } i || !view.Owned.TryGetValue(i, out var l)) continue;
                dev = l.Name;
            }
            into.Add(new RouteObject(view.Netns, new IpPrefix(r.Destination, r.PrefixLength), dev,
                r.Gateway, r.Table));
        }
    }

    protected override RtnlRequest? Create(PlanStep step, RouteObject r, IReadOnlyDictionary<string, Link> links) =>
        new AddRoute(ToRouteSpec(r, Index(links, r.Dev)), Replace: step.Change == Change.Change);

    protected override RtnlRequest? Delete(RouteObject r, IReadOnlyDictionary<string, Link> links) =>
        new DeleteRoute(ToRouteSpec(r, links.TryGetValue(r.Dev, out var dev) ? dev.Index : null));

    protected override string? DevOf(RouteObject o) => o.Dev;

    private static RouteSpec ToRouteSpec(RouteObject r, int? ifIndex) =>
        new(r.Destination.Network, r.Destination.PrefixLength, ifIndex, r.Dev,
            r.Gateway, r.Table, HostnetMarks.RouteProtocol,
            // The kernel keeps no scope for an IPv6 route: it reports every one as universe.
            r.Gateway is null && r.Destination.Family == IpFamily.Ipv4 ? RouteScope.Link : RouteScope.Universe);
}

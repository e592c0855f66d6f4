using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>Addresses of both families: Hostnet's on the vme links it owns and on the guest links the intent names (not on <c>lo</c>).</summary>
internal sealed class AddressHandler : KernelObjectHandler<AddressObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        foreach (var a in view.Dump.Addresses)
        {
            // The kernel gives every IPv6 link its own link-local address, a /64: that one is the kernel's.
            // A routed network's IPv6 gateway (fe80::ffff:1:1, or the one it was given) is Hostnet's /128.
            if (a.Address.IsIpv6 && a.Address.IsLinkLocal && a.PrefixLength != 128 && a.Address != IpAddress.DefaultRoutedGateway6) continue;
            if (view.Owned.TryGetValue(a.IfIndex, out var l) && l.Name != "lo")
                into.Add(new AddressObject(view.Netns, l.Name, new IpPrefix(a.Address, a.PrefixLength)));
        }
    }

    protected override RtnlRequest? Create(PlanStep step, AddressObject a, IReadOnlyDictionary<string, Link> links) =>
        // An IPv6 address would be tentative for a second of DAD on a link only Hostnet's two ends
        // share: the LAN is probed before an address is published.
        new AddAddress(Index(links, a.Dev), a.Dev, a.Address.Address, a.Address.PrefixLength, RouteScope.Universe, NoDad: a.Address.Family == IpFamily.Ipv6);

    protected override RtnlRequest? Delete(AddressObject a, IReadOnlyDictionary<string, Link> links) =>
        links.TryGetValue(a.Dev, out var dev) ? new DeleteAddress(dev.Index, a.Dev, a.Address.Address, a.Address.PrefixLength) : null;

    protected override string? DevOf(AddressObject o) => o.Dev;
}

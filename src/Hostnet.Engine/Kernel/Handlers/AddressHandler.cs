using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>IPv4 addresses: Hostnet's on the vme links it owns and on the guest links the intent names (not on <c>lo</c>).</summary>
internal sealed class AddressHandler : KernelObjectHandler<AddressObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        foreach (var a in view.Dump.Addresses)
        {
            if (view.Owned.TryGetValue(a.IfIndex, out var l) && l.Name != "lo")
                into.Add(new AddressObject(view.Netns, l.Name, new IpPrefix(a.Address, a.PrefixLength)));
        }
    }

    protected override RtnlRequest? Create(PlanStep step, AddressObject a, IReadOnlyDictionary<string, Link> links) =>
        new AddAddress(Index(links, a.Dev), a.Dev, a.Address.Address, a.Address.PrefixLength, RouteScope.Universe);

    protected override RtnlRequest? Delete(AddressObject a, IReadOnlyDictionary<string, Link> links) =>
        links.TryGetValue(a.Dev, out var dev) ? new DeleteAddress(dev.Index, a.Dev, a.Address.Address, a.Address.PrefixLength) : null;

    protected override string? DevOf(AddressObject o) => o.Dev;
}

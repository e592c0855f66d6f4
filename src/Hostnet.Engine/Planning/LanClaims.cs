using Hostnet.Engine.Kernel;
using Hostnet.Model;

namespace Hostnet.Engine.Planning;

/// <summary>
/// An address a plan is about to make appear on the LAN, the server interface to probe for it
/// through, and the object of the plan that makes it appear.
/// </summary>
/// <param name="Address">The address.</param>
/// <param name="ProbeDev">
/// The server's interface on the LAN: the L3 uplink of a routed address, the bridge a bridged
/// adapter joins — or that bridge's uplink while the bridge is about to be made, as the bridge is
/// not on the LAN yet (a mixed server's first apply failed with ENODEV probing it).
/// </param>
/// <param name="Holder">
/// What makes it appear: the published entry of a routed address, the address in a netns guest,
/// or the tap of a QEMU guest, whose address Hostnet does not set but the state names.
/// </param>
public sealed record LanClaim(IpAddress Address, string ProbeDev, KernelObject Holder);

/// <summary>
/// Which addresses a plan claims on the LAN, and which of its steps wait for the probe of those
/// addresses: an address that answers is neither published nor routed to the server (routed), nor
/// given to its guest (bridged netns), nor bridged onto the LAN through its tap (QEMU). Pure.
/// </summary>
public static class LanClaims
{
    /// <summary>
    /// The claims of <paramref name="plan"/>: every proxy entry it adds (less those that only move
    /// from one uplink to the bridge that now holds it), every address it adds in a netns guest whose
    /// adapter is a bridge port, and the addresses of a bridged QEMU guest whose tap it makes.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="intent">Every object wanted (the adapters' links, with their bridges).</param>
    /// <param name="state">The desired state (the addresses a QEMU guest takes itself).</param>
    public static IReadOnlyList<LanClaim> Find(Plan plan, IReadOnlyList<KernelObject> intent, DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(state);
        var viaUplink = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in plan.Steps)
        {
            if (s is { Change: Change.Add, Object: UplinkPort u }) viaUplink[u.Bridge] = u.Uplink;
        }
        string Probe(string dev) => viaUplink.GetValueOrDefault(dev, dev);

        // The bridge each netns guest's interface is a port of (through its veth).
        var bridgeOfGuest = new Dictionary<(string, string), string>();
        foreach (var l in intent.OfType<HostLink>())
        {
            if (l is { Master: { } m, Peer: { } p }) bridgeOfGuest[(p.Netns, p.Name)] = m;
        }
        var tapAddresses = new Dictionary<string, IReadOnlyList<IpPrefix>>(StringComparer.Ordinal);
        foreach (var vm in state.Vms)
        {
            if (!vm.Running || vm.Guest.Kind != GuestKind.Tap) continue;
            foreach (var a in vm.Adapters) tapAddresses[vm.HostInterface(a.Index)] = a.Addresses;
        }

        var moving = plan.Steps.Where(s => s.Change == Change.Remove).Select(s => s.Object)
            .OfType<ProxyNeighborObject>().Select(p => p.Address).ToHashSet();
        var claims = new List<LanClaim>();
        foreach (var s in plan.Steps)
        {
            if (s.Change != Change.Add) continue;
            switch (s.Object)
            {
                case ProxyNeighborObject p when !moving.Contains(p.Address):
                    claims.Add(new LanClaim(p.Address, Probe(p.Dev), p));
                    break;
                case AddressObject a when a.Netns != KernelObject.Server && bridgeOfGuest.TryGetValue((a.Netns, a.Dev), out var bridge):
                    claims.Add(new LanClaim(a.Address.Address, Probe(bridge), a));
                    break;
                case HostLink { Kind: LinkKind.Tap, Master: { } bridge } l when tapAddresses.TryGetValue(l.Name, out var addresses):
                    claims.AddRange(addresses.Select(c => new LanClaim(c.Address, Probe(bridge), l)));
                    break;
            }
        }
        return claims;
    }

    /// <summary>
    /// The claimed addresses a step depends on, or null when it does not wait for the probe: the
    /// claim's own object; for a routed address also the server's /32 route to it (an address that
    /// answers is not stolen from the server's own traffic either); for a guest's address also the
    /// guest's routes on that interface (its default gateway is reachable only through it).
    /// </summary>
    public static IReadOnlyList<IpAddress>? WaitsFor(PlanStep step, IReadOnlyList<LanClaim> claims) =>
        new ClaimIndex(claims).WaitsFor(step);
}

/// <summary>
/// The claims of a plan looked up by what they hang on: the step that waits for a probe is found
/// in one lookup, not a walk over every claim (a walk per step made a 1,000-VM apply twice as slow).
/// </summary>
public sealed class ClaimIndex
{
    private readonly Dictionary<IpAddress, List<IpAddress>> _published = [];
    private readonly Dictionary<(string Netns, string Dev), List<IpAddress>> _guestDevs = [];
    private readonly Dictionary<KernelObject, List<IpAddress>> _holders = [];

    public ClaimIndex(IReadOnlyList<LanClaim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        foreach (var c in claims)
        {
            if (c.Holder is ProxyNeighborObject) Add(_published, c.Address, c.Address);
            if (c.Holder is AddressObject a) Add(_guestDevs, (a.Netns, a.Dev), c.Address);
            Add(_holders, c.Holder, c.Address);
        }
    }

    public int Count => _holders.Count;

    /// <summary>The addresses whose probe <paramref name="step"/> waits for; null when it waits for none.</summary>
    public IReadOnlyList<IpAddress>? WaitsFor(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.Change != Change.Add) return null;
        var found = step.Object switch
        {
            RouteObject { Netns: KernelObject.Server } r when r.Destination.IsHost => _published.GetValueOrDefault(r.Destination.Address),
            RouteObject r => _guestDevs.GetValueOrDefault((r.Netns, r.Dev)),
            var o => _holders.GetValueOrDefault(o),
        };
        return found is { Count: > 0 } ? found : null;
    }

    private static void Add<TKey>(Dictionary<TKey, List<IpAddress>> index, TKey key, IpAddress address)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = [];
        list.Add(address);
    }
}

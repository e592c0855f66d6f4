using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Model;

namespace Hostnet.Engine.Intent;

/// <summary>
/// From the desired state, every kernel object the running VMs need, on the
/// server and in netns guests (DESIGN.md, "The two modes, as kernel objects").
/// Pure: the same state and facts give the same objects.
/// </summary>
public static class IntentBuilder
{
    public static KernelIntent Build(DesiredState state, ServerFacts facts)
    {
        var objects = new Dictionary<(string, string), KernelObject>();
        void Want(KernelObject o) => objects.TryAdd((o.Netns, o.Identity), o);

        var networks = state.Networks.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var filters = new FilterIntent(Want);
        var bridges = ActiveBridges(state, facts);
        foreach (var (uplink, bridge) in bridges)
        {
            Want(new BridgeObject(bridge, facts.MacOfLink.GetValueOrDefault(uplink), Up: true));
            Want(new UplinkPort(uplink, bridge));
        }

        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            var guestNs = vm.Guest.Kind == GuestKind.Netns ? vm.Guest.NetnsName ?? Naming.DefaultNetns(vm.Name) : null;
            if (guestNs is not null)
            {
                Want(new NamespaceObject(guestNs));
                Want(new GuestLinkState(guestNs, "lo", Up: true));
            }

            foreach (var adapter in vm.Adapters)
            {
                if (!networks.TryGetValue(adapter.Network, out var network)) continue;
                var vme = vm.HostInterface(adapter.Index);
                var eth = Naming.GuestInterface(adapter.Index);
                var kind = guestNs is null ? LinkKind.Tap : LinkKind.Veth;
                var alias = HostnetMarks.Alias(vm.Name, adapter.Index);
                var master = network.Mode == NetworkMode.Bridged ? network.Bridge : null;
                Want(new HostLink(vme, kind, adapter.Mac.HostSide(), alias, master, Up: true)
                {
                    Peer = guestNs is null ? null : new VethPeer(guestNs, eth, adapter.Mac),
                });
                if (guestNs is not null) Want(new GuestLinkState(guestNs, eth, Up: true));

                if (network.Mode == NetworkMode.HostRouted)
                {
                    WantRouted(Want, L3Uplink(bridges, network, facts), network, adapter, vme, guestNs, eth, facts);
                    filters.Routed(network, adapter, vme);
                }
                else
                {
                    WantBridged(Want, adapter, guestNs, eth);
                    filters.Bridged(network, adapter, vme);
                }
            }
        }

        filters.Tables();

        WantNeighborTableRoom(Want, state, networks, facts);
        return new KernelIntent(objects.Values.ToList());
    }

    /// <summary>The neighbour-table thresholds, in the order gc_thresh1, 2, 3: IPv4's, then IPv6's.</summary>
    public static IReadOnlyList<string> NeighborGcThresholdPaths { get; } =
    [
        SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh1"), SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh2"), SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh3"),
        SysctlPaths.Neigh(IpFamily.Ipv6, "default", "gc_thresh1"), SysctlPaths.Neigh(IpFamily.Ipv6, "default", "gc_thresh2"), SysctlPaths.Neigh(IpFamily.Ipv6, "default", "gc_thresh3"),
    ];

    /// <summary>
    /// Room in the neighbour table for the permanent entries of every routed
    /// address and as many dynamic entries of LAN peers talking to them, above the
    /// kernel's defaults (128, 512, 1024): thresh1 ≥ 128 + n, thresh2 ≥ 512 + 2n,
    /// thresh3 ≥ 1024 + 2n. Beyond thresh3 the kernel refuses new entries (on
    /// kernels before 5.0 permanent ones too); a value already higher is never
    /// lowered, and nothing is wanted where the kernel does not show the values.
    /// Each family has a table of its own (arp_tbl, nd_tbl): n counts its routed addresses.
    /// </summary>
    private static void WantNeighborTableRoom(Action<KernelObject> want, DesiredState state, Dictionary<string, Network> networks, ServerFacts facts)
    {
        if (facts.NeighborGcThresholds.Count == 0) return;
        long n4 = 0, n6 = 0;
        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            foreach (var a in vm.Adapters)
            {
                if (!networks.TryGetValue(a.Network, out var network) || network.Mode != NetworkMode.HostRouted) continue;
                foreach (var c in a.Addresses)
                {
                    if (c.Family == IpFamily.Ipv6) n6++;
                    else n4++;
                }
            }
        }
        for (int i = 0; i < NeighborGcThresholdPaths.Count; i++)
        {
            var n = i < 3 ? n4 : n6;
            if (n == 0) continue;
            long needed = (i % 3) switch { 0 => 128 + n, 1 => 512 + 2 * n, _ => 1024 + 2 * n };
            var path = NeighborGcThresholdPaths[i];
            if (!facts.NeighborGcThresholds.TryGetValue(path, out var current)) continue;
            want(new SysctlObject(path, Math.Max(current, needed).ToString(System.Globalization.CultureInfo.InvariantCulture), PerLink: false));
        }
    }

    /// <summary>
    /// The bridges of bridged networks in use, by uplink: a bridge is made when
    /// the first VM on its network starts, and stays (with the uplink in it)
    /// until the network is removed.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ActiveBridges(DesiredState state, ServerFacts facts)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            foreach (var a in vm.Adapters) used.Add(a.Network);
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in state.Networks)
        {
            if (n is { Mode: NetworkMode.Bridged, Bridge: { } br } && (used.Contains(n.Name) || facts.Enslaved(n.Uplink, br)))
                result.TryAdd(n.Uplink, br);
        }
        return result;
    }

    /// <summary>The L3 uplink of a routed network: the bridge that holds (or will hold) its uplink, if any, else the uplink.</summary>
    public static string L3Uplink(IReadOnlyDictionary<string, string> activeBridges, Network network, ServerFacts facts)
    {
        if (activeBridges.TryGetValue(network.Uplink, out var br)) return br;
        // A bridge Hostnet made and is about to give the uplink back from is not the L3 uplink any more.
        return facts.MasterOf(network.Uplink) is { } master && !facts.Enslaved(network.Uplink, master) ? master : network.Uplink;
    }

    private static void WantRouted(Action<KernelObject> want, string uplink, Network network, Adapter adapter,
        string vme, string? guestNs, string eth, ServerFacts facts)
    {
        var hasIpv4 = adapter.Addresses.Any(a => a.Family == IpFamily.Ipv4);
        var hasIpv6 = adapter.Addresses.Any(a => a.Family == IpFamily.Ipv6);

        // Forwarding and proxy_delay=0 on the uplink come before any proxy entry (Rank.Sysctl < Rank.ProxyNeighbor):
        // the kernel delays proxy answers by up to 800 ms otherwise.
        // ip_forward, send_redirects, proxy_arp and rp_filter are IPv4's own (IPv6 has proxy_ndp, no rp_filter).
        if (hasIpv4)
        {
            want(new SysctlObject("net/ipv4/ip_forward", "1", PerLink: false));
            want(new SysctlObject("net/ipv4/conf/all/send_redirects", "0", PerLink: false));
            want(new SysctlObject($"net/ipv4/conf/{uplink}/send_redirects", "0", PerLink: false));
            want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv4, uplink, "forwarding"), "1", PerLink: false));
            want(new SysctlObject(SysctlPaths.Neigh(IpFamily.Ipv4, uplink, "proxy_delay"), "0", PerLink: false));
        }
        if (hasIpv6) WantIpv6Forwarding(want, uplink, facts);

        want(new SysctlObject($"net/ipv4/conf/{vme}/proxy_arp", "1", PerLink: true));
        want(new SysctlObject($"net/ipv4/conf/{vme}/rp_filter", "1", PerLink: true));
        if (facts.HasIpv6) want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, vme, "accept_ra"), "0", PerLink: true));

        foreach (var family in (ReadOnlySpan<IpFamily>)[IpFamily.Ipv4, IpFamily.Ipv6])
        {
            if (family == IpFamily.Ipv4 ? !hasIpv4 : !hasIpv6) continue;
            var gateway = network.GatewayOf(family) ?? (family == IpFamily.Ipv4 ? IpAddress.DefaultRoutedGateway : IpAddress.DefaultRoutedGateway6);
            want(new AddressObject(KernelObject.Server, vme, IpPrefix.Host(gateway)));
            foreach (var a in adapter.Addresses)
            {
                if (a.Family != family) continue;
                var host = IpPrefix.Host(a.Address);
                want(new RouteObject(KernelObject.Server, host, vme, Gateway: null));
                want(new NeighborObject(vme, a.Address, adapter.Mac));
                want(new ProxyNeighborObject(uplink, a.Address));
                if (guestNs is not null) want(new AddressObject(guestNs, eth, host));
            }
            if (guestNs is not null) WantGuestRoutes(want, adapter, guestNs, eth, family, gateway);
        }
    }

    /// <summary>
    /// A guest's routes of one family through its routed adapter's gateway: IPv4 needs the on-link
    /// route to 169.255.30.1 first; an IPv6 link-local gateway is on every link already.
    /// </summary>
    private static void WantGuestRoutes(Action<KernelObject> want, Adapter adapter, string guestNs, string eth, IpFamily family, IpAddress gateway)
    {
        var onLink = !(gateway.IsIpv6 && gateway.IsLinkLocal);
        // The first routed adapter of a guest holds its main routes (the first wanted wins).
        if (onLink) want(new RouteObject(guestNs, IpPrefix.Host(gateway), eth, Gateway: null));
        want(new RouteObject(guestNs, IpPrefix.Default(family), eth, gateway));
        if (adapter.Index > 0)
        {
            // Every other adapter answers from its own addresses through its own table: without it
            // the replies would leave by the main default route, into a vme whose rp_filter drops them.
            var table = Naming.GuestRoutingTable(adapter.Index);
            if (onLink) want(new RouteObject(guestNs, IpPrefix.Host(gateway), eth, Gateway: null, table));
            want(new RouteObject(guestNs, IpPrefix.Default(family), eth, gateway, table));
            foreach (var a in adapter.Addresses)
            {
                if (a.Family == family) want(new RuleObject(guestNs, a.Address, table, table));
            }
        }
    }

    /// <summary>
    /// IPv6 forwarding for routed VMs (DESIGN.md, "IPv6"). A host that forwards ignores router
    /// advertisements, and the kernel drops the default routes it learnt from them the moment
    /// forwarding goes on, unless the link's accept_ra is 2: so 2 on the uplink first
    /// (Rank.FirstSysctl), unless its admin turned them off (0). proxy_ndp on the uplink answers
    /// neighbour solicitations for the VMs; on <c>all</c> too, because the kernel looks only there
    /// before it takes a unicast solicitation (a LAN peer's reachability probe) for itself instead of
    /// forwarding it to the VM, where it would die.
    /// </summary>
    private static void WantIpv6Forwarding(Action<KernelObject> want, string uplink, ServerFacts facts)
    {
        if (!facts.HasIpv6) return;
        if (!facts.IgnoringRouterAdvertisements.Contains(uplink))
            want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, uplink, "accept_ra"), "2", PerLink: false) { First = true });
        want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, "all", "forwarding"), "1", PerLink: false));
        want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, "all", "proxy_ndp"), "1", PerLink: false));
        want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, uplink, "proxy_ndp"), "1", PerLink: false));
        want(new SysctlObject(SysctlPaths.Neigh(IpFamily.Ipv6, uplink, "proxy_delay"), "0", PerLink: false));
    }

    private static void WantBridged(Action<KernelObject> want, Adapter adapter, string? guestNs, string eth)
    {
        if (guestNs is null) return;
        foreach (var a in adapter.Addresses) want(new AddressObject(guestNs, eth, a));
        foreach (var gw in adapter.Gateways) want(new RouteObject(guestNs, IpPrefix.Default(gw.Family), eth, gw));
    }
}

/// <summary>Every kernel object the desired state needs.</summary>
public sealed record KernelIntent(IReadOnlyList<KernelObject> Objects)
{
    /// <summary>The guest namespaces this intent reaches into.</summary>
    public IEnumerable<string> GuestNamespaces =>
        Objects.OfType<NamespaceObject>().Select(n => n.Name);
}

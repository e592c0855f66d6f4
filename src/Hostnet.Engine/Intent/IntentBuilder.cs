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

    /// <summary>The neighbour-table thresholds, in the order gc_thresh1, 2, 3.</summary>
    public static IReadOnlyList<string> NeighborGcThresholdPaths { get; } =
        [SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh1"), SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh2"), SysctlPaths.Neigh(IpFamily.Ipv4, "default", "gc_thresh3")];

    /// <summary>
    /// Room in the neighbour table for the permanent entries of every routed
    /// address and as many dynamic entries of LAN peers talking to them, above the
    /// kernel's defaults (128, 512, 1024): thresh1 ≥ 128 + n, thresh2 ≥ 512 + 2n,
    /// thresh3 ≥ 1024 + 2n. Beyond thresh3 the kernel refuses new entries (on
    /// kernels before 5.0 permanent ones too); a value already higher is never
    /// lowered, and nothing is wanted where the kernel does not show the values.
    /// </summary>
    private static void WantNeighborTableRoom(Action<KernelObject> want, DesiredState state, Dictionary<string, Network> networks, ServerFacts facts)
    {
        if (facts.NeighborGcThresholds.Count == 0) return;
        long n = 0;
        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            foreach (var a in vm.Adapters)
            {
                if (networks.TryGetValue(a.Network, out var network) && network.Mode == NetworkMode.HostRouted) n += a.Addresses.Count;
            }
        }
        if (n == 0) return;
        long[] needed = [128 + n, 512 + 2 * n, 1024 + 2 * n];
        for (int i = 0; i < NeighborGcThresholdPaths.Count; i++)
        {
            var path = NeighborGcThresholdPaths[i];
            if (!facts.NeighborGcThresholds.TryGetValue(path, out var current)) continue;
            want(new SysctlObject(path, Math.Max(current, needed[i]).ToString(System.Globalization.CultureInfo.InvariantCulture), PerLink: false));
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
        var gateway = network.Gateway ?? IpAddress.DefaultRoutedGateway;
        var family = gateway.Family;

        // Forwarding and proxy_delay=0 on the uplink come before any proxy entry (Rank.Sysctl < Rank.ProxyNeighbor):
        // the kernel delays proxy answers by up to 800 ms otherwise.
        // ip_forward, send_redirects, proxy_arp and rp_filter are IPv4's own (IPv6 has proxy_ndp, no rp_filter).
        want(new SysctlObject("net/ipv4/ip_forward", "1", PerLink: false));
        want(new SysctlObject("net/ipv4/conf/all/send_redirects", "0", PerLink: false));
        want(new SysctlObject($"net/ipv4/conf/{uplink}/send_redirects", "0", PerLink: false));
        want(new SysctlObject(SysctlPaths.Conf(family, uplink, "forwarding"), "1", PerLink: false));
        want(new SysctlObject(SysctlPaths.Neigh(family, uplink, "proxy_delay"), "0", PerLink: false));

        want(new SysctlObject($"net/ipv4/conf/{vme}/proxy_arp", "1", PerLink: true));
        want(new SysctlObject($"net/ipv4/conf/{vme}/rp_filter", "1", PerLink: true));
        if (facts.HasIpv6) want(new SysctlObject(SysctlPaths.Conf(IpFamily.Ipv6, vme, "accept_ra"), "0", PerLink: true));

        want(new AddressObject(KernelObject.Server, vme, IpPrefix.Host(gateway)));
        foreach (var a in adapter.Addresses)
        {
            var host = IpPrefix.Host(a.Address);
            want(new RouteObject(KernelObject.Server, host, vme, Gateway: null));
            want(new NeighborObject(vme, a.Address, adapter.Mac));
            want(new ProxyNeighborObject(uplink, a.Address));
            if (guestNs is not null) want(new AddressObject(guestNs, eth, host));
        }

        if (guestNs is not null)
        {
            // The first routed adapter of a guest holds its main routes (the first wanted wins).
            want(new RouteObject(guestNs, IpPrefix.Host(gateway), eth, Gateway: null));
            want(new RouteObject(guestNs, IpPrefix.Default(gateway.Family), eth, gateway));
            if (adapter.Index > 0)
            {
                // Every other adapter answers from its own addresses through its own table: without it
                // the replies would leave by the main default route, into a vme whose rp_filter drops them.
                var table = Naming.GuestRoutingTable(adapter.Index);
                want(new RouteObject(guestNs, IpPrefix.Host(gateway), eth, Gateway: null, table));
                want(new RouteObject(guestNs, IpPrefix.Default(gateway.Family), eth, gateway, table));
                foreach (var a in adapter.Addresses) want(new RuleObject(guestNs, a.Address, table, table));
            }
        }
    }

    private static void WantBridged(Action<KernelObject> want, Adapter adapter, string? guestNs, string eth)
    {
        if (guestNs is null) return;
        foreach (var a in adapter.Addresses) want(new AddressObject(guestNs, eth, a));
        if (adapter.Gateway is { } gw) want(new RouteObject(guestNs, IpPrefix.Default(gw.Family), eth, gw));
    }
}

/// <summary>Every kernel object the desired state needs.</summary>
public sealed record KernelIntent(IReadOnlyList<KernelObject> Objects)
{
    /// <summary>The guest namespaces this intent reaches into.</summary>
    public IEnumerable<string> GuestNamespaces =>
        Objects.OfType<NamespaceObject>().Select(n => n.Name);
}

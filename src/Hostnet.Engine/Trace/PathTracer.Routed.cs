using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Trace;

/// <summary>The host-routed figure: the server answers ARP for the VM and routes to its vme.</summary>
internal sealed partial class TraceRun
{
    /// <summary>
    /// Into a host-routed VM from a LAN segment: the L3 uplink answers ARP with the server's MAC
    /// (its proxy entry), takes the packet in, routes it to the vme, and delivers it with the
    /// permanent neighbour entry.
    /// </summary>
    /// <param name="owner">The routed VM adapter that holds <paramref name="destination"/>.</param>
    /// <param name="destination">The address traced.</param>
    /// <param name="source">The sender's address, or null: one of the LAN's.</param>
    /// <param name="sender">Who sends: computer X, or a bridged VM on the same LAN.</param>
    /// <param name="port">The bridge port the packet enters by, when it is not the uplink (a bridged VM's vme).</param>
    private void IntoRoutedFromLan(Endpoint owner, IpAddress destination, IpAddress? source, string sender = "computer X", string? port = null)
    {
        var uplinkName = owner.Network.Uplink;
        if (_server.Link(uplinkName) is not { } uplink)
        {
            Add("uplink", false, $"the uplink {uplinkName} of network {owner.Network.Name} does not exist on the server: nothing answers for {destination} on the LAN",
                new Remedy.CreateInterfaceThenApply());
            return;
        }
        var l3 = _server.MasterOf(uplink) ?? uplink;
        var mac = LiveServer.Mac(l3.Mac);
        var family = TraceFamily.Of(destination);

        // Who answers ARP (neighbour solicitations): the published entry on the L3 uplink.
        var published = _server.Proxies.Where(p => p.Address == destination).ToList();
        // IPv6 answers for a proxy entry only while proxy_ndp is on for the link.
        var proxyNdpPath = family.Sysctl($"conf/{l3.Name}/proxy_ndp");
        var proxyNdp = destination.IsIpv6 ? _server.Sysctl(proxyNdpPath) : null;
        if (published.Any(p => p.IfIndex == l3.Index) && (destination.IsIpv4 || proxyNdp == "1"))
        {
            Add(family.ResolutionStep, true, $"{family.Asks(sender, destination)}; {l3.Name} answers with the server's MAC {mac} "
                + $"({family.PublishedRow(destination, l3.Name)}" + (destination.IsIpv6 ? $", {TraceFamily.Dotted(proxyNdpPath)} = 1)" : ")"));
        }
        else if (published.Any(p => p.IfIndex == l3.Index))
        {
            Add(family.ResolutionStep, false, $"{destination} is published on {l3.Name}, but {TraceFamily.Dotted(proxyNdpPath)} = {proxyNdp ?? "?"}: "
                + "nobody answers neighbour solicitations for it on the LAN", TraceStep.Apply);
        }
        else
        {
            var elsewhere = published.Count > 0
                ? $" (it is published on {string.Join(", ", published.Select(p => _server.Name(p.IfIndex)))}, where no {(destination.IsIpv6 ? "neighbour solicitation" : "ARP request")} for it comes in)"
                : "";
            Add(family.ResolutionStep, false, $"no published (proxy) entry for {destination} on {l3.Name}{elsewhere}: nobody answers {(destination.IsIpv6 ? "neighbour solicitations" : "ARP")} for it on the LAN "
                + $"(`{(destination.IsIpv6 ? "ip -6" : "ip")} neigh show proxy` lacks `{destination} dev {l3.Name}`)", TraceStep.Apply);
        }

        var delayPath = family.Sysctl($"neigh/{l3.Name}/proxy_delay");
        var delay = _server.Sysctl(delayPath);
        var answer = destination.IsIpv6 ? "proxy neighbour advertisement" : "proxy ARP answer";
        if (delay == "0") Add("proxy-delay", true, $"{TraceFamily.Dotted(delayPath)} = 0: the answer goes out at once");
        else Add("proxy-delay", false, $"{TraceFamily.Dotted(delayPath)} = {delay ?? "?"}: the kernel delays each {answer} by a random 0–{Jiffies(delay)} ms", TraceStep.Apply);

        ForwardingStep(family, l3.Name, $"the kernel neither answers {(destination.IsIpv6 ? "proxy NDP" : "proxy ARP")} on {l3.Name} nor forwards what comes in there");

        var inDetail = l3 == uplink
            ? $"{sender} sends the packet to {mac}; it comes in on {uplink.Name}"
            : $"{sender} sends the packet to {mac}; it comes in on {port ?? uplink.Name}, a port of {l3.Name}, which passes it up to the server (the MAC is {l3.Name}'s own)";
        var entry = port is null ? uplink : _server.Link(port) ?? uplink;
        var down = LiveServer.NotUp(entry) ?? (l3 == uplink ? null : LiveServer.NotUp(l3));
        Add("in", down is null, down is null ? inDetail : $"{inDetail}, but {down}", TraceStep.Apply);

        var from = source ?? LanSource(l3, family);
        var lookup = $"`ip route get {destination} from {from} iif {l3.Name}`";
        var (route, refusal) = _server.GetRoute(destination, l3, from);
        RouteToVme(owner, destination, route, refusal, lookup);
        if (_steps[^1] is { Ok: false })
        {
            // The kernel publishes an address only while it routes it out by another interface (arp_process, ndisc_recv_ns).
            _steps[^1] = _steps[^1] with { Detail = _steps[^1].Detail + $"; and until it does, {l3.Name} does not answer {family.Resolution} for {destination} either" };
        }

        var vme = HostLinkStep(owner, bridge: null);
        if (vme is not null) NeighborStep(owner, destination, vme);
        GuestStep(owner, destination, checkDefaultRoute: false);
    }

    /// <summary>The "route" step of a way into a routed VM: the kernel's lookup must leave by the VM's vme.</summary>
    private void RouteToVme(Endpoint owner, IpAddress destination, RouteEntry? route, string? refusal, string lookup)
    {
        var vmeName = owner.HostInterface;
        var family = TraceFamily.Of(destination);
        var owned = OwnedRoute(destination);
        var ownedText = owned is not null
            ? $" (route `{family.HostRoute(destination, _server.Name(owned.OutIfIndex))}`)"
            : "";
        if (route is null)
        {
            var cause = _forwardingOff ? "forwarding is off" : owned is null ? $"the {family.Host} route to {vmeName} is missing" : null;
            Add("route", false, $"{lookup}: no route ({refusal ?? "unreachable"}): the server drops it" + (cause is null ? "" : "; " + cause),
                TraceStep.Apply);
            return;
        }
        var said = _server.Describe(route, destination);
        if (route.Type == RouteType.Unicast && _server.Name(route.OutIfIndex) == vmeName)
        {
            Add("route", true, $"{lookup}: {said}{ownedText}: the server forwards it to {vmeName} ({owner.Describe})");
            return;
        }
        var missing = owned is null
            ? $"; the route `{family.HostRoute(destination, vmeName)}` is missing"
            : "";
        Add("route", false, $"{lookup}: {said}: it does not go to {vmeName} ({owner.Describe}){missing}", TraceStep.Apply);
    }

    /// <summary>The "neighbour" step: the server holds the VM's ARP entry, permanent, with the VM's MAC.</summary>
    private void NeighborStep(Endpoint owner, IpAddress destination, Link vme)
    {
        var entry = _server.Neighbors.FirstOrDefault(n => n.IfIndex == vme.Index && n.Address == destination);
        var want = owner.Adapter.Mac.ToString();
        var family = TraceFamily.Of(destination);
        if (entry is null)
        {
            Add("neighbour", false, $"no neighbour entry for {destination} on {vme.Name}: the server does not hold VM {owner.Vm.Name}'s {family.VmEntry} "
                + $"(want `{destination} lladdr {want} PERMANENT`)", TraceStep.Apply);
            return;
        }
        var have = LiveServer.Mac(entry.Mac);
        var state = LiveServer.State(entry.State);
        if (!entry.State.HasFlag(NeighborState.Permanent) || have != want)
        {
            Add("neighbour", false, $"{destination} lladdr {have} {state} dev {vme.Name}: want lladdr {want} PERMANENT", TraceStep.Apply);
            return;
        }
        Add("neighbour", true, $"{destination} lladdr {have} PERMANENT dev {vme.Name}: the server holds the VM's {family.VmEntry} and sends the frame to {owner.GuestInterface} in VM {owner.Vm.Name}");
    }

    /// <summary>Out of a host-routed VM: to its gateway on the server, then the server's route.</summary>
    private void OutOfRoutedVm(Departure departure, IpAddress destination)
    {
        var sender = departure.Sender;
        var source = departure.Source;
        var family = TraceFamily.Of(destination);
        var gateway = sender.GatewayOf(family.Family) ?? sender.Gateway;
        GuestStep(sender, source, checkDefaultRoute: true);
        FilterStep(sender, source);

        var vme = _server.Link(sender.HostInterface);
        var eth = sender.GuestInterface;
        if (departure.Guest is { Via: null } onLink6 && destination != gateway && destination.IsIpv6)
        {
            Add("gateway", false, $"{onLink6.Said}: on-link, VM {sender.Vm.Name} solicits {destination} itself, but nothing on {sender.HostInterface} answers for it "
                + $"(its IPv6 addresses are /128: it should send everything to its gateway {gateway})", TraceStep.Apply);
        }
        else if (departure.Guest is { Via: null } onLink && destination != gateway)
        {
            // An on-link route in the guest: it asks ARP for the destination itself, and the vme answers by proxy_arp.
            var proxyArp = _server.Sysctl($"net/ipv4/conf/{sender.HostInterface}/proxy_arp");
            Add("gateway", proxyArp == "1", proxyArp == "1"
                ? $"{onLink.Said}: on-link, VM {sender.Vm.Name} asks ARP for {destination} itself; {sender.HostInterface} answers with proxy_arp = 1"
                : $"{onLink.Said}: on-link, VM {sender.Vm.Name} asks ARP for {destination} itself, but net.ipv4.conf.{sender.HostInterface}.proxy_arp = {proxyArp ?? "?"}: nobody answers",
                TraceStep.Apply);
        }
        else if (departure.Guest is { Via: { } via } other && via != gateway)
        {
            Add("gateway", false, $"{other.Said}: VM {sender.Vm.Name} sends it to {via}, not to its gateway {gateway}: nothing on {sender.HostInterface} answers for {via}", TraceStep.Apply);
        }
        else
        {
            var holds = vme is not null && _server.AddressesOn(vme).Any(a => a.Address == gateway);
            var said = departure.Guest is { } g ? g.Said + ": " : $"{destination} is off-link for {eth} (its addresses are {family.Host}): ";
            var gwDetail = destination == gateway
                ? $"{said}{destination} is VM {sender.Vm.Name}'s gateway, on-link via {eth}"
                : $"{said}VM {sender.Vm.Name} sends it to its gateway {gateway}, on-link via {eth}";
            var asks = destination.IsIpv6 ? "neighbour solicitation" : "ARP";
            Add("gateway", holds, holds
                ? $"{gwDetail}; the server holds {gateway}{family.Host} on {sender.HostInterface} and answers its {asks}"
                : $"{gwDetail}, but {sender.HostInterface} does not hold {gateway}{family.Host}: nobody answers the VM's {asks} for its gateway", TraceStep.Apply);
        }

        if (HostLinkStep(sender, bridge: null) is not { } link) return;
        ForwardingStep(family, link.Name, $"the server does not forward what VM {sender.Vm.Name} sends");

        if (destination == gateway)
        {
            Add("out", true, $"{destination} is the gateway on {link.Name}: the server itself answers");
            ServerStep(sender, destination);
            return;
        }

        RouteOnward(sender, link, source, destination);
    }

    /// <summary>
    /// The server's own routing of a packet <paramref name="sender"/> sent that came in on <paramref name="link"/> from
    /// <paramref name="source"/>: the lookup, and then the way into the VM that owns the
    /// destination, the server itself, or the next hop out.
    /// </summary>
    private void RouteOnward(Endpoint sender, Link link, IpAddress source, IpAddress destination)
    {
        var lookup = $"`ip route get {destination} from {source} iif {link.Name}`";
        var target = TargetOf(destination);
        if (target is { Network.Mode: NetworkMode.HostRouted })
        {
            var (r, refusal) = _server.GetRoute(destination, link, source);
            RouteToVme(target, destination, r, refusal, lookup);
            if (HostLinkStep(target, bridge: null) is { } into) NeighborStep(target, destination, into);
            GuestStep(target, destination, checkDefaultRoute: false);
            return;
        }

        var (route, why) = _server.GetRoute(destination, link, source);
        if (route is null)
        {
            Add("route", false, $"{lookup}: no route ({why ?? "unreachable"}): the server has no way to {destination}"
                + (_server.Routes.Any(x => x.PrefixLength == 0) ? "" : " (it has no default route)"));
            return;
        }
        var said = _server.Describe(route, destination);
        if (route.Type == RouteType.Local)
        {
            Add("route", true, $"{lookup}: {said}: {destination} is the server's own address; it is delivered to the server");
            ServerStep(sender, destination);
            return;
        }
        if (route.Type != RouteType.Unicast)
        {
            Add("route", false, $"{lookup}: {said} (route type {(byte)route.Type}): the server does not forward it");
            return;
        }
        var outLink = _server.Link(route.OutIfIndex);
        Add("route", true, $"{lookup}: {said}: the server sends it out by {outLink?.Name ?? "?"}");

        if (target is { Network.Mode: NetworkMode.Bridged })
        {
            IntoBridged(target, destination, $"the server (on {outLink?.Name})", $"the server sends the frame out by {outLink?.Name}, into the bridge");
            return;
        }
        NextHopStep(outLink, route.Gateway is { } gw ? gw : destination);
    }

    /// <summary>The "next-hop" step: what the server knows of the next hop on the outgoing interface.</summary>
    private void NextHopStep(Link? outLink, IpAddress hop)
    {
        if (outLink is null) return;
        if (LiveServer.NotUp(outLink) is { } down)
        {
            Add("next-hop", false, $"{down}: nothing leaves by it");
            return;
        }
        var n = _server.Neighbors.FirstOrDefault(x => x.IfIndex == outLink.Index && x.Address == hop);
        var table = TraceFamily.Of(hop).Table;
        var known = n is not null && n.Mac is not null && (n.State & (NeighborState.Failed | NeighborState.Incomplete)) == 0
            ? $"the server's {table} has {hop} lladdr {LiveServer.Mac(n.Mac)} {LiveServer.State(n.State)} dev {outLink.Name}"
            : $"{hop} is not in the server's {table} yet: the server asks for it on {outLink.Name}";
        Add("next-hop", true, $"next hop {hop} on {outLink.Name}: {known}");
    }

    /// <summary>The running VM adapter that owns <paramref name="address"/>, if any (no step of its own).</summary>
    private Endpoint? TargetOf(IpAddress address)
    {
        if (_state.FindAddressHolder(address) is not { } id) return null;
        var vm = _state.GetVm(id.Vm);
        var adapter = vm.FindAdapter(id.Index)!;
        if (_state.FindNetwork(adapter.Network) is not { } network) return null;
        var target = new Endpoint(vm, adapter, network);
        if (!vm.Running)
        {
            Add("target", false, $"{address} belongs to {target.Describe}, but VM {vm.Name} is stopped", new Remedy.StartVm(vm.Name));
            return null;
        }
        Add("target", true, $"{address} belongs to {target.Describe} (network {network.Name}, {Network.ModeName(network.Mode)}, MAC {adapter.Mac})");
        return target;
    }

    /// <summary>
    /// A source address on the LAN for a lookup "as if from computer X": one of the uplink's subnet that
    /// is neither the server's nor a VM's (rp_filter would refuse either), or a documentation address.
    /// </summary>
    private IpAddress LanSource(Link l3, TraceFamily family)
    {
        foreach (var a in _server.AddressesOn(l3))
        {
            if (a.Address.Family != family.Family || a.Address.IsLinkLocal) continue;
            if (a.Address.IsIpv4 ? a.PrefixLength is < 8 or > 30 : a.PrefixLength is < 8 or > 126) continue;
            var net = new IpPrefix(a.Address, a.PrefixLength);
            for (var v = net.Network.Value + 1; v < net.Broadcast.Value && v < net.Network.Value + 256; v++)
            {
                var candidate = new IpAddress(net.Family, v);
                if (!_server.IsLocal(candidate) && _state.FindAddressHolder(candidate) is null) return candidate;
            }
        }
        return family.DocumentationSource;
    }

    /// <summary>proxy_delay is in jiffies (USER_HZ, 100 per second); the delay is random up to it.</summary>
    private static string Jiffies(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var j)
            ? (j * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "?";
}

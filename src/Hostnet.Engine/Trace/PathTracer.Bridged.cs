using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Trace;

/// <summary>The bridged figure: the VM is a port of the bridge with the uplink and answers ARP itself.</summary>
internal sealed partial class TraceRun
{
    /// <summary>
    /// Into a bridged VM: the bridge that holds the uplink, the VM answering ARP with its own MAC,
    /// its port (the vme) and the forwarding-database entry that sends its frames there.
    /// </summary>
    /// <param name="owner">The bridged VM adapter that holds <paramref name="destination"/>.</param>
    /// <param name="destination">The address traced.</param>
    /// <param name="asker">Who asks ARP for it: computer X, a VM on the bridge, the server.</param>
    /// <param name="entry">How the frame enters the bridge, or null: through the uplink, from the LAN.</param>
    private void IntoBridged(Endpoint owner, IpAddress destination, string asker, string? entry)
    {
        if (BridgeStep(owner, entry) is not { } bridge) return;

        // A bridged VM speaks for itself: a proxy entry of the server for its address would answer too.
        var published = _server.Proxies.Where(p => p.Address == destination).ToList();
        if (published.Count == 0)
        {
            Add(TraceFamily.Of(destination).ResolutionStep, true, $"{TraceFamily.Of(destination).Asks(asker, destination)}; VM {owner.Vm.Name} answers itself with its own MAC {owner.Adapter.Mac} "
                + "(the server publishes no entry for it)");
        }
        else
        {
            var where = string.Join(", ", published.Select(p => _server.Name(p.IfIndex)));
            Add(TraceFamily.Of(destination).ResolutionStep, false, $"VM {owner.Vm.Name} answers {TraceFamily.Of(destination).Resolution} for {destination} with {owner.Adapter.Mac}, but the server also publishes it on {where} "
                + "and answers with its own MAC: two answers, the LAN takes whichever comes last",
                new Remedy.SystemCommand($"ip {(destination.IsIpv6 ? "-6 " : "")}neigh del proxy {destination} dev {_server.Name(published[0].IfIndex)}"));
        }

        HostLinkStep(owner, bridge.Name);
        FdbStep(owner, bridge);
        GuestStep(owner, destination, checkDefaultRoute: false);
    }

    /// <summary>The "bridge" step: the network's bridge exists, is up, and holds the uplink as a port.</summary>
    private Link? BridgeStep(Endpoint owner, string? entry)
    {
        var bridgeName = owner.Network.Bridge ?? "?";
        var uplinkName = owner.Network.Uplink;
        if (_server.Link(bridgeName) is not { } bridge || bridge.Kind != "bridge")
        {
            Add("bridge", false, $"bridge {bridgeName} of network {owner.Network.Name} does not exist on the server", TraceStep.Apply);
            return null;
        }
        var problems = new List<string>();
        if (LiveServer.NotUp(bridge) is { } bridgeDown) problems.Add(bridgeDown);
        var uplink = _server.Link(uplinkName);
        if (uplink is null) problems.Add($"the uplink {uplinkName} does not exist");
        else if (uplink.MasterIndex != bridge.Index) problems.Add($"the uplink {uplinkName} is not a port of {bridge.Name}");
        else if (LiveServer.NotUp(uplink) is { } uplinkDown) problems.Add(uplinkDown);
        var how = entry ?? $"the frame comes in on {uplinkName}, a port of bridge {bridge.Name}";
        if (problems.Count > 0)
        {
            Add("bridge", false, $"{how}, but {string.Join("; ", problems)}", TraceStep.Apply);
            return bridge;
        }
        Add("bridge", true, $"{how} (bridge MAC {LiveServer.Mac(bridge.Mac)}, up)");
        return bridge;
    }

    /// <summary>The "fdb" step: the bridge's forwarding database sends the VM's MAC to its port, or floods until it learns it.</summary>
    private void FdbStep(Endpoint owner, Link bridge)
    {
        var mac = owner.Adapter.Mac.ToString();
        var entries = _server.Fdb
            .Where(f => LiveServer.Mac(f.Mac) == mac && (f.MasterIndex == bridge.Index || _server.Link(f.IfIndex)?.MasterIndex == bridge.Index))
            .ToList();
        var vme = owner.HostInterface;
        if (entries.Count == 0)
        {
            Add("fdb", true, $"{mac} is not learned yet (VM {owner.Vm.Name} has sent nothing lately): {bridge.Name} floods the frame to every port, {vme} included");
            return;
        }
        if (entries.Any(f => _server.Name(f.IfIndex) == vme))
        {
            Add("fdb", true, $"`bridge fdb`: {mac} dev {vme} master {bridge.Name}: {bridge.Name} sends the frame to {vme}, which hands it to {owner.GuestInterface} in VM {owner.Vm.Name}");
            return;
        }
        var wrong = entries[0];
        var port = _server.Name(wrong.IfIndex);
        var how = (wrong.State & (NeighborState.NoArp | NeighborState.Permanent)) != 0
            ? "a static entry: it stays until deleted"
            : "learned before the VM moved? it ages out, or the VM's next frame corrects it";
        Add("fdb", false, $"`bridge fdb`: {mac} dev {port} master {bridge.Name}: {bridge.Name} sends VM {owner.Vm.Name}'s frames to {port}, not {vme} ({how})",
            new Remedy.SystemCommand($"bridge fdb del {mac} dev {port} master"));
    }

    /// <summary>Out of a bridged VM: its own routing (on-link or its gateway), its port, then where the bridge sends the frame.</summary>
    private void OutOfBridgedVm(Departure departure, IpAddress destination)
    {
        var sender = departure.Sender;
        var source = departure.Source;
        GuestStep(sender, source == IpAddress.Any ? null : source, checkDefaultRoute: sender.Adapter.GatewayOf(destination.Family) is not null);
        FilterStep(sender, source == IpAddress.Any ? null : source);

        IpAddress hop;
        if (departure.Guest is { } g)
        {
            hop = g.Via ?? destination;
            Add("gateway", true, g.Via is { } via
                ? $"{g.Said}: VM {sender.Vm.Name} sends it to its own gateway {via} (its own routing table)"
                : $"{g.Said}: on-link, VM {sender.Vm.Name} {TraceFamily.Of(destination).AsksItself}");
        }
        else if (sender.Adapter.Addresses.FirstOrDefault(c => c.Contains(destination)) is { PrefixLength: > 0 } onLink)
        {
            hop = destination;
            Add("gateway", true, $"{destination} is on-link for {sender.GuestInterface} ({onLink}): VM {sender.Vm.Name} {TraceFamily.Of(destination).AsksItself}");
        }
        else if (sender.Adapter.GatewayOf(destination.Family) is { } gw)
        {
            hop = gw;
            Add("gateway", true, $"{destination} is off-link for {sender.GuestInterface}: VM {sender.Vm.Name} sends it to its own gateway {gw} (its own routing table)");
        }
        else
        {
            Add("gateway", false, $"{destination} is off-link for {sender.GuestInterface} and VM {sender.Vm.Name} has no gateway: it cannot send",
                new Remedy.SetAdapterGateway(sender.Vm.Name, sender.Adapter.Name));
            return;
        }

        var bridgeName = sender.Network.Bridge ?? "?";
        if (HostLinkStep(sender, bridgeName) is null) return;
        var bridge = _server.Link(bridgeName);
        if (bridge is null)
        {
            Add("bridge", false, $"bridge {bridgeName} of network {sender.Network.Name} does not exist on the server", TraceStep.Apply);
            return;
        }

        var target = TargetOf(hop);
        if (target is { Network.Mode: NetworkMode.Bridged })
        {
            IntoBridged(target, hop, $"VM {sender.Vm.Name}", $"the frame enters bridge {bridgeName} from {sender.HostInterface} (VM {sender.Vm.Name})");
            return;
        }
        if (target is { Network.Mode: NetworkMode.HostRouted })
        {
            // The routed VM's address is published on the bridge: the server answers and routes it in.
            IntoRoutedFromLan(target, hop, source, $"VM {sender.Vm.Name}", sender.HostInterface);
            return;
        }
        if (_server.AddressesOn(bridge).Any(a => a.Address == hop))
        {
            Add("out", true, $"{hop} is the server's own address on {bridge.Name}: the bridge passes the frame up to the server");
            if (hop == destination)
            {
                ServerStep(sender, destination);
                return;
            }
            if (!ForwardingStep(TraceFamily.Of(destination), bridge.Name, $"the server does not forward what VM {sender.Vm.Name} sends it")) return;
            RouteOnward(sender, bridge, source, destination);
            return;
        }
        var uplink = _server.Link(sender.Network.Uplink);
        var down = uplink is null ? $"the uplink {sender.Network.Uplink} does not exist"
            : uplink.MasterIndex != bridge.Index ? $"the uplink {uplink.Name} is not a port of {bridge.Name}"
            : LiveServer.NotUp(uplink);
        Add("out", down is null, down is null
            ? $"{bridge.Name} sends the frame for {hop} out through {uplink!.Name} to the LAN"
            : $"{bridge.Name} cannot send the frame for {hop} to the LAN: {down}", TraceStep.Apply);
    }
}

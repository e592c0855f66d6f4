using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>The networks the VMs are connected to: add, list, show, remove.</summary>
public sealed class NetworkService
{
    private readonly HostAgent _agent;

    internal NetworkService(HostAgent agent) => _agent = agent;

    /// <summary>
    /// Adds a network; a host-routed one without a gateway gets the default gateway. <c>dhcp</c>: whether Hostnet
    /// answers the adapters' DHCP (null: the mode's default, host-routed yes, bridged no); <c>dns</c>: the DNS
    /// servers handed to the guests (<c>ADDR[,ADDR…]</c>).
    /// </summary>
    public Network Add(string name, NetworkMode mode, string uplink, string? bridge, string? gateway, IReadOnlyList<string>? serverPorts = null,
        string? gateway6 = null, bool? dhcp = null, IReadOnlyList<string>? dns = null)
    {
        var gw = gateway is { } g ? StateRules.ParseAddress(g) : (IpAddress?)null;
        var gw6 = gateway6 is { } g6 ? StateRules.ParseAddress(g6) : (IpAddress?)null;
        var ports = ProtectionRules.ParsePorts(serverPorts);
        var servers = GuestSettingsRules.ParseDns(dns);
        var net = (mode == NetworkMode.Bridged
            ? new Network(name, NetworkMode.Bridged, uplink, bridge, gw)
            : new Network(name, NetworkMode.HostRouted, uplink, bridge, gw ?? IpAddress.DefaultRoutedGateway)) with { ServerPorts = ports, Gateway6 = gw6, Dhcp = dhcp, Dns = servers };
        _agent.Write(work =>
        {
            work.Tx.Load().AddNetwork(net);
            work.Tx.AddNetwork(net);
            return 0;
        });
        return net;
    }

    public IReadOnlyList<Network> List() => _agent.Load().Networks;

    /// <summary>A network and the adapters on it.</summary>
    public (Network Network, IReadOnlyList<(Vm Vm, Adapter Adapter)> Adapters) Show(string name)
    {
        var state = _agent.Load();
        var net = state.GetNetwork(name);
        return (net, state.AdaptersOn(net.Name).ToList());
    }

    /// <summary>
    /// Replaces a network's server ports (<paramref name="clear"/>: it opens none). The protected adapters
    /// of its running VMs follow at once: their elements in Hostnet's tables are the network's ports.
    /// </summary>
    public Network SetServerPorts(string name, IReadOnlyList<string>? serverPorts, bool clear) => Set(name, serverPorts, clear);

    /// <summary>
    /// Changes a network: its server ports replaced or closed (<paramref name="noServerPorts"/>), a host-routed
    /// one's IPv6 gateway replaced (<paramref name="gateway6"/>), whether Hostnet answers its adapters' DHCP
    /// (<paramref name="dhcp"/>; null: unchanged), its DNS servers (<paramref name="dns"/>, or none with
    /// <paramref name="noDns"/>). What is not given stays; the running VMs on it follow at once.
    /// </summary>
    public Network Set(string name, IReadOnlyList<string>? serverPorts, bool noServerPorts, string? gateway6 = null,
        bool? dhcp = null, IReadOnlyList<string>? dns = null, bool noDns = false)
    {
        var portsGiven = serverPorts is { Count: > 0 };
        var dnsGiven = dns is { Count: > 0 };
        if (portsGiven && noServerPorts)
            throw new ValidationException(RefusalCodes.ServerPortsGivenAndCleared, "server ports cannot be given and cleared at once");
        if (dnsGiven && noDns)
            throw new ValidationException(RefusalCodes.DnsGivenAndCleared, "DNS servers cannot be given and cleared at once");
        if (!portsGiven && !noServerPorts && gateway6 is null && dhcp is null && !dnsGiven && !noDns)
            throw new ValidationException(RefusalCodes.NothingToChange, "nothing to change: no setting of the network was given");
        var ports = ProtectionRules.ParsePorts(serverPorts);
        var gw6 = gateway6 is { } g6 ? StateRules.ParseAddress(g6) : (IpAddress?)null;
        var servers = GuestSettingsRules.ParseDns(dns);
        using var kernel = _agent.TakeKernelLock();
        return _agent.Write(work =>
        {
            var before = work.Tx.Load();
            var net = before.GetNetwork(name);
            var after = before;
            if (portsGiven || noServerPorts)
            {
                after = after.SetServerPorts(name, ports);
                work.Tx.SetServerPorts(name, ports);
            }
            if (gw6 is { } g)
            {
                after = after.SetGateway6(name, g);
                work.Tx.SetGateway6(name, after.GetNetwork(name).Gateway6Given);
            }
            if (dhcp is not null || dnsGiven || noDns)
            {
                var newDhcp = dhcp ?? net.Dhcp;
                var newDns = dnsGiven || noDns ? servers : net.Dns;
                after = after.SetGuestSettings(name, newDhcp, newDns);
                work.Tx.SetGuestSettings(name, newDhcp, newDns);
            }
            // One running VM on it stands for all: the plan made for it is the whole state's.
            if (after.AdaptersOn(name).Select(u => u.Vm).FirstOrDefault(v => v.Running) is { } vm)
                RunningVms.Changed(_agent, work, vm, vm, after, probe: false);
            return after.GetNetwork(name);
        });
    }

    /// <summary>Removes a network no adapter uses; a bridged one gives its uplink back when Hostnet had made it a port.</summary>
    public Network Remove(string name)
    {
        // Removing a bridged network may give its uplink back: planned after the commit, under the lock.
        using var kernel = _agent.TakeKernelLock();
        var removed = _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var network = state.GetNetwork(name);
            state.RemoveNetwork(name);
            work.Tx.RemoveNetwork(name);
            return network;
        });
        _agent.Kernel.ConvergeAfterNetworkRemoved(removed);
        return removed;
    }
}

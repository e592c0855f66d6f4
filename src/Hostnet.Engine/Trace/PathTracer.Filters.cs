using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Model;

namespace Hostnet.Engine.Trace;

internal sealed partial class TraceRun
{
    /// <summary>
    /// The "filter" step: the sender's adapter in Hostnet's nftables tables, as listed now — every element
    /// its protections need, and whether the source it sends from is one the filters let out.
    /// </summary>
    private void FilterStep(Endpoint sender, IpAddress? source)
    {
        var vme = sender.HostInterface;
        var p = sender.Adapter.Protections;
        if (p == Protections.None)
        {
            Add("filter", true, $"every protection of {sender.Describe} is off: Hostnet's filters let through whatever {vme} sends");
            return;
        }
        if (_server.Filters is not { } listed)
        {
            Add("filter", false, $"libnftables is not installed: the protections of {sender.Describe} cannot be read or made (install libnftables1)");
            return;
        }
        var wanted = new List<KernelObject>();
        var intent = new FilterIntent(wanted.Add);
        if (sender.Network.Mode == NetworkMode.Bridged) intent.Bridged(sender.Network, sender.Adapter, vme);
        else intent.Routed(sender.Network, sender.Adapter, vme);
        var tables = listed.ToDictionary(t => t.Family);
        var missing = wanted.OfType<FilterElement>()
            .Where(e => !tables.TryGetValue(e.Family, out var t) || !t.Elements.TryGetValue(e.Set, out var keys) || !keys.Contains(e.Key))
            .ToList();
        if (missing.Count > 0)
        {
            Add("filter", false, $"{missing[0].Describe()} is missing"
                + (missing.Count > 1 ? $" (and {missing.Count - 1} more of {vme}'s)" : "") + $": {sender.Describe} is not protected as its state says", TraceStep.Apply);
            return;
        }
        var on = string.Join(", ", ProtectionNames.Names(p));
        if (source is { } s && (p & Protections.Addresses) != 0 && !sender.Adapter.Addresses.Any(a => a.Address == s))
        {
            Add("filter", false, $"{s} is not an address of {sender.Describe}: the filters drop what {vme} sends from it (protections {on})");
            return;
        }
        var family = sender.Network.Mode == NetworkMode.Bridged ? "bridge" : "inet";
        Add("filter", true, $"nft table {family} hostnet holds {vme} with protections {on}: it sends only as {sender.Adapter.Mac}"
            + (sender.Adapter.Addresses.Count > 0 ? $" from {string.Join(", ", sender.Adapter.Addresses.Select(a => a.Address))}" : ""));
    }

    /// <summary>
    /// The "server" step: what reaches one of the server's own addresses from a VM meets the <c>server</c>
    /// protection (the inet table's input chain): ARP and ICMP pass, replies to the server's own connections
    /// pass, the ports the VM's network opens pass, and the rest is dropped.
    /// </summary>
    private void ServerStep(Endpoint sender, IpAddress destination)
    {
        var vme = sender.HostInterface;
        var network = sender.Network;
        if ((sender.Adapter.Protections & Protections.Server) == 0)
        {
            Add("server", true, $"{destination} is the server's own address and the server protection of {sender.Describe} is off: the server accepts whatever it sends there");
            return;
        }
        if (_server.Filters is not { } listed)
        {
            Add("server", false, $"libnftables is not installed: the server protection of {sender.Describe} cannot be read or made (install libnftables1)");
            return;
        }
        // The elements the input chain reads for this adapter: its interface in server_on (a bridged guest's
        // frames are marked on their port), and the network's open ports, keyed by the interface the inet
        // family sees (the vme, or the bridge).
        var wanted = new List<KernelObject>();
        var intent = new FilterIntent(wanted.Add);
        if (network.Mode == NetworkMode.Bridged) intent.Bridged(network, sender.Adapter, vme);
        else intent.Routed(network, sender.Adapter, vme);
        var tables = listed.ToDictionary(t => t.Family);
        var needed = wanted.OfType<FilterElement>().Where(e => e.Set is HostnetRuleset.ServerOn or HostnetRuleset.ServerPorts).ToList();
        var missing = needed
            .Where(e => !tables.TryGetValue(e.Family, out var t) || !t.Elements.TryGetValue(e.Set, out var keys) || !keys.Contains(e.Key))
            .ToList();
        if (!tables.ContainsKey(FilterFamily.Inet) || missing.Count > 0)
        {
            var what = missing.Count > 0 ? missing[0].Describe() : $"nft table inet {FilterTable.Name}";
            Add("server", false, $"{destination} is the server's own address, but {what} is missing: the server protection of {sender.Describe} is not as its state says", TraceStep.Apply);
            return;
        }
        var ports = network.ServerPorts;
        var open = ports.Count > 0
            ? $"and {string.Join(", ", ports)}, which network {network.Name} opens"
            : $"and no service port (network {network.Name} opens none)";
        Add("server", true, $"{destination} is the server's own address: the server protection of {sender.Describe} lets through only ARP, ICMP, "
            + $"replies to the server's own connections {open}; anything else from {vme} to the server is dropped (nft table inet {FilterTable.Name}, chain input)");
    }
}

using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Cli.Output;

/// <summary>An adapter in one line of text.</summary>
internal static class AdapterText
{
    public static string Addresses(Network? network, Adapter a) =>
        a.Addresses.Count == 0 ? "-" : string.Join(", ", a.Addresses.Select(c => ToDocument.AddressText(network, c)));

    /// <summary>
    /// <c>net0: network Routed, vme7b9a73a1.0 - eth0, mac 02:…, 192.168.200.201</c>, and
    /// <c>, unprotected mac,server</c> when protections are switched off (every one is on by default).
    /// </summary>
    public static string Describe(Vm vm, Adapter a, Network? network)
    {
        var line = $"{a.Name}: network {a.Network}, {vm.HostInterface(a.Index)} - {Naming.GuestInterface(a.Index)}, mac {a.Mac}, addresses {Addresses(network, a)}";
        if (a.Gateway is { } gw) line += $", gateway {gw}";
        else if (network?.Gateway is { } routed) line += $", via {routed}";
        if (a.Gateway6 is { } gw6) line += $", gateway {gw6}";
        // A routed network's IPv6 gateway is named when it is not the default fe80::ffff:1:1.
        else if (network?.Gateway6Given is { } routed6 && a.Addresses.Any(c => c.Family == IpFamily.Ipv6)) line += $", via {routed6}";
        if (a.Protections != Model.Protections.All) line += $", unprotected {string.Join(",", ProtectionNames.Names(Model.Protections.All & ~a.Protections))}";
        return line;
    }
}

using System.Text;

namespace Hostnet.Model;

/// <summary>
/// A VM's network as cloud-init's NoCloud data source takes it (<c>network-config</c>, version 2, the netplan
/// schema): each adapter matched by its MAC and named <c>eth&lt;index&gt;</c>, its addresses, its routes, the
/// network's DNS servers. A host-routed adapter's addresses are host addresses and its default routes go via
/// the gateways on the link (<c>on-link</c>): they are on no subnet of the guest's.
/// </summary>
public static class CloudInit
{
    /// <summary>The <c>network-config</c> YAML of <paramref name="vm"/> in <paramref name="state"/>.</summary>
    public static string NetworkConfig(Vm vm, DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(state);
        var y = new StringBuilder();
        y.Append("version: 2\n");
        if (vm.Adapters.Count == 0)
        {
            y.Append("ethernets: {}\n");
            return y.ToString();
        }
        y.Append("ethernets:\n");
        foreach (var adapter in vm.Adapters.OrderBy(a => a.Index))
        {
            var network = state.FindNetwork(adapter.Network);
            var name = Naming.GuestInterface(adapter.Index);
            y.Append("  ").Append(name).Append(":\n");
            y.Append("    match:\n");
            y.Append("      macaddress: \"").Append(adapter.Mac).Append("\"\n");
            y.Append("    set-name: ").Append(name).Append('\n');
            y.Append("    dhcp4: false\n");
            y.Append("    dhcp6: false\n");
            var routed = network?.Mode == NetworkMode.HostRouted;
            if (adapter.Addresses.Count > 0)
            {
                y.Append("    addresses:\n");
                foreach (var a in adapter.Addresses) y.Append("      - ").Append(routed ? IpPrefix.Host(a.Address) : a).Append('\n');
            }
            var routes = new List<(string To, IpAddress Via, bool OnLink)>();
            foreach (var family in (ReadOnlySpan<IpFamily>)[IpFamily.Ipv4, IpFamily.Ipv6])
            {
                if (!adapter.Addresses.Any(a => a.Family == family)) continue;
                var to = family == IpFamily.Ipv4 ? "0.0.0.0/0" : "::/0";
                if (routed && network!.GatewayOf(family) is { } gateway) routes.Add((to, gateway, true));
                else if (!routed && adapter.Gateway is { } gw && gw.Family == family) routes.Add((to, gw, false));
            }
            if (routes.Count > 0)
            {
                y.Append("    routes:\n");
                foreach (var (to, via, onLink) in routes)
                {
                    y.Append("      - to: ").Append(to).Append('\n');
                    y.Append("        via: ").Append(via).Append('\n');
                    if (onLink) y.Append("        on-link: true\n");
                }
            }
            if (network is { Dns.Count: > 0 })
            {
                y.Append("    nameservers:\n");
                y.Append("      addresses: [").Append(string.Join(", ", network.Dns)).Append("]\n");
            }
        }
        return y.ToString();
    }
}

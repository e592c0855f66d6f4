using Hostnet.Model;

namespace Hostnet.Engine.Dhcp;

/// <summary>
/// What Hostnet tells one adapter's guest by DHCP: on <paramref name="Interface"/> (its vme), to
/// <paramref name="Mac"/> only, its first IPv4 address. Derived from the desired state and nothing else, so that a
/// lease is the same before and after the daemon restarts.
/// </summary>
/// <param name="Interface">The vme the guest's requests come in on.</param>
/// <param name="Mac">The adapter's MAC: the only client answered.</param>
/// <param name="Address">The address with the prefix the guest gets: /32 on a host-routed network.</param>
/// <param name="Router">The guest's default router: the network's gateway (routed), the adapter's (bridged); null: none.</param>
/// <param name="ServerIdentifier">The server's identifier in the answers: the gateway the guest reaches it through.</param>
/// <param name="Routes">Option 121's routes; empty on a bridged network, where the router is on the guest's subnet.</param>
/// <param name="Dns">The network's DNS servers (option 6).</param>
public sealed record DhcpLease(string Interface, MacAddress Mac, IpPrefix Address, IpAddress? Router, IpAddress ServerIdentifier,
    IReadOnlyList<(IpPrefix Destination, IpAddress Router)> Routes, IReadOnlyList<IpAddress> Dns)
{
    /// <summary>A day: a guest renews at half of it (T1) and rebinds at seven eighths (T2), RFC 2131's defaults.</summary>
    public static readonly uint LeaseSeconds = 86400;

    public bool Equals(DhcpLease? other) =>
        other is not null && Interface == other.Interface && Mac == other.Mac && Address == other.Address && Router == other.Router
        && ServerIdentifier == other.ServerIdentifier && Routes.SequenceEqual(other.Routes) && Dns.SequenceEqual(other.Dns);

    public override int GetHashCode() => HashCode.Combine(Interface, Mac, Address);

    /// <summary>The leases of the running VMs' adapters on networks that answer DHCP, by vme.</summary>
    public static IReadOnlyDictionary<string, DhcpLease> Of(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var leases = new Dictionary<string, DhcpLease>(StringComparer.Ordinal);
        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            foreach (var adapter in vm.Adapters)
            {
                if (state.FindNetwork(adapter.Network) is not { AnswersDhcp: true } network) continue;
                if (adapter.Addresses.FirstOrDefault(a => a.Family == IpFamily.Ipv4) is not { PrefixLength: > 0 } address) continue;
                string vme = vm.HostInterface(adapter.Index);
                leases[vme] = network.Mode == NetworkMode.HostRouted
                    ? Routed(vme, adapter, address, network.Gateway ?? IpAddress.DefaultRoutedGateway, network.Dns)
                    : Bridged(vme, adapter, address, network.Dns);
            }
        }
        return leases;
    }

    private static DhcpLease Routed(string vme, Adapter adapter, IpPrefix address, IpAddress gateway, IReadOnlyList<IpAddress> dns) =>
        new(vme, adapter.Mac, IpPrefix.Host(address.Address), gateway, gateway,
            // The gateway is on no subnet of the guest's: a host route to it on the link first, then the default through it.
            [(IpPrefix.Host(gateway), IpAddress.Any), (IpPrefix.Default(IpFamily.Ipv4), gateway)], dns);

    private static DhcpLease Bridged(string vme, Adapter adapter, IpPrefix address, IReadOnlyList<IpAddress> dns) =>
        // The server has no address of its own on a bridged guest's link: the router (or, without one, the guest's
        // own subnet's first address) stands as the identifier, which a renewal is sent to and the vme's tap reads.
        new(vme, adapter.Mac, address, adapter.Gateway, adapter.Gateway ?? new IpAddress(IpFamily.Ipv4, address.Network.Value + 1),
            [], dns);
}

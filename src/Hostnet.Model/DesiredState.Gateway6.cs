namespace Hostnet.Model;

public sealed partial record DesiredState
{
    /// <summary>
    /// The state with host-routed network <paramref name="name"/>'s IPv6 gateway replaced by
    /// <paramref name="gateway6"/> (null: the default <c>fe80::ffff:1:1</c>).
    /// </summary>
    public DesiredState SetGateway6(string name, IpAddress? gateway6)
    {
        var network = GetNetwork(name);
        if (network.Mode != NetworkMode.HostRouted)
        {
            throw new ValidationException("bridged-network-gateway", "a bridged network has no gateway of its own", new Remedy.AdapterGateways());
        }
        if (gateway6 is { } gw6) CheckNetworkGateway6(name, gw6);
        var changed = network with { Gateway6 = gateway6 };
        var index = Index;
        var networks = AsImmutable(Networks).Replace(network, changed, ReferenceEqualityComparer.Instance);
        return With(networks, Vms, index with { Networks = index.Networks.SetItem(name, changed) });
    }

    private void CheckNetworkGateway6(string network, IpAddress gateway6)
    {
        StateRules.CheckRoutedGateway6(gateway6);
        if (FindAddressHolder(gateway6) is { } holder)
        {
            throw new ValidationException("gateway-held",
                $"{gateway6} is held by {holder} and cannot be the gateway of network {network}", new Remedy.OtherNetworkGateway6(),
                ("gateway", gateway6.ToString()), ("holder", holder.ToString()), ("network", network));
        }
    }
}

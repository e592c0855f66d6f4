namespace Hostnet.Model;

public sealed partial record DesiredState
{
    /// <summary>The state with network <paramref name="name"/>'s server ports replaced by <paramref name="ports"/> (none: an empty list).</summary>
    public DesiredState SetServerPorts(string name, IReadOnlyList<ServerPort> ports)
    {
        var network = GetNetwork(name);
        var changed = network with { ServerPorts = ports };
        var index = Index;
        var networks = AsImmutable(Networks).Replace(network, changed, ReferenceEqualityComparer.Instance);
        return With(networks, Vms, index with { Networks = index.Networks.SetItem(name, changed) });
    }
}

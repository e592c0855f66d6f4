using System.Collections.Immutable;

namespace Hostnet.Model;

public sealed partial record DesiredState
{
    // Built on first use for exactly these two lists; an edit hands the next state an updated
    // copy (immutable dictionaries share structure, so that costs O(log n)). A state made with
    // `with { Vms = … }` holds other lists and so builds its own.
    private StateIndex? _index;

    private StateIndex Index
    {
        get
        {
            var i = _index;
            if (i is null || !ReferenceEquals(i.ForNetworks, Networks) || !ReferenceEquals(i.ForVms, Vms))
            {
                i = StateIndex.Build(Networks, Vms);
                _index = i;
            }
            return i;
        }
    }

    private static DesiredState With(IReadOnlyList<Network> networks, IReadOnlyList<Vm> vms, StateIndex index) =>
        new(networks, vms) { _index = index with { ForNetworks = networks, ForVms = vms } };

    /// <summary>An entry of the MAC index, which is keyed by host side: two guest MACs with one host side collide.</summary>
    private readonly record struct MacHolder(AdapterId Id, MacAddress Mac);

    private sealed record StateIndex(
        IReadOnlyList<Network> ForNetworks,
        IReadOnlyList<Vm> ForVms,
        ImmutableDictionary<string, Network> Networks,
        ImmutableDictionary<string, Vm> Vms,
        ImmutableDictionary<uint, string> HostPrefixes,
        ImmutableDictionary<string, string> Netns,
        ImmutableDictionary<IpAddress, AdapterId> Addresses,
        ImmutableDictionary<MacAddress, MacHolder> Macs)
    {
        public static StateIndex Build(IReadOnlyList<Network> networks, IReadOnlyList<Vm> vms)
        {
            var byName = ImmutableDictionary.CreateBuilder<string, Network>(StringComparer.Ordinal);
            foreach (var n in networks) byName[n.Name] = n;
            var vmsByName = ImmutableDictionary.CreateBuilder<string, Vm>(StringComparer.Ordinal);
            var prefixes = ImmutableDictionary.CreateBuilder<uint, string>();
            var netns = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            var addresses = ImmutableDictionary.CreateBuilder<IpAddress, AdapterId>();
            var macs = ImmutableDictionary.CreateBuilder<MacAddress, MacHolder>();
            foreach (var vm in vms)
            {
                vmsByName[vm.Name] = vm;
                prefixes[Naming.HostInterfacePrefix(vm.Uuid)] = vm.Name;
                if (vm.Guest.NetnsName is { } ns) netns[ns] = vm.Name;
                foreach (var a in vm.Adapters)
                {
                    var id = new AdapterId(vm.Name, a.Index);
                    // First come, as MacProblems reads them: a state an older release wrote may hold a later
                    // adapter with the same host side, and that one is named to be changed.
                    macs.TryAdd(a.Mac.HostSide(), new MacHolder(id, a.Mac));
                    foreach (var c in a.Addresses) addresses[c.Address] = id;
                }
            }
            return new StateIndex(networks, vms, byName.ToImmutable(), vmsByName.ToImmutable(), prefixes.ToImmutable(),
                netns.ToImmutable(), addresses.ToImmutable(), macs.ToImmutable());
        }
    }
}

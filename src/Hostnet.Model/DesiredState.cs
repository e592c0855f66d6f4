using System.Collections.Immutable;

namespace Hostnet.Model;

/// <summary>
/// Everything the admin asked for on this server: its networks and its VMs with
/// their adapters. Immutable; each edit checks <see cref="StateRules"/> and
/// returns a new state, or throws <see cref="ValidationException"/> and leaves
/// this one as it was. Lookups and the "already in use" checks go through
/// indexes (by name, address, MAC, host interface), so an edit costs O(log n),
/// not a walk over every VM.
/// </summary>
public sealed partial record DesiredState(IReadOnlyList<Network> Networks, IReadOnlyList<Vm> Vms)
{
    public static DesiredState Empty { get; } = new(ImmutableList<Network>.Empty, ImmutableList<Vm>.Empty);

    public Network? FindNetwork(string name) => Index.Networks.GetValueOrDefault(name);

    public Vm? FindVm(string name) => Index.Vms.GetValueOrDefault(name);

    /// <summary>The network named <paramref name="name"/>, or a refusal that says how to list them.</summary>
    public Network GetNetwork(string name) =>
        FindNetwork(name) ?? throw new ValidationException("network-not-found", $"there is no network named '{name}'", new Remedy.ListNetworks(), ("network", name));

    /// <summary>The VM named <paramref name="name"/>, or a refusal that says how to list them.</summary>
    public Vm GetVm(string name) =>
        FindVm(name) ?? throw new ValidationException("vm-not-found", $"there is no VM named '{name}'", new Remedy.ListVms(), ("vm", name));

    /// <summary>Adapter <paramref name="index"/> of VM <paramref name="vmName"/>, or a refusal.</summary>
    public Adapter GetAdapter(string vmName, int index) =>
        GetVm(vmName).FindAdapter(index)
        ?? throw new ValidationException("adapter-not-found", $"VM {vmName} has no adapter net{index}", new Remedy.ShowVm(vmName),
            ("vm", vmName), ("adapter", $"net{index}"));

    /// <summary>The adapter that holds <paramref name="address"/> on this server, if any.</summary>
    public AdapterId? FindAddressHolder(IpAddress address) =>
        Index.Addresses.TryGetValue(address, out var id) ? id : null;

    /// <summary>The adapter whose guest MAC is <paramref name="mac"/>, if any.</summary>
    public AdapterId? FindMacHolder(MacAddress mac) =>
        Index.Macs.TryGetValue(mac.HostSide(), out var holder) && holder.Mac == mac ? holder.Id : null;

    /// <summary>
    /// The generated MAC for adapter <paramref name="adapterIndex"/> of the VM with <paramref name="vmUuid"/>
    /// (<see cref="MacAddress.Generate"/>): the first candidate whose host side no adapter here has, nor
    /// any of <paramref name="alsoTaken"/> (adapters not yet in the state, as import reads them).
    /// </summary>
    public MacAddress NewMac(Guid vmUuid, int adapterIndex, IEnumerable<MacAddress>? alsoTaken = null)
    {
        var taken = alsoTaken?.Select(m => m.HostSide()).ToHashSet() ?? [];
        for (var attempt = 0; ; attempt++)
        {
            var mac = MacAddress.Generate(vmUuid, adapterIndex, attempt);
            if (!Index.Macs.ContainsKey(mac.HostSide()) && !taken.Contains(mac.HostSide())) return mac;
        }
    }

    /// <summary>
    /// What an older release let into the state and the rules now refuse: a guest MAC that is a host side
    /// (first byte <c>fe</c>: the guest has its vme's MAC, and a bridge keeps frames for it), and guest MACs
    /// that share one host side. Nothing is changed for them — a guest's MAC is part of its configuration —
    /// but each is one line that says which new MAC to give.
    /// </summary>
    public IEnumerable<Problem> MacProblems()
    {
        var byHostSide = new Dictionary<MacAddress, AdapterId>();
        foreach (var vm in Vms)
        {
            foreach (var a in vm.Adapters)
            {
                var id = new AdapterId(vm.Name, a.Index);
                if (a.Mac.IsHostSide)
                {
                    yield return new Problem("mac-host-side", $"{id} has MAC {a.Mac}, which begins with fe like the server side of every VM adapter: its own {vm.HostInterface(a.Index)} has that MAC too, so it is unreachable through a bridge", Fix(vm, a));
                }
                else if (byHostSide.TryGetValue(a.Mac.HostSide(), out var other))
                {
                    yield return new Problem("mac-host-side-clash", $"{id} has MAC {a.Mac}, which differs from {other}'s only in its first byte: both server sides get {a.Mac.HostSide()}", Fix(vm, a));
                }
                byHostSide.TryAdd(a.Mac.HostSide(), id);
            }
        }

        Remedy Fix(Vm vm, Adapter a) => new Remedy.SetAdapterMac(vm.Name, a.Name, RemoveAdapter(vm.Name, a.Index).NewMac(vm.Uuid, a.Index));
    }

    /// <summary>Every adapter connected to network <paramref name="network"/>, with its VM.</summary>
    public IEnumerable<(Vm Vm, Adapter Adapter)> AdaptersOn(string network)
    {
        foreach (var vm in Vms)
        {
            foreach (var a in vm.Adapters)
            {
                if (a.Network == network) yield return (vm, a);
            }
        }
    }

    /// <summary>
    /// A fresh random UUID for a new VM whose host interface names (<c>vme%08x</c>, 31 bits of it)
    /// no VM here has yet: among thousands of VMs, two random UUIDs share those bits now and then.
    /// </summary>
    public Guid NewVmUuid()
    {
        while (true)
        {
            var uuid = Guid.NewGuid();
            if (!Index.HostPrefixes.ContainsKey(Naming.HostInterfacePrefix(uuid))) return uuid;
        }
    }

    public DesiredState AddNetwork(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        StateRules.CheckNetworkName(network.Name);
        if (FindNetwork(network.Name) is not null)
        {
            throw new ValidationException("network-exists",
                $"a network named {network.Name} already exists: choose another name", new Remedy.RemoveNetwork(network.Name), ("network", network.Name));
        }
        StateRules.CheckInterfaceName(network.Uplink, "uplink");
        if (network.Mode == NetworkMode.Bridged)
        {
            if (network.Bridge is null)
            {
                throw new ValidationException("bridge-missing", $"bridged network {network.Name} needs a bridge", new Remedy.GiveBridge(), ("network", network.Name));
            }
            StateRules.CheckInterfaceName(network.Bridge, "bridge");
            if (network.Bridge == network.Uplink)
            {
                throw new ValidationException(
                    "bridge-is-uplink", $"the bridge and the uplink of network {network.Name} are both {network.Uplink}: give the bridge a name of its own, e.g. br1");
            }
            if (network.Gateway is not null || network.Gateway6Given is not null)
            {
                throw new ValidationException("bridged-network-gateway", "a bridged network has no gateway of its own", new Remedy.AdapterGateways());
            }
            foreach (var other in Networks)
            {
                if (other.Mode == NetworkMode.Bridged && other.Bridge == network.Bridge && other.Uplink != network.Uplink)
                {
                    throw new ValidationException(
                        "bridge-joins-other-uplink", $"bridge {network.Bridge} already joins uplink {other.Uplink} (network {other.Name}): give network {network.Name} another bridge, or uplink {other.Uplink}");
                }
                if (other.Mode == NetworkMode.Bridged && other.Uplink == network.Uplink && other.Bridge != network.Bridge)
                {
                    // An uplink is a port of one bridge: the second would never be made.
                    throw new ValidationException(
                        "uplink-in-other-bridge", $"uplink {network.Uplink} is already a port of bridge {other.Bridge} (network {other.Name}): give network {network.Name} bridge {other.Bridge} too, or another uplink");
                }
                if (other.Mode == NetworkMode.Bridged && other.Bridge == network.Uplink)
                {
                    throw new ValidationException("uplink-is-a-bridge",
                        $"{network.Uplink} is the bridge of network {other.Name} and cannot be an uplink to another bridge", new Remedy.PhysicalUplink(),
                        ("uplink", network.Uplink), ("network", other.Name));
                }
            }
        }
        else
        {
            if (network.Bridge is not null)
            {
                throw new ValidationException("host-routed-network-bridge", "a host-routed network has no bridge", new Remedy.OmitBridge());
            }
            if (network.Gateway is null)
            {
                throw new ArgumentException("a host-routed network has a gateway; use Network.HostRouted", nameof(network));
            }
            StateRules.CheckRoutedGateway(network.Gateway.Value);
            if (FindAddressHolder(network.Gateway.Value) is { } holder)
            {
                throw new ValidationException("gateway-held",
                    $"{network.Gateway} is held by {holder} and cannot be the gateway of network {network.Name}", new Remedy.OtherNetworkGateway(),
                    ("gateway", network.Gateway.ToString()!), ("holder", holder.ToString()), ("network", network.Name));
            }
            if (network.Gateway6Given is { } gw6) CheckNetworkGateway6(network.Name, gw6);
        }
        var index = Index;
        var networks = AsImmutable(Networks).Add(network);
        return With(networks, Vms, index with { Networks = index.Networks.Add(network.Name, network) });
    }

    public DesiredState RemoveNetwork(string name)
    {
        var network = GetNetwork(name);
        var users = AdaptersOn(name).Select(u => new AdapterId(u.Vm.Name, u.Adapter.Index)).ToList();
        if (users.Count > 0)
        {
            var more = users.Count == 1 ? "" : $" and {users.Count - 1} more";
            throw new ValidationException("network-in-use",
                $"network {name} is still used by {users[0]}{more}", new Remedy.MoveAdapters(), ("network", name));
        }
        var index = Index;
        var networks = AsImmutable(Networks).Remove(network, ReferenceEqualityComparer.Instance);
        return With(networks, Vms, index with { Networks = index.Networks.Remove(name) });
    }

    /// <summary>Adds a VM with the adapters it already has (import gives them; the CLI adds them later).</summary>
    public DesiredState AddVm(Vm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        StateRules.CheckVmName(vm.Name);
        if (FindVm(vm.Name) is not null)
        {
            throw new ValidationException("vm-exists",
                $"a VM named {vm.Name} already exists: choose another name", new Remedy.RemoveVm(vm.Name), ("vm", vm.Name));
        }
        if (vm.Uuid == Guid.Empty)
        {
            throw new ValidationException("uuid-zero", "the all-zero UUID cannot be a VM's", new Remedy.OtherUuid());
        }
        var prefix = Naming.HostInterfacePrefix(vm.Uuid);
        if (Index.HostPrefixes.TryGetValue(prefix, out var clash))
        {
            throw new ValidationException("host-interface-names-clash",
                $"VM {vm.Name}'s host interfaces would have the names of VM {clash}'s ({Naming.HostInterface(vm.Uuid, 0)}, ...): their UUIDs begin alike (bit 31 aside)",
                new Remedy.OtherVmUuid(vm.Name), ("vm", vm.Name), ("other", clash));
        }
        if (vm.Guest.Kind == GuestKind.Netns)
        {
            if (vm.Guest.NetnsName is null) throw new ArgumentException("a netns guest has a namespace name", nameof(vm));
            StateRules.CheckNetnsName(vm.Guest.NetnsName);
            if (Index.Netns.TryGetValue(vm.Guest.NetnsName, out var owner))
            {
                throw new ValidationException("guest-netns-taken",
                    $"network namespace {vm.Guest.NetnsName} is already the guest of VM {owner}", new Remedy.OtherGuestNetns(),
                    ("netns", vm.Guest.NetnsName!), ("vm", owner));
            }
        }
        var index = Index;
        var adapters = vm.Adapters.OrderBy(a => a.Index).ToImmutableList();
        for (var i = 0; i < adapters.Count; i++)
        {
            if (i > 0 && adapters[i].Index == adapters[i - 1].Index)
            {
                throw new ValidationException("adapter-index-twice", $"VM {vm.Name} has two adapters net{adapters[i].Index}: give each adapter its own index");
            }
            index = CheckAdapter(index, new AdapterId(vm.Name, adapters[i].Index), adapters[i], null);
        }
        vm = vm with { Adapters = adapters };
        return With(Networks, AsImmutable(Vms).Add(vm), index with
        {
            Vms = index.Vms.Add(vm.Name, vm),
            HostPrefixes = index.HostPrefixes.Add(prefix, vm.Name),
            Netns = vm.Guest.Kind == GuestKind.Netns ? index.Netns.Add(vm.Guest.NetnsName!, vm.Name) : index.Netns,
        });
    }

    public DesiredState RemoveVm(string name)
    {
        var vm = GetVm(name);
        var index = Index;
        var addresses = index.Addresses;
        var macs = index.Macs;
        foreach (var a in vm.Adapters)
        {
            addresses = addresses.RemoveRange(a.Addresses.Select(c => c.Address));
            macs = WithoutMac(macs, new AdapterId(name, a.Index), a.Mac);
        }
        return With(Networks, AsImmutable(Vms).Remove(vm, ReferenceEqualityComparer.Instance), index with
        {
            Vms = index.Vms.Remove(name),
            HostPrefixes = index.HostPrefixes.Remove(Naming.HostInterfacePrefix(vm.Uuid)),
            Netns = vm.Guest.Kind == GuestKind.Netns ? index.Netns.Remove(vm.Guest.NetnsName!) : index.Netns,
            Addresses = addresses,
            Macs = macs,
        });
    }

    public DesiredState SetRunning(string vmName, bool running)
    {
        var vm = GetVm(vmName);
        return vm.Running == running ? this : ReplaceVm(vm, vm with { Running = running }, Index);
    }

    /// <summary>Adds <paramref name="adapter"/> (index, MAC and addresses all given) to VM <paramref name="vmName"/>.</summary>
    public DesiredState AddAdapter(string vmName, Adapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var vm = GetVm(vmName);
        if (vm.FindAdapter(adapter.Index) is not null)
        {
            throw new ValidationException("adapter-exists",
                $"VM {vmName} already has an adapter net{adapter.Index}", new Remedy.SetAdapter(vmName, $"net{adapter.Index}"),
                ("vm", vmName), ("adapter", $"net{adapter.Index}"));
        }
        var id = new AdapterId(vmName, adapter.Index);
        var index = CheckAdapter(Index, id, adapter, null);
        return ReplaceVm(vm, vm with { Adapters = vm.Adapters.Append(adapter).OrderBy(a => a.Index).ToImmutableList() }, index);
    }

    /// <summary>Replaces the adapter of VM <paramref name="vmName"/> that has <paramref name="adapter"/>'s index.</summary>
    public DesiredState SetAdapter(string vmName, Adapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var vm = GetVm(vmName);
        var old = GetAdapter(vmName, adapter.Index);
        var id = new AdapterId(vmName, adapter.Index);
        var index = CheckAdapter(Index, id, adapter, old);
        return ReplaceVm(vm, vm with { Adapters = vm.Adapters.Select(a => a.Index == adapter.Index ? adapter : a).ToImmutableList() }, index);
    }

    public DesiredState RemoveAdapter(string vmName, int adapterIndex)
    {
        var vm = GetVm(vmName);
        var old = GetAdapter(vmName, adapterIndex);
        var index = Index;
        index = index with
        {
            Addresses = index.Addresses.RemoveRange(old.Addresses.Select(c => c.Address)),
            Macs = WithoutMac(index.Macs, new AdapterId(vmName, adapterIndex), old.Mac),
        };
        return ReplaceVm(vm, vm with { Adapters = vm.Adapters.Where(a => a.Index != adapterIndex).ToImmutableList() }, index);
    }

    /// <summary>
    /// A new adapter for VM <paramref name="vmName"/> from what the user typed: the lowest free index,
    /// the addresses parsed for the network's mode, the MAC given or generated. Not yet checked
    /// against the rest of the state: pass it to <see cref="AddAdapter"/>.
    /// </summary>
    public Adapter NewAdapter(string vmName, string network, IReadOnlyList<string> ips, string? gateway, string? mac, string? gateway6 = null)
    {
        ArgumentNullException.ThrowIfNull(ips);
        var vm = GetVm(vmName);
        var net = GetNetwork(network);
        var next = 0;
        while (vm.FindAdapter(next) is not null) next++;
        var (first, second) = StateRules.ParseAdapterGateways(gateway, gateway6);
        return new Adapter(
            next,
            net.Name,
            mac is null ? NewMac(vm.Uuid, next) : StateRules.ParseMac(mac),
            ips.Select(ip => StateRules.ParseVmAddress(net, ip)).ToImmutableList(),
            null).WithGateways(first, second);
    }

    /// <summary>
    /// Adapter <paramref name="adapterRef"/> of VM <paramref name="vmName"/> with what the user changed;
    /// what is null stays (given addresses replace all of them; a move to a host-routed network drops
    /// the adapter's own gateway; the gateways given replace both it had). Pass it to <see cref="SetAdapter"/>.
    /// </summary>
    public Adapter ChangedAdapter(string vmName, string adapterRef, string? network, IReadOnlyList<string>? ips, string? gateway, string? mac,
        bool clearAddresses = false, bool clearGateway = false, string? gateway6 = null)
    {
        var old = GetAdapter(vmName, StateRules.ParseAdapterIndex(adapterRef));
        var net = GetNetwork(network ?? old.Network);
        if (clearAddresses && ips is { Count: > 0 }) throw new ValidationException(RefusalCodes.AddressesGivenAndCleared, "addresses cannot be given and cleared at once");
        if (clearGateway && (gateway ?? gateway6) is not null) throw new ValidationException(RefusalCodes.GatewayGivenAndCleared, "a gateway cannot be given and cleared at once");
        var addresses = clearAddresses ? ImmutableList<IpPrefix>.Empty
            : ips is { Count: > 0 } ? ips.Select(ip => StateRules.ParseVmAddress(net, ip)).ToImmutableList()
            : old.Addresses;
        var (first, second) = (gateway ?? gateway6) is not null ? StateRules.ParseAdapterGateways(gateway, gateway6)
            : clearGateway || net.Mode == NetworkMode.HostRouted ? (null, null)
            : (old.Gateway, old.Gateway6);
        return (old with
        {
            Network = net.Name,
            Addresses = addresses,
            Mac = mac is null ? old.Mac : StateRules.ParseMac(mac),
        }).WithGateways(first, second);
    }

    /// <summary>Checks an adapter against its network and every other adapter; returns the index with it in.</summary>
    private StateIndex CheckAdapter(StateIndex index, AdapterId id, Adapter adapter, Adapter? replacing)
    {
        var network = GetNetwork(adapter.Network);
        StateRules.CheckAdapterShape(network, adapter);
        var addresses = index.Addresses;
        var macs = index.Macs;
        if (replacing is not null)
        {
            addresses = addresses.RemoveRange(replacing.Addresses.Select(c => c.Address));
            macs = WithoutMac(macs, id, replacing.Mac);
        }
        if (macs.TryGetValue(adapter.Mac.HostSide(), out var macHolder))
        {
            throw macHolder.Mac == adapter.Mac
                ? new ValidationException("mac-taken", $"MAC {adapter.Mac} is already used by {macHolder.Id}", new Remedy.OtherMac(),
                    ("mac", adapter.Mac.ToString()), ("holder", macHolder.Id.ToString()))
                : new ValidationException("mac-host-side-clash",
                    $"MAC {adapter.Mac} differs from {macHolder.Id}'s {macHolder.Mac} only in its first byte, so both server sides would get {adapter.Mac.HostSide()}",
                    new Remedy.OtherMac(), ("mac", adapter.Mac.ToString()), ("holder", macHolder.Id.ToString()));
        }
        foreach (var cidr in adapter.Addresses)
        {
            if (addresses.TryGetValue(cidr.Address, out var holder))
            {
                throw new ValidationException(
                    "address-held", $"{cidr.Address} is already held by {holder}: choose another address, or remove it there first");
            }
            if (Networks.FirstOrDefault(n => n.Mode == NetworkMode.HostRouted && (n.Gateway == cidr.Address || n.Gateway6 == cidr.Address)) is { } gwOf)
            {
                throw new ValidationException(
                    "address-is-network-gateway", $"{cidr.Address} is the gateway of network {gwOf.Name} and cannot be a VM address: choose another address");
            }
            addresses = addresses.Add(cidr.Address, id);
        }
        return index with { Addresses = addresses, Macs = macs.Add(adapter.Mac.HostSide(), new MacHolder(id, adapter.Mac)) };
    }

    // A state an older release wrote may hold two MACs with one host side; the index holds one of
    // them, and removing the other must not drop it.
    private static ImmutableDictionary<MacAddress, MacHolder> WithoutMac(ImmutableDictionary<MacAddress, MacHolder> macs, AdapterId id, MacAddress mac) =>
        macs.TryGetValue(mac.HostSide(), out var holder) && holder.Id == id ? macs.Remove(mac.HostSide()) : macs;

    private DesiredState ReplaceVm(Vm old, Vm updated, StateIndex index) =>
        With(Networks, AsImmutable(Vms).Replace(old, updated, ReferenceEqualityComparer.Instance),
            index with { Vms = index.Vms.SetItem(updated.Name, updated) });

    private static ImmutableList<T> AsImmutable<T>(IReadOnlyList<T> list) =>
        list as ImmutableList<T> ?? ImmutableList.CreateRange(list);

    public bool Equals(DesiredState? other) =>
        other is not null && Networks.SequenceEqual(other.Networks) && Vms.SequenceEqual(other.Vms);

    public override int GetHashCode() => HashCode.Combine(Networks.Count, Vms.Count);
}

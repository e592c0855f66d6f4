using Hostnet.Engine;
using Hostnet.Model;

namespace Hostnet.Agent.Contracts;

/// <summary>The model and the engine's read models as contract documents.</summary>
public static class ToDocument
{
    public static NetworkDocument Network(Network n) =>
        new(n.Name, Model.Network.ModeName(n.Mode), n.Uplink, n.Bridge, n.Gateway?.ToString())
        {
            Gateway6 = n.Gateway6Given?.ToString(),
            ServerPorts = n.ServerPorts.Count == 0 ? null : n.ServerPorts.Select(p => p.ToString()).ToList(),
            Dhcp = n.Dhcp,
            Dns = n.Dns.Count == 0 ? null : n.Dns.Select(a => a.ToString()).ToList(),
        };

    public static NetworkDetailsDocument NetworkDetails(Network net, IEnumerable<(Vm Vm, Adapter Adapter)> users) =>
        new(net.Name, Model.Network.ModeName(net.Mode), net.Uplink, net.Bridge, net.Gateway?.ToString(),
            users.Select(u => new NetworkAdapterDocument(u.Vm.Name, u.Adapter.Name, u.Vm.HostInterface(u.Adapter.Index),
                u.Adapter.Addresses.Select(c => AddressText(net, c)).ToList())).ToList())
        {
            Gateway6 = net.Gateway6Given?.ToString(),
            ServerPorts = net.ServerPorts.Count == 0 ? null : net.ServerPorts.Select(p => p.ToString()).ToList(),
            Dhcp = net.Dhcp,
            Dns = net.Dns.Count == 0 ? null : net.Dns.Select(a => a.ToString()).ToList(),
        };

    /// <param name="vm">The VM.</param>
    /// <param name="state">The state it is in (its networks).</param>
    /// <param name="details">For <c>vm show</c>: adapter names and modes, interface names, QEMU's arguments.</param>
    /// <param name="pendingApply">Whether the kernel has not followed the VM's last change yet; null leaves the field out (export).</param>
    public static VmDocument Vm(Vm vm, DesiredState state, bool details, bool? pendingApply = null)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(state);
        return new VmDocument(vm.Name, vm.Uuid.ToString("D"), vm.Guest.ToString(), vm.Running, pendingApply,
            vm.Adapters.Select(a => Adapter(vm, a, state.FindNetwork(a.Network), details)).ToList(),
            details && vm.Guest.Kind == GuestKind.Tap ? Model.Qemu.NetdevArguments(vm).ToList() : null);
    }

    public static AdapterDocument Adapter(Vm vm, Adapter a, Network? network, bool details)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(a);
        return new AdapterDocument(
            a.Index,
            details ? a.Name : null,
            a.Network,
            details && network is not null ? Model.Network.ModeName(network.Mode) : null,
            a.Addresses.Select(c => AddressText(network, c)).ToList(),
            a.Gateway?.ToString(),
            a.Mac.ToString(),
            details ? vm.HostInterface(a.Index) : null,
            details ? a.Mac.HostSide().ToString() : null,
            details ? Naming.GuestInterface(a.Index) : null)
        {
            Unprotected = a.Protections == Protections.All ? null : ProtectionNames.Names(Protections.All & ~a.Protections),
            Gateway6 = a.Gateway6?.ToString(),
        };
    }

    /// <summary>The whole state as <c>export</c> prints it.</summary>
    public static StateDocument State(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new StateDocument(state.Networks.Select(Network).ToList(), state.Vms.Select(vm => Vm(vm, state, details: false)).ToList());
    }

    /// <param name="plan">The steps.</param>
    /// <param name="problems">The problems the plan met, each as one line in the front end's words.</param>
    public static PlanDocument Plan(PlannedChanges plan, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new PlanDocument(plan.IsEmpty,
            plan.Steps.Select(s => new PlanStepDocument(s.Change.ToString().ToLowerInvariant(), s.Netns, s.Object, s.Now)).ToList(),
            problems);
    }

    public static IReadOnlyList<ArpRowDocument> Arp(IEnumerable<ArpRow> rows) =>
        rows.Select(r => new ArpRowDocument(r.Address, r.HwType, r.HwAddress, r.Flags, r.Iface)).ToList();

    public static IReadOnlyList<RouteDocument> Routes(IEnumerable<OwnedRoute> routes) =>
        routes.Select(r => new RouteDocument(r.Destination, r.Gateway, r.Dev, r.Scope, "hostnet", r.Vm, r.Adapter)).ToList();

    public static QemuDocument Qemu(Vm vm, IReadOnlyList<GuestAdapterSettings> guest)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(guest);
        return new QemuDocument(vm.Name, vm.Running, Model.Qemu.NetdevArguments(vm).ToList(),
            guest.Select(g => new QemuAdapterDocument(g.Adapter.Name, g.Adapter.Network, Model.Network.ModeName(g.Mode),
                vm.HostInterface(g.Adapter.Index), g.Interface, g.Adapter.Mac.ToString(),
                g.Addresses.Select(c => c.ToString()).ToList(), g.Gateway?.ToString(), g.OnLinkGateway, g.IpCommands().ToList())
                {
                    Gateway6 = g.Gateway6?.ToString(),
                }).ToList());
    }

    /// <summary>A routed address is printed bare (it is always /32); a bridged one with its prefix.</summary>
    public static string AddressText(Network? network, IpPrefix c) =>
        network?.Mode == NetworkMode.HostRouted && c.IsHost ? c.Address.ToString() : c.ToString();
}

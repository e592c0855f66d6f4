using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>An adapter as a change left it, with its VM and its network (null if the state lacks it).</summary>
public sealed record AdapterView(Vm Vm, Adapter Adapter, Network? Network);

/// <summary>A VM's network adapters: add, change, remove; a running VM follows at once.</summary>
public sealed class AdapterService
{
    private readonly HostAgent _agent;

    internal AdapterService(HostAgent agent) => _agent = agent;

    /// <summary>Adds an adapter to <paramref name="vm"/> on <paramref name="network"/>; a MAC is generated when none is given.</summary>
    /// <remarks><paramref name="gateway6"/>: a dual-stack bridged adapter's IPv6 gateway beside the IPv4 <paramref name="gateway"/>.</remarks>
    public AdapterView Add(string vm, string network, IReadOnlyList<string> ips, string? gateway, string? mac,
        IReadOnlyList<string>? protect = null, IReadOnlyList<string>? noProtect = null, string? gateway6 = null)
    {
        var protections = ProtectionRules.Switch(Protections.All, protect, noProtect);
        // Whether the VM runs is known only inside the transaction: the lock comes first either way.
        using var kernel = _agent.TakeKernelLock();
        return _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var adapter = state.NewAdapter(vm, network, ips, gateway, mac, gateway6) with { Protections = protections };
            return Save(work, state, state.AddAdapter(vm, adapter), vm, adapter);
        });
    }

    /// <summary>Changes an adapter: what is given replaces what it had (<paramref name="ips"/> all addresses), the rest stays.</summary>
    public AdapterView Set(string vm, string adapter, string? network, IReadOnlyList<string>? ips, string? gateway, string? mac,
        bool clearAddresses, bool clearGateway, IReadOnlyList<string>? protect = null, IReadOnlyList<string>? noProtect = null, string? gateway6 = null)
    {
        ProtectionRules.Switch(Protections.All, protect, noProtect);
        using var kernel = _agent.TakeKernelLock();
        return _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var changed = state.ChangedAdapter(vm, adapter, network, ips, gateway, mac, clearAddresses: clearAddresses, clearGateway: clearGateway, gateway6: gateway6);
            changed = changed with { Protections = ProtectionRules.Switch(changed.Protections, protect, noProtect) };
            return Save(work, state, state.SetAdapter(vm, changed), vm, changed);
        });
    }

    /// <summary>Removes an adapter (<c>net0</c> or <c>0</c>); returns its index.</summary>
    public int Remove(string vm, string adapter)
    {
        var index = StateRules.ParseAdapterIndex(adapter);
        using var kernel = _agent.TakeKernelLock();
        _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var after = state.RemoveAdapter(vm, index);
            work.Tx.RemoveAdapter(vm, index);
            RunningVms.Changed(_agent, work, state.GetVm(vm), after.GetVm(vm), after);
            return 0;
        });
        return index;
    }

    /// <summary>Writes a validated adapter and lets a running VM follow.</summary>
    private AdapterView Save(UnitOfWork work, DesiredState before, DesiredState after, string vmName, Adapter adapter)
    {
        work.Tx.SaveAdapter(vmName, adapter);
        var vm = after.GetVm(vmName);
        RunningVms.Changed(_agent, work, before.GetVm(vmName), vm, after);
        return new AdapterView(vm, adapter, after.FindNetwork(adapter.Network));
    }
}

using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>A VM as a front end shows it: the VM, the state it is in, and whether the kernel has not followed its last change yet.</summary>
public sealed record VmView(Vm Vm, DesiredState State, bool PendingApply);

/// <summary>What a tap guest's QEMU needs, and each adapter's guest side.</summary>
public sealed record QemuConfig(Vm Vm, DesiredState State, IReadOnlyList<GuestAdapterSettings> Guest);

/// <summary>The VMs: add, list, show, remove, start, stop, and a tap guest's QEMU configuration.</summary>
public sealed class VmService
{
    private readonly HostAgent _agent;

    internal VmService(HostAgent agent) => _agent = agent;

    /// <summary>Adds a VM without adapters, not running; a new random UUID when none is given.</summary>
    public Vm Add(string name, string? uuid, string? guest)
    {
        StateRules.CheckVmName(name);
        var given = uuid is { } u ? StateRules.ParseUuid(u) : (Guid?)null;
        var g = StateRules.ParseGuest(guest, name);
        return _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var vm = new Vm(name, given ?? state.NewVmUuid(), g, false, []);
            state.AddVm(vm);
            work.Tx.AddVm(vm);
            return vm;
        });
    }

    /// <summary>Every VM, in the state's order, each with its pending mark.</summary>
    public IReadOnlyList<VmView> List()
    {
        var (state, pending) = _agent.LoadWithPending();
        return state.Vms.Select(vm => new VmView(vm, state, pending.Contains(vm.Name))).ToList();
    }

    public VmView Show(string name)
    {
        var (state, pending) = _agent.LoadWithPending();
        var vm = state.GetVm(name);
        return new VmView(vm, state, pending.Contains(vm.Name));
    }

    /// <summary>Removes a VM; a running one is stopped first, and its namespace removed if Hostnet created it.</summary>
    public void Remove(string name)
    {
        using var kernel = _agent.TakeKernelLock();
        _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var before = state.GetVm(name);
            var after = state.RemoveVm(name);
            work.Tx.RemoveVm(name);
            RunningVms.Changed(_agent, work, before, null, after);
            return 0;
        });
    }

    /// <summary>
    /// Starts a VM's networking (probing the LAN for its addresses first unless <paramref name="probe"/> is false).
    /// With <paramref name="announce"/> false the kernel objects are made but the LAN is not told to send the VM's
    /// traffic here: <see cref="Announce"/> does that once the guest runs here (an incoming migration).
    /// </summary>
    public void Start(string name, bool probe, bool announce = true) => SetRunning(name, true, probe, announce);

    /// <summary>Stops a VM's networking: everything its start made goes.</summary>
    public void Stop(string name) => SetRunning(name, false, probe: false, announce: false);

    /// <summary>
    /// Tells the LAN that a running VM's addresses are here (a gratuitous ARP, an unsolicited neighbour
    /// advertisement each), as its start does; changes nothing. Returns how many addresses were announced.
    /// </summary>
    /// <exception cref="RequestRefusedException">(<see cref="ErrorCodes.VmNotRunning"/>) the VM's networking is stopped.</exception>
    public int Announce(string name)
    {
        using var kernel = _agent.TakeKernelLock();
        var state = _agent.Load();
        var vm = state.GetVm(name);
        if (!vm.Running) throw new RequestRefusedException(ErrorCodes.VmNotRunning, ("vm", vm.Name));
        using var engine = _agent.OpenEngine();
        return engine.Announce(state, vm.Name);
    }

    /// <summary>
    /// Waits until the guest of a running tap VM sends its first frame into its first tap — after an incoming
    /// migration, QEMU announces the guest as soon as it resumes here — then tells the LAN as <see cref="Announce"/>
    /// does. Holds no lock while it waits. Returns how many addresses were announced, or null when the tap went
    /// away first (the VM was stopped, the migration failed) and nothing was sent.
    /// </summary>
    public int? AnnounceWhenGuestRuns(string name)
    {
        var vm = _agent.Load().GetVm(name);
        if (!vm.Running) throw new RequestRefusedException(ErrorCodes.VmNotRunning, ("vm", vm.Name));
        if (vm.Guest.Kind != GuestKind.Tap)
            throw new RequestRefusedException(ErrorCodes.NotATapGuest, ("vm", vm.Name), ("guest", vm.Guest.ToString()));
        var first = vm.Adapters.OrderBy(a => a.Index).FirstOrDefault() ?? throw new RequestRefusedException(ErrorCodes.NoAdapters, ("vm", vm.Name));
        using (var ns = _agent.Netns is { } netns ? Netlink.NetNamespace.Open(netns) : Netlink.NetNamespace.Current())
        {
            if (!Netlink.GuestFrames.WaitForFirst(ns, vm.HostInterface(first.Index), first.Mac, TimeSpan.FromSeconds(1))) return null;
        }
        return Announce(vm.Name);
    }

    private void SetRunning(string name, bool running, bool probe, bool announce)
    {
        using var kernel = _agent.TakeKernelLock();
        _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var before = state.GetVm(name);
            var after = state.SetRunning(name, running);
            work.Tx.SetRunning(name, running);
            RunningVms.Changed(_agent, work, before, after.GetVm(name), after, probe, announce);
            return 0;
        });
    }

    /// <summary>A tap guest's QEMU configuration; refused for a netns guest and for a VM without adapters.</summary>
    public QemuConfig Qemu(string name)
    {
        var state = _agent.Load();
        var vm = state.GetVm(name);
        if (vm.Guest.Kind != GuestKind.Tap)
            throw new RequestRefusedException(ErrorCodes.NotATapGuest, ("vm", vm.Name), ("guest", vm.Guest.ToString()));
        if (vm.Adapters.Count == 0) throw new RequestRefusedException(ErrorCodes.NoAdapters, ("vm", vm.Name));
        return new QemuConfig(vm, state, Model.Qemu.GuestSettings(vm, state));
    }

    /// <summary>The VM's cloud-init NoCloud <c>network-config</c> (version 2): what a stock image needs to configure itself.</summary>
    public string CloudInit(string name)
    {
        var state = _agent.Load();
        return Model.CloudInit.NetworkConfig(state.GetVm(name), state);
    }
}

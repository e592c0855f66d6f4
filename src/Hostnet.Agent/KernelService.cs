using Hostnet.Agent.Contracts;
using Hostnet.Engine;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Engine.Trace;
using Hostnet.Model;
using Hostnet.Netlink;
using Hostnet.Store;

namespace Hostnet.Agent;

/// <summary>What <c>apply</c> did, and the guest MACs of the state that the rules now refuse (said, never changed behind the guest's back).</summary>
public sealed record ApplyResult(PlannedChanges Done, IReadOnlyList<Problem> MacProblems);

/// <summary>
/// What <c>plan</c> found: the plan, and the problems it met (VMs left out, MACs the rules now refuse).
/// <paramref name="HasState"/> is false when there is no state database yet: planned against an empty state.
/// </summary>
public sealed record PlanResult(bool HasState, PlannedChanges Plan, IReadOnlyList<Problem> Problems);

/// <summary>
/// The use cases of the kernel as a whole: apply, plan, and the read models of the live server (its
/// neighbour table, the routes Hostnet owns, a packet's way).
/// </summary>
public sealed class KernelService
{
    private readonly HostAgent _agent;

    internal KernelService(HostAgent agent) => _agent = agent;

    /// <summary>Makes the kernel match the whole state, under the kernel lock.</summary>
    public ApplyResult Apply(bool probe)
    {
        using var kernel = _agent.TakeKernelLock();
        using var store = _agent.OpenStore();
        using var engine = _agent.OpenEngine(store);
        var done = _agent.Report(ApplyCauses.Apply, () => ConvergeAll(engine, store.State, new ApplyOptions { Probe = probe }));
        return new ApplyResult(PlannedChanges.Of(done), store.State.Load().MacProblems().ToList());
    }

    /// <summary>What apply would change; changes nothing, creates nothing, and never waits for the kernel lock.</summary>
    /// <param name="withoutState">Called, before the kernel is read, when there is no state yet to plan against.</param>
    public PlanResult Plan(Action? withoutState = null)
    {
        using var store = _agent.Stores.OpenIfExists();
        if (store is null) withoutState?.Invoke();
        using var engine = _agent.OpenReader(store is null ? new MemoryLedger() : new StoreLedger(store.Ledger));
        var state = store?.State.Load() ?? DesiredState.Empty;
        var prepared = engine.Prepare(state);
        // Guest MACs an older release accepted and the rules now refuse: said, never changed behind the guest's back.
        return new PlanResult(store is not null, PlannedChanges.Of(prepared.Plan), prepared.Problems.Concat(state.MacProblems()).ToList());
    }

    /// <summary>The server's neighbour table, as <c>arp -n</c> shows it, proxy rows included.</summary>
    public IReadOnlyList<ArpRowDocument> Arp()
    {
        using var engine = _agent.OpenReader(new MemoryLedger());
        return ToDocument.Arp(Views.Arp(engine.ServerSocket));
    }

    /// <summary>The server's IPv6 neighbour table in the same columns, proxy NDP rows included.</summary>
    public IReadOnlyList<ArpRowDocument> Ndp()
    {
        using var engine = _agent.OpenReader(new MemoryLedger());
        return ToDocument.Arp(Views.Ndp(engine.ServerSocket));
    }

    /// <summary>The routes Hostnet owns, with the VM adapter behind each.</summary>
    public IReadOnlyList<RouteDocument> Routes()
    {
        using var engine = _agent.OpenReader(new MemoryLedger());
        return ToDocument.Routes(Views.Routes(engine.ServerSocket));
    }

    /// <summary>A packet's way to <paramref name="destination"/> from the LAN, or from VM <paramref name="fromVm"/>.</summary>
    public TracedPath Trace(IpAddress destination, string? fromVm)
    {
        var state = _agent.Load();
        if (fromVm is not null) state.GetVm(fromVm);
        using var ns = OpenServer();
        using var socket = RtnlSocket.Open(ns);
        var tracer = new PathTracer(ns, socket, state);
        return TracedPath.Of(fromVm is null ? tracer.FromLan(destination) : tracer.FromVm(fromVm, destination));
    }

    private NetNamespace OpenServer() =>
        _agent.Netns is not { } netns ? NetNamespace.Current()
        : NetNamespace.Exists(netns) ? NetNamespace.Open(netns)
        : throw new RequestRefusedException(ErrorCodes.NetnsNotFound, ("netns", netns));

    /// <summary>After a network is removed: give an uplink back from its bridge when Hostnet had made it a port (under the caller's kernel lock).</summary>
    internal void ConvergeAfterNetworkRemoved(Network removed)
    {
        if (removed.Mode != NetworkMode.Bridged) return;
        using var store = _agent.OpenStore();
        var ledger = new StoreLedger(store.Ledger);
        if (!ledger.Load().Has(LedgerEntry.Uplink(removed.Uplink, removed.Bridge!))) return;
        using var engine = _agent.OpenEngine(store);
        _agent.Report(ApplyCauses.Change, () => ConvergeAll(engine, store.State, new ApplyOptions()));
    }

    /// <summary>When a VM is removed: removes its guest namespace if Hostnet created it; leaves others alone.</summary>
    internal void RemoveCreatedNamespace(string netns)
    {
        using var store = _agent.OpenStore();
        var ledger = new StoreLedger(store.Ledger);
        var entry = LedgerEntry.Namespace(netns);
        if (!ledger.Load().Has(entry)) return;
        if (NetNamespace.Exists(netns) || NetNamespace.IsStale(netns)) NetNamespace.Delete(netns);
        ledger.Forget([entry]);
    }

    /// <summary>
    /// Makes the kernel match the whole state (apply, each resync of watch) and, when it has, clears the
    /// pending marks of the VM changes it saw: read in one snapshot with the state, so a change committed
    /// meanwhile stays pending. <paramref name="loaded"/> is told the state it applies (the watch compares
    /// it with the one before).
    /// </summary>
    internal static Plan ConvergeAll(HostEngine engine, IStateStore store, ApplyOptions options, Action<DesiredState>? loaded = null)
    {
        var (state, pending) = store.Read(tx => (tx.Load(), tx.PendingVms()));
        loaded?.Invoke(state);
        var plan = engine.Apply(engine.Prepare(state), options);
        if (pending.Count > 0) store.Write(tx => tx.ClearPending(pending));
        return plan;
    }
}

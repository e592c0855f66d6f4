using Hostnet.Engine.Apply;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Handlers;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine;

/// <summary>What an apply does besides the plan.</summary>
public sealed record ApplyOptions
{
    /// <summary>Probe the LAN for each address about to be published, and refuse one that answers.</summary>
    public bool Probe { get; init; } = true;

    /// <summary>How long the probe listens for answers (one window for all addresses).</summary>
    public TimeSpan ProbeWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Announce each newly published address with a gratuitous ARP.</summary>
    public bool Announce { get; init; } = true;
}

/// <summary>A plan made against the live kernel, ready to run.</summary>
/// <param name="Plan">The steps.</param>
/// <param name="Problems">What could not be planned (an uplink that does not exist), said after the rest is done.</param>
/// <param name="OwnMacs">Each VM address with its adapter's MAC: the VM itself answering a probe is no conflict (a bridged VM switching to routed).</param>
/// <param name="State">The desired state it was made for.</param>
public sealed record PreparedApply(Plan Plan, IReadOnlyList<Problem> Problems, IReadOnlyDictionary<IpAddress, MacAddress> OwnMacs, DesiredState State)
{
    /// <summary>A move of the server's own network was left half-way: apply finishes it, then plans again.</summary>
    public bool HasInterruptedMoves => Plan.Steps.Any(s => s.Object is InterruptedMove);

    /// <summary>Guest namespaces the ledger says Hostnet created that no VM wants and that are gone already: forgotten by the apply.</summary>
    public IReadOnlyList<string> GoneNamespaces { get; init; } = [];

    /// <summary>The VMs left out of this plan (their namespace is a stale file Hostnet did not make), each with its line in <see cref="Problems"/>.</summary>
    public IReadOnlyDictionary<string, Problem> LeftOutVms { get; init; } = new Dictionary<string, Problem>();

    /// <summary>
    /// The addresses about to appear on the LAN, each with where to probe for it: routed addresses
    /// about to be published, and the addresses of bridged adapters about to be given to their guest
    /// (or whose QEMU guest's tap is about to be made).
    /// </summary>
    public IReadOnlyList<LanClaim> Claims { get; init; } = [];
}

/// <summary>
/// The host agent's core: makes the kernel of one server namespace (and its
/// netns guests) match the desired state. intent → observed → plan → apply.
/// </summary>
public sealed class HostEngine : IDisposable
{
    private readonly NetNamespace _serverNs;
    private readonly RtnlSocket _server;
    private readonly ILedger _ledger;

    /// <param name="serverNetns">The server's namespace name (<c>--netns</c>), or null for the one Hostnet runs in.</param>
    /// <param name="ledger">Where the objects Hostnet made are recorded.</param>
    public HostEngine(string? serverNetns, ILedger ledger)
    {
        _serverNs = serverNetns is null ? NetNamespace.Current() : OpenServer(serverNetns);
        _server = RtnlSocket.Open(_serverNs);
        _ledger = ledger;
    }

    public NetNamespace ServerNamespace => _serverNs;

    public RtnlSocket ServerSocket => _server;

    private static NetNamespace OpenServer(string name) =>
        NetNamespace.Exists(name)
            ? NetNamespace.Open(name)
            : throw new EngineException(new Problem("netns-not-found", $"network namespace {name} does not exist", new Remedy.NetnsUnderRunNetns()));

    /// <summary>What apply would do, against the live kernel; changes nothing.</summary>
    public PreparedApply Prepare(DesiredState state)
    {
        var desired = state;
        var observer = new Observer(_serverNs, _server);
        var ledger = _ledger.Load();
        var snapshot = observer.Snapshot(ledger);
        var problems = new List<Problem>();
        var (orphans, gone) = OrphanNamespaces(state, ledger);
        var leftOut = new Dictionary<string, Problem>(StringComparer.Ordinal);
        state = LeaveOutStaleNamespaces(state, ledger, leftOut);
        problems.AddRange(leftOut.Values);
        var intent = IntentBuilder.Build(state, snapshot.Facts);
        intent = DropUnreachable(intent, snapshot, problems);
        var observed = observer.Observe(snapshot, intent, ledger);
        var plan = Planner.Diff(intent.Objects, observed);
        if (orphans.Count > 0)
        {
            // After the other removals: the namespace takes what is left in it (the guest ends of its veths) along.
            var removals = plan.Steps.Where(s => s.Change == Change.Remove);
            var rest = plan.Steps.Where(s => s.Change != Change.Remove);
            plan = new Plan([.. removals, .. orphans.Select(n => new PlanStep(Change.Remove, new NamespaceObject(n), null)), .. rest]);
        }

        // Say exactly what moves between an uplink and its bridge, read from the live server.
        if (plan.Steps.Any(s => s.Object is UplinkPort))
        {
            plan = new Plan(plan.Steps.Select(s => s.Object is UplinkPort u ? s with { Object = u with { Moves = Moves(u, s.Change != Change.Remove) } } : s).ToList());
        }

        // A move the journal holds comes first: apply finishes it, then plans again against the server it leaves.
        var interrupted = _ledger.PendingMoves();
        if (interrupted.Count > 0)
        {
            plan = new Plan([.. interrupted.Select(m => new PlanStep(Change.Change, new InterruptedMove(m.Uplink, m.Bridge, m.Enslave), null)), .. plan.Steps]);
        }
        var own = new Dictionary<IpAddress, MacAddress>();
        foreach (var vm in state.Vms)
        {
            foreach (var a in vm.Adapters)
            {
                foreach (var ip in a.Addresses) own[ip.Address] = a.Mac;
            }
        }
        return new PreparedApply(plan, problems, own, desired) { Claims = LanClaims.Find(plan, intent.Objects, state), GoneNamespaces = gone, LeftOutVms = leftOut };
    }

    private UplinkMoves Moves(UplinkPort port, bool enslave)
    {
        var move = UplinkMove.Read(_server, port.Uplink, port.Bridge, enslave);
        return new UplinkMoves(move.From, move.To, move.Describe());
    }

    /// <summary>
    /// The guest namespaces Hostnet created (its ledger says so) that no VM names any more, running or
    /// not: left by a <c>vm rm</c> that died after its commit. Those still there are removed by the plan;
    /// those gone already are only forgotten, so that a namespace of that name made later by someone else is never taken for Hostnet's.
    /// </summary>
    private static (List<string> Present, List<string> Gone) OrphanNamespaces(DesiredState state, LedgerContents ledger)
    {
        var named = state.Vms.Where(vm => vm.Guest.Kind == GuestKind.Netns)
            .Select(vm => vm.Guest.NetnsName ?? Naming.DefaultNetns(vm.Name)).ToHashSet(StringComparer.Ordinal);
        var present = new List<string>();
        var gone = new List<string>();
        foreach (var ns in ledger.Keys(LedgerKind.Namespace).Where(n => !named.Contains(n)).Order(StringComparer.Ordinal))
            (NetNamespace.Exists(ns) || NetNamespace.IsStale(ns) ? present : gone).Add(ns);
        return (present, gone);
    }

    /// <summary>
    /// A running netns VM whose namespace file is a stale one (no namespace: a killed <c>ip netns add</c>)
    /// that Hostnet did not create is left out, with a line that says so; the rest goes on. One that Hostnet
    /// created stays in: the apply replaces the file with a namespace.
    /// </summary>
    private static DesiredState LeaveOutStaleNamespaces(DesiredState state, LedgerContents ledger, Dictionary<string, Problem> leftOut)
    {
        foreach (var vm in state.Vms)
        {
            if (!vm.Running || vm.Guest.Kind != GuestKind.Netns) continue;
            var ns = vm.Guest.NetnsName ?? Naming.DefaultNetns(vm.Name);
            if (ledger.Has(LedgerEntry.Namespace(ns)) || !NetNamespace.IsStale(ns)) continue;
            leftOut.Add(vm.Name, new Problem("netns-stale",
                $"VM {vm.Name}: {NetNamespace.RunDirectory}/{ns} is a file left half-made, not a network namespace, and Hostnet did not create it: "
                + $"VM {vm.Name} is left out; remove the file (`ip netns del {ns}`)", new Remedy.ApplyAfter()));
            state = state.SetRunning(vm.Name, false);
        }
        return state;
    }

    /// <summary>
    /// Runs a prepared plan: probes the LAN for every address it claims (an
    /// address that answers is left out: not published, routed, nor given to
    /// its VM), applies, announces new addresses, and reports any part that
    /// could not be done as an <see cref="EngineException"/> after doing the rest.
    /// </summary>
    public Plan Apply(PreparedApply prepared, ApplyOptions options)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(options);
        var applier = new Applier(_serverNs, _server, _ledger);
        if (prepared.HasInterruptedMoves)
        {
            applier.FinishInterruptedMoves();
            var rest = Prepare(prepared.State);
            var finished = prepared.Plan.Steps.Where(s => s.Object is InterruptedMove).ToList();
            var done = Apply(rest, options);
            return new Plan([.. finished, .. done.Steps]);
        }
        var plan = prepared.Plan;
        if (prepared.GoneNamespaces.Count > 0) _ledger.Forget(prepared.GoneNamespaces.Select(LedgerEntry.Namespace).ToList());
        var claims = options.Probe ? prepared.Claims : [];
        List<KernelObject> added;
        List<string> refused = [];
        if (claims.Count == 0)
        {
            added = [.. applier.Apply(plan)];
        }
        else
        {
            // An address that answers is not stolen: what would make it appear on the LAN (or route it
            // away from the server's own traffic) is left out, and the rest is applied.
            var index = new ClaimIndex(claims);
            bool Waits(PlanStep s) => index.WaitsFor(s) is not null;
            bool HeldBack(PlanStep s, HashSet<IpAddress> taken) => index.WaitsFor(s) is { } a && a.Any(taken.Contains);
            List<(IpAddress Address, string Message)> conflicts;
            if (plan.Steps.Any(s => s.Object is UplinkPort))
            {
                // The uplink changes hands during this apply: probe first, then change all but what answered.
                conflicts = FindConflicts(prepared, claims, options.ProbeWindow);
                var taken = conflicts.Select(c => c.Address).ToHashSet();
                added = [.. applier.Apply(new Plan(plan.Steps.Where(s => !HeldBack(s, taken)).ToList()))];
            }
            else
            {
                // The probe window runs while everything else is made; what waits for it is made after.
                var probe = Task.Factory.StartNew(() => FindConflicts(prepared, claims, options.ProbeWindow), TaskCreationOptions.LongRunning);
                added = [.. applier.Apply(new Plan(plan.Steps.Where(s => !Waits(s)).ToList()))];
                conflicts = probe.GetAwaiter().GetResult();
                var taken = conflicts.Select(c => c.Address).ToHashSet();
                added.AddRange(applier.Apply(new Plan(plan.Steps.Where(s => Waits(s) && !HeldBack(s, taken)).ToList())));
            }
            refused = conflicts.Select(c => c.Message).ToList();
        }

        if (options.Announce) Announce(added);
        var problems = prepared.Problems.ToList();
        if (refused.Count > 0) problems.Add(Refusal(refused, published: false));
        if (problems.Count > 0) throw new EngineException(problems);
        return plan;
    }

    /// <summary>
    /// Tells the LAN at once who now answers for each new address: the server
    /// (its uplink's MAC) for a newly published routed address, the guest itself
    /// for a bridged address of a netns guest — what a guest's own network
    /// stack would do. After a mode switch or a migration, caches and switches
    /// learn the new place without waiting for their entries to expire.
    /// </summary>
    private void Announce(IReadOnlyList<KernelObject> added)
    {
        foreach (var group in added.OfType<ProxyNeighborObject>().GroupBy(p => p.Dev))
            Announce(_serverNs, group.Key, group.Select(p => p.Address).ToList());
        foreach (var group in added.OfType<AddressObject>().Where(a => a.Netns != KernelObject.Server && !a.Address.IsHost).GroupBy(a => (a.Netns, a.Dev)))
        {
            using var ns = NetNamespace.Open(group.Key.Netns);
            Announce(ns, group.Key.Dev, group.Select(a => a.Address.Address).ToList());
        }
    }

    /// <summary>
    /// Tells the LAN again who answers for a running VM's addresses, as <see cref="Apply"/> does for the addresses
    /// it publishes: for a VM whose networking was made ready with <see cref="ApplyOptions.Announce"/> off (an
    /// incoming migration, made ready while the source server still answers) once the guest runs here.
    /// Nothing is sent for a VM that is not running. Returns how many addresses were announced.
    /// </summary>
    public int Announce(DesiredState state, string vm)
    {
        ArgumentNullException.ThrowIfNull(state);
        var addresses = state.GetVm(vm).Adapters.SelectMany(a => a.Addresses).Select(a => a.Address).ToHashSet();
        var intent = IntentBuilder.Build(state, new Observer(_serverNs, _server).Snapshot(_ledger.Load()).Facts);
        var own = intent.Objects.Where(o => o switch
        {
            ProxyNeighborObject p => addresses.Contains(p.Address),
            AddressObject a => addresses.Contains(a.Address.Address),
            _ => false,
        }).ToList();
        Announce(own);
        return own.OfType<ProxyNeighborObject>().Select(p => p.Address)
            .Concat(own.OfType<AddressObject>().Where(a => a.Netns != KernelObject.Server && !a.Address.IsHost).Select(a => a.Address.Address))
            .Distinct().Count();
    }

    /// <summary>A gratuitous ARP for each IPv4 address, an unsolicited neighbour advertisement for each IPv6 one.</summary>
    private static void Announce(NetNamespace ns, string dev, List<IpAddress> addresses)
    {
        if (addresses.Where(a => a.IsIpv4).ToList() is { Count: > 0 } v4) Arp.SendGratuitous(ns, dev, v4);
        if (addresses.Where(a => a.IsIpv6).ToList() is { Count: > 0 } v6) Ndp.SendUnsolicitedAdvertisements(ns, dev, v6);
    }

    /// <summary>One probe window for every address about to appear on the LAN; refuses those that answer.</summary>
    public void ProbeOrRefuse(PreparedApply prepared, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var conflicts = FindConflicts(prepared, prepared.Claims, window);
        if (conflicts.Count > 0) throw new EngineException(Refusal(conflicts.Select(c => c.Message).ToList(), published: true));
    }

    private static Problem Refusal(IReadOnlyList<string> conflicts, bool published) => published
        ? new Problem("address-answers", string.Join("; ", conflicts) + ": choose another address, or free it on the LAN", new Remedy.SkipProbe())
        : new Problem("address-answers", string.Join("; ", conflicts)
            + ": not routed nor published, nor given to its VM (the rest is applied); choose another address, or free it on the LAN", new Remedy.ApplyOrSkipProbe());

    /// <summary>The claimed addresses that something on the LAN already answers for, with a line for each.</summary>
    private List<(IpAddress Address, string Message)> FindConflicts(PreparedApply prepared, IReadOnlyList<LanClaim> claims, TimeSpan window)
    {
        var conflicts = new List<(IpAddress, string)>();
        foreach (var group in claims.GroupBy(c => c.ProbeDev, StringComparer.Ordinal))
        {
            var dev = group.Key;
            var addresses = group.Select(c => c.Address).Distinct().ToList();
            var answers = Probe(dev, addresses, window);
            foreach (var (address, mac) in answers.OrderBy(a => a.Key.ToString(), StringComparer.Ordinal))
            {
                // The VM itself answering is no conflict: it holds the address already (a prefix change, a mode switch).
                if (prepared.OwnMacs.TryGetValue(address, out var own) && mac == own) continue;
                conflicts.Add((address, $"{address} already answers on the LAN from {mac} (via {dev})"));
            }
        }
        return conflicts;
    }

    /// <summary>
    /// ARP probes for the IPv4 addresses, then duplicate address detection for the IPv6 ones, each
    /// family in a window of its own.
    /// </summary>
    private Dictionary<IpAddress, MacAddress> Probe(string dev, List<IpAddress> addresses, TimeSpan window)
    {
        var result = new Dictionary<IpAddress, MacAddress>();
        var v4 = addresses.Where(a => a.IsIpv4).ToList();
        var v6 = addresses.Where(a => a.IsIpv6).ToList();
        if (v4.Count > 0) foreach (var (a, mac) in Arp.Probe(_serverNs, dev, v4, window)) result[a] = mac;
        if (v6.Count > 0) foreach (var (a, mac) in Ndp.Probe(_serverNs, dev, v6, window)) result[a] = mac;
        return result;
    }

    /// <summary>Leaves out what hangs off an uplink that does not exist, and says so (each kind's handler says what it hangs off).</summary>
    private static KernelIntent DropUnreachable(KernelIntent intent, ServerSnapshot snapshot, List<Problem> problems)
    {
        var (kept, missing) = Reachability.Filter(intent.Objects, snapshot.Links.Select(l => l.Name));
        if (missing.Count == 0) return intent;
        foreach (var m in missing)
            problems.Add(new Problem("interface-missing", $"interface {m} does not exist on the server: VMs on it are not reachable from the LAN until it does", new Remedy.Apply()));
        return new KernelIntent(kept);
    }

    /// <summary>Closes the server's socket and namespace, and the ledger when it is disposable.</summary>
    public void Dispose()
    {
        _server.Dispose();
        _serverNs.Dispose();
        (_ledger as IDisposable)?.Dispose();
    }
}

using System.Globalization;
using Hostnet.Engine;
using Hostnet.Engine.Dhcp;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Planning;
using Hostnet.Model;
using Hostnet.Netlink;
using Hostnet.Store;

namespace Hostnet.Agent;

/// <summary>
/// The host agent's loop (<c>watch</c>, and the daemon's). Applies once, then again whenever the kernel reports
/// a change that can touch what Hostnet owns — a link going down or away (which flushes its proxy entries),
/// an address, one of Hostnet's routes, a permanent neighbour — or the state database changes (another
/// process wrote it), and every <see cref="Every"/> for what the kernel does not report (this kernel sends no
/// event when a proxy entry is deleted). The first kernel event after a quiet spell is applied at once (a write
/// to the state, no repair, settles first, as a burst does); what comes
/// during that apply and until <see cref="Settle"/> passes without another event (at most <see cref="MaxGather"/>)
/// is taken together into one more apply: a single deletion is repaired without waiting, a burst (an uplink
/// flap) costs about two applies. Hostnet's own changes come back as events too: they are that one more apply,
/// which finds nothing left to do and makes no event, so the loop comes to rest. A write to the state that leaves
/// it as the last cycle saw it (pending marks cleared), or that this process's own requests made
/// (<see cref="OwnStateWrites"/>), costs no apply: it is told as a change, and DHCP follows it. Once it runs only its stop
/// token ends it: a failed cycle is raised as <see cref="CycleFailed"/> and tried again after a backoff. A front
/// end subscribes to the events to say what happens.
/// </summary>
public sealed class Watcher
{
    /// <summary>The quiet that ends a burst gathered behind an apply.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest a burst is gathered before it is applied, however long it goes on.</summary>
    public static readonly TimeSpan MaxGather = TimeSpan.FromSeconds(1);

    /// <summary>The shortest resync interval.</summary>
    public static readonly TimeSpan MinimumEvery = TimeSpan.FromSeconds(1);

    private readonly HostAgent _agent;
    private static readonly OwnStateWrites NoOwnWrites = new();

    private DesiredState? _seen;
    private IReadOnlyDictionary<string, long> _seenPending = new Dictionary<string, long>();
    private DhcpResponder? _dhcp;

    internal Watcher(HostAgent agent, TimeSpan every)
    {
        if (every < MinimumEvery)
        {
            throw new RequestRefusedException(ErrorCodes.ResyncIntervalTooShort,
                ("minimumSeconds", MinimumEvery.TotalSeconds.ToString(CultureInfo.InvariantCulture)));
        }
        _agent = agent;
        Every = every;
    }

    public TimeSpan Every { get; }

    /// <summary>The loop's sign of life, for a watchdog: beaten while it waits and after each cycle.</summary>
    public LoopHeartbeat Heartbeat { get; set; } = new();

    /// <summary>
    /// Whether the loop also answers the DHCP of the guests of the networks that ask for it (the daemon's does):
    /// the answers follow the state each cycle loads.
    /// </summary>
    public bool AnswerDhcp { get; set; }

    /// <summary>A DHCP socket failed (a vme that cannot be opened): what happened, in one line.</summary>
    public event Action<string>? DhcpProblem;

    /// <summary>The state and the server are open, the kernel's events followed: the loop begins.</summary>
    public event Action? Watching;

    /// <summary>A cycle changed the kernel: why it ran (<see cref="ApplyCauses"/>) and what it did.</summary>
    public event Action<string, PlannedChanges>? Applied;

    /// <summary>A cycle failed: why it ran, the failure, and the wait before the next try.</summary>
    public event Action<string, Exception, TimeSpan>? CycleFailed;

    /// <summary>
    /// A cycle found the state changed since the one before (whoever changed it: a request, the CLI, an
    /// import): the networks and the VMs added, changed or removed, by name.
    /// </summary>
    public event Action<IReadOnlyList<string>, IReadOnlyList<string>>? StateChanged;

    /// <summary>The kernel dropped events (or sent some the reader cannot read): the reason; a resync follows.</summary>
    public event Action<string>? EventsLost;

    /// <summary>The kernel event socket failed: the failure, and the wait before it is reopened.</summary>
    public event Action<Exception, TimeSpan>? MonitorFailed;

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled. What fails before the first cycle is the state's or
    /// the server's (no such namespace, a state directory that cannot be made, a database that is not
    /// Hostnet's) and is thrown; so is, later, a state that can never be Hostnet's.
    /// </summary>
    public void Run(CancellationToken stop)
    {
        Heartbeat.Beat();
        using var store = _agent.OpenStore();
        using var engine = _agent.OpenEngine(store);
        using var wake = new Wakeups();
        var reader = new Thread(() => FollowKernel(engine.ServerNamespace, wake, stop))
        {
            IsBackground = true,
            Name = "hostnet watch: kernel events",
        };
        reader.Start();
        var filters = new Thread(() => FollowFilters(engine.ServerNamespace, wake, stop))
        {
            IsBackground = true,
            Name = "hostnet watch: nftables events",
        };
        filters.Start();
        using var stateFiles = FollowStateFiles(wake);
        using var dhcp = AnswerDhcp ? new DhcpResponder(engine.ServerNamespace, line => DhcpProblem?.Invoke(line)) : null;
        _dhcp = dhcp;
        Watching?.Invoke();

        var backoff = new RetryBackoff();
        TimeSpan? retryIn = Resync(engine, store.State, ApplyCauses.Start, backoff, stop);
        while (!stop.IsCancellationRequested)
        {
            string why;
            try
            {
                if (retryIn is { } delay)
                {
                    // Not at the next kernel event: a fault that stays must not be retried at the rate events come.
                    Heartbeat.Wait(stop.WaitHandle.WaitOne, delay, stop);
                    wake.Take();
                    why = ApplyCauses.Retry;
                }
                else if (Heartbeat.Wait(t => wake.Wait(t, stop), Every, stop))
                {
                    // The first kernel event after a quiet spell: applied at once. A write to the state is no
                    // repair, and writers come in runs (an import, a panel's requests): it settles first, and
                    // when it was this process's own (a request of the daemon) there may be nothing to apply.
                    var reasons = wake.Take();
                    if (reasons == Wakeups.State) reasons |= Gather(wake, stop);
                    if (reasons == Wakeups.State && Led(store.State)) continue;
                    why = Why(reasons);
                    if (why.Length == 0) continue;
                }
                else
                {
                    why = ApplyCauses.Periodic;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (stop.IsCancellationRequested) break;
            retryIn = Resync(engine, store.State, why, backoff, stop);

            // The burst behind it: what came during that apply (its own changes' echoes among it) and until it
            // settles, taken together into one more apply.
            if (retryIn is null && wake.IsRaised && Gather(wake, stop) is var behind && Why(behind) is { Length: > 0 } burst
                && !stop.IsCancellationRequested && !(behind == Wakeups.State && Led(store.State)))
                retryIn = Resync(engine, store.State, burst, backoff, stop);
        }
        reader.Join(TimeSpan.FromSeconds(1));
        filters.Join(TimeSpan.FromSeconds(1));
    }

    /// <summary>Waits until <see cref="Settle"/> passes without an event (at most <see cref="MaxGather"/>); the reasons gathered (0: stopped).</summary>
    private int Gather(Wakeups wake, CancellationToken stop)
    {
        var gathering = System.Diagnostics.Stopwatch.StartNew();
        var reasons = wake.Take();
        try
        {
            while (gathering.Elapsed < MaxGather && wake.Wait(Settle, stop))
            {
                reasons |= wake.Take();
                Heartbeat.Beat();
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        return reasons;
    }

    /// <summary>
    /// Whether the state the database now holds is the one the last cycle saw, or one this process's own writes led to
    /// from there (<see cref="OwnStateWrites"/>), with no other process's pending mark: then there is nothing to apply.
    /// What a cycle does besides applying is still done: the change is told, and DHCP answers the state as it is.
    /// </summary>
    private bool Led(IStateStore store)
    {
        if (_seen is not { } seen) return false;
        DesiredState now;
        IReadOnlyDictionary<string, long> pending;
        try
        {
            (now, pending) = store.Read(tx => (tx.Load(), tx.PendingVms()));
        }
        catch (Exception e) when (e is StoreException or ValidationException)
        {
            // The apply that follows meets it again and says it.
            return false;
        }
        if (!(_agent.OwnWrites ?? NoOwnWrites).Lead(seen, _seenPending, now, pending)) return false;
        Compare(now);
        _seenPending = pending;
        _dhcp?.Follow(now);
        Heartbeat.Beat();
        return true;
    }

    private static string Why(int reasons) =>
        (reasons & Wakeups.Kernel) != 0 ? ApplyCauses.KernelChange : (reasons & Wakeups.State) != 0 ? ApplyCauses.StateChange : "";

    /// <summary>
    /// The state database's files: a write to them (another process's change, an import, a request of the
    /// daemon) wakes the loop, which compares the state with the one it saw before.
    /// </summary>
    private FileSystemWatcher? FollowStateFiles(Wakeups wake)
    {
        try
        {
            var files = new FileSystemWatcher(_agent.StateDir)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            // The database and its write-ahead log: not the shared-memory index, which readers touch too.
            void Changed(object? sender, FileSystemEventArgs e)
            {
                if (e.Name is StateStore.DatabaseFileName or StateStore.DatabaseFileName + "-wal") wake.Raise(Wakeups.State);
            }
            files.Changed += Changed;
            files.Created += Changed;
            files.Deleted += Changed;
            files.Renamed += (s, e) => Changed(s, e);
            files.EnableRaisingEvents = true;
            return files;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Without inotify (watches exhausted) a change of the state is seen at the periodic resync.
            return null;
        }
    }

    /// <summary>
    /// The event reader: wakes the loop for every event that can touch what Hostnet owns. A monitor
    /// socket that fails is closed and opened again after a backoff, and the loop is woken once it is
    /// back, since what changed meanwhile is unknown.
    /// </summary>
    private void FollowKernel(NetNamespace server, Wakeups wake, CancellationToken stop) =>
        Follow(() => RtnlMonitor.Open(server, MonitorGroups.All), m => m.Read(stop).Select(e =>
        {
            if (e is ResyncNeeded lost) EventsLost?.Invoke(lost.Reason);
            return Touches(e);
        }), wake, stop);

    /// <summary>
    /// The filters' event reader: nf_tables announces every table, chain, rule, set and set element added or
    /// removed, so that an admin's <c>nft flush ruleset</c> or a deleted element of Hostnet's tables is mended at
    /// once, not at the next periodic resync. Hostnet's own writes come back too and cost one more apply that
    /// finds nothing to do, as rtnetlink's echoes do. A kernel without nfnetlink (EPROTONOSUPPORT) has no
    /// filters to mend, and a process without CAP_NET_ADMIN (EPERM) could not mend them: there the reader ends.
    /// </summary>
    private void FollowFilters(NetNamespace server, Wakeups wake, CancellationToken stop) =>
        Follow(() => NftMonitor.Open(server), m => m.Read(stop).Select(e => e switch
        {
            NftablesChanged c => c.Table == FilterTable.Name,
            NftablesEventsLost lost => Lost(lost.Reason),
            _ => false,
        }), wake, stop, gaveUp: NftMonitor.IsUnavailable);

    private bool Lost(string reason)
    {
        EventsLost?.Invoke(reason);
        return true;
    }

    /// <summary>
    /// Reads a monitor until <paramref name="stop"/>: each event <paramref name="read"/> says touches Hostnet wakes
    /// the loop. A monitor that fails is reopened after a backoff (the loop woken once it is back), unless
    /// <paramref name="gaveUp"/> says the failure is for good.
    /// </summary>
    private void Follow<TMonitor>(Func<TMonitor> open, Func<TMonitor, IEnumerable<bool>> read, Wakeups wake, CancellationToken stop,
        Func<Exception, bool>? gaveUp = null) where TMonitor : IDisposable
    {
        var backoff = new RetryBackoff();
        bool reopened = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var monitor = open();
                if (reopened) wake.Raise(Wakeups.Kernel);
                foreach (var touches in read(monitor))
                {
                    backoff.Reset();
                    if (touches) wake.Raise(Wakeups.Kernel);
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested && gaveUp?.Invoke(e) == true)
            {
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var delay = backoff.Next();
                MonitorFailed?.Invoke(e, delay);
                stop.WaitHandle.WaitOne(delay);
                reopened = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: the loop no longer listens.
            }
        }
    }

    /// <summary>Whether an event can mean that something Hostnet owns has changed.</summary>
    private static bool Touches(RtnlEvent e) => e switch
    {
        LinkChanged or LinkRemoved or AddressChanged or AddressRemoved or ResyncNeeded => true,
        // A vme or the uplink joining or leaving its bridge.
        BridgePortChanged or BridgePortLeft => true,
        ProxyNeighborChanged or ProxyNeighborRemoved => true,
        RouteChanged r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        RouteRemoved r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        // Dynamic entries come and go with every ARP exchange on the LAN: only permanent ones are Hostnet's.
        NeighborChanged n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        NeighborRemoved n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        _ => false,
    };

    /// <summary>
    /// One cycle: load the state, apply it; null when it went through. Any failure (a kernel refusal, a
    /// link deleted while it was applied, a locked database) is raised, and the wait before the loop tries
    /// again is returned. Only a state that cannot be Hostnet's is thrown.
    /// </summary>
    private TimeSpan? Resync(HostEngine engine, IStateStore store, string why, RetryBackoff backoff, CancellationToken stop)
    {
        DesiredState? loaded = null;
        Heartbeat.CycleBegins();
        try
        {
            Plan plan;
            using (_agent.TakeKernelLock(tell: false))
                plan = _agent.Report(why, () => KernelService.ConvergeAll(engine, store, new ApplyOptions(), s => loaded = s));
            if (!plan.IsEmpty) Applied?.Invoke(why, PlannedChanges.Of(plan));
            if (loaded is not null)
            {
                Compare(loaded);
                _seenPending = new Dictionary<string, long>();
                _dhcp?.Follow(loaded);
            }
            backoff.Reset();
            return null;
        }
        catch (Exception e) when (!CannotBeHostnetState(e))
        {
            // A cycle that failed part-way still loaded the state: the guests of what it did apply are answered.
            if (loaded is not null) _dhcp?.Follow(loaded);
            var delay = backoff.Next();
            if (!stop.IsCancellationRequested) CycleFailed?.Invoke(why, e, delay);
            return delay;
        }
        finally
        {
            Heartbeat.CycleEnds();
        }
    }

    /// <summary>Raises <see cref="StateChanged"/> when <paramref name="now"/> differs from the state the cycle before saw.</summary>
    private void Compare(DesiredState now)
    {
        var before = _seen;
        _seen = now;
        if (before is null || before.Equals(now)) return;
        var networks = Differences(before.Networks, now.Networks, n => n.Name);
        var vms = Differences(before.Vms, now.Vms, v => v.Name);
        if (networks.Count > 0 || vms.Count > 0) StateChanged?.Invoke(networks, vms);
    }

    /// <summary>The names added, removed, or whose value differs, in order.</summary>
    private static List<string> Differences<T>(IReadOnlyList<T> before, IReadOnlyList<T> after, Func<T, string> name)
    {
        var old = before.ToDictionary(name, StringComparer.Ordinal);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in after)
        {
            if (!old.Remove(name(item), out var was) || !EqualityComparer<T>.Default.Equals(was, item)) names.Add(name(item));
        }
        names.UnionWith(old.Keys);
        return [.. names];
    }

    /// <summary>
    /// Why the loop is woken, as bits that a burst gathers: set from the event reader's thread and the
    /// state files' watcher, taken by the loop.
    /// </summary>
    private sealed class Wakeups : IDisposable
    {
        public const int Kernel = 1;
        public const int State = 2;

        private readonly ManualResetEventSlim _raised = new(false);
        private int _reasons;

        public bool IsRaised => Volatile.Read(ref _reasons) != 0;

        public void Raise(int reason)
        {
            Interlocked.Or(ref _reasons, reason);
            _raised.Set();
        }

        /// <summary>The reasons raised since the last take (0 when a raise was taken by the take before).</summary>
        public int Take()
        {
            _raised.Reset();
            return Interlocked.Exchange(ref _reasons, 0);
        }

        public bool Wait(TimeSpan timeout, CancellationToken stop) => _raised.Wait(timeout, stop);

        public void Dispose() => _raised.Dispose();
    }

    /// <summary>Whether a failed cycle says the state can never be Hostnet's, so that no retry can cure it.</summary>
    private static bool CannotBeHostnetState(Exception e) => e switch
    {
        // Rows the model refuses, a database that is not (or no longer) Hostnet's schema.
        ValidationException => true,
        StoreException s => !s.IsTransient,
        _ => false,
    };
}

using Hostnet.Engine;
using Hostnet.Engine.Observe;
using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Agent;

/// <summary>
/// The application layer of one server: its use cases, one service per resource, for every front end
/// (the CLI now, a daemon later). A use case is one unit of work: validate, persist, follow the kernel.
/// The server is this host or a named network namespace (a lab server); its state lives in
/// <see cref="StateDir"/>, kept by the store it is given (the SQLite database there unless told otherwise).
/// </summary>
public sealed class HostAgent
{
    /// <summary>Where the state lives when nothing says otherwise.</summary>
    public const string DefaultStateDir = StateStore.DefaultStateDir;

    /// <summary>The environment variable that names the state directory.</summary>
    public const string StateDirVariable = StateStore.StateDirVariable;

    /// <param name="stateDir">The state directory of this server.</param>
    /// <param name="netns">The network namespace that is the server, or null for this host.</param>
    /// <param name="warn">Where the problems go that say something went less than well without failing (a VM left out of an apply); a front end says them in its words.</param>
    /// <param name="stores">Where the desired state and the ledger are kept; null: the SQLite database in <paramref name="stateDir"/>.</param>
    public HostAgent(string stateDir, string? netns, Action<Problem>? warn = null, IStoreOpener? stores = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDir);
        StateDir = stateDir;
        Stores = stores ?? SqliteStores(stateDir);
        Netns = netns;
        Warn = warn ?? (_ => { });
        Networks = new NetworkService(this);
        Vms = new VmService(this);
        Adapters = new AdapterService(this);
        Kernel = new KernelService(this);
        StateFile = new StateFileService(this);
        Libvirt = new LibvirtService(this);
    }

    /// <summary>
    /// The agent of the server that <paramref name="netns"/> names (checked), with its state where
    /// <paramref name="stateDirOption"/> says, else <see cref="StateDirVariable"/>, else the default for that server.
    /// </summary>
    public static HostAgent For(string? stateDirOption, string? netns, Action<Problem>? warn = null)
    {
        if (netns is not null) StateRules.CheckNetnsName(netns);
        return new HostAgent(StateStore.ResolveStateDir(stateDirOption, netns), netns, warn);
    }

    public string StateDir { get; }

    /// <summary>Whether the state lives where a command without <c>--state-dir</c> looks for this server's: a fix to paste needs no option then.</summary>
    public bool HasDefaultStateDir =>
        string.Equals(Path.GetFullPath(StateDir), Path.GetFullPath(StateStore.ResolveStateDir(null, Netns)), StringComparison.Ordinal);

    /// <summary>Opens the server's store: every use case gets its desired state and its ledger from here.</summary>
    internal IStoreOpener Stores { get; }

    /// <summary>The SQLite database in <paramref name="stateDir"/>: the one place the application layer names it.</summary>
    internal static IStoreOpener SqliteStores(string stateDir) => new SqliteStoreOpener(stateDir);

    /// <summary>The network namespace that is the server, or null for this host.</summary>
    public string? Netns { get; }

    internal Action<Problem> Warn { get; }

    public NetworkService Networks { get; }

    public VmService Vms { get; }

    public AdapterService Adapters { get; }

    /// <summary>Apply, plan, and what the live kernel shows (arp, routes, trace).</summary>
    public KernelService Kernel { get; }

    /// <summary>Export and import.</summary>
    public StateFileService StateFile { get; }

    /// <summary>libvirt's QEMU hook: a domain's start and release start and stop its VM's networking.</summary>
    public LibvirtService Libvirt { get; }

    /// <summary>The watch loop: keeps the kernel true to the state until stopped.</summary>
    public Watcher Watch(TimeSpan every) => new(this, every);

    /// <summary>The state as it is now, for a use case that only reads: empty when there is no state database yet.</summary>
    internal DesiredState Load()
    {
        using var store = Stores.OpenIfExists();
        return store?.State.Load() ?? DesiredState.Empty;
    }

    /// <summary>As <see cref="Load"/>, with the VMs whose last change the kernel has not followed yet.</summary>
    internal (DesiredState State, IReadOnlySet<string> Pending) LoadWithPending()
    {
        using var store = Stores.OpenIfExists();
        if (store is null) return (DesiredState.Empty, new HashSet<string>());
        return store.State.Read(tx => (tx.Load(), (IReadOnlySet<string>)tx.PendingVms().Keys.ToHashSet(StringComparer.Ordinal)));
    }

    /// <summary>The state database for a use case that writes it (created when there is none yet).</summary>
    internal IServerStore OpenStore() => Stores.Open();

    /// <summary>
    /// One change: <paramref name="change"/> runs in one transaction, all kept or, if it throws, none; what it
    /// registers with <see cref="UnitOfWork.OnCommitted"/> runs once the transaction has committed.
    /// </summary>
    internal T Write<T>(Func<UnitOfWork, T> change)
    {
        var work = new UnitOfWork();
        var own = OwnWrites;
        var recorded = false;
        T result;
        using (var store = OpenStore())
        {
            try
            {
                result = store.State.Write(tx =>
                {
                    if (own is null) return change(work.In(tx));
                    var once = new ReadOnceTransaction(tx);
                    var before = once.Load();
                    var r = change(work.In(once));
                    // Recorded before the commit makes it visible: the loop, woken by the commit, finds it told.
                    own.Wrote(before, once.Load(), once.PendingVms());
                    recorded = true;
                    return r;
                });
            }
            catch when (recorded)
            {
                // A write recorded but not committed (the commit failed) must not pass for one.
                own!.Lapsed();
                throw;
            }
        }
        try
        {
            foreach (var action in work.Committed) action();
        }
        catch
        {
            own?.Lapsed();
            throw;
        }
        return result;
    }

    /// <summary>The writes this agent made, recorded for its watch loop (<see cref="RecordOwnWrites"/>); null: not recorded.</summary>
    internal OwnStateWrites? OwnWrites { get; private set; }

    /// <summary>
    /// Records each write this agent makes for the watch loop running in the same process (the daemon's): the loop then
    /// tells them from another process's and does not apply the whole server again for a change already followed.
    /// </summary>
    public void RecordOwnWrites() => OwnWrites ??= new OwnStateWrites();

    /// <summary>
    /// This server's <see cref="KernelLock"/>, for a use case that may program the kernel: taken before its
    /// database transaction and held (<c>using</c>) until its apply is done.
    /// </summary>
    /// <param name="tell">Whether <see cref="WaitingForKernelLock"/> hears of a wait (the watch waits without a word).</param>
    /// <exception cref="KernelLockHeldException">(<see cref="ErrorCodes.KernelLockHeld"/>) another writer held it for longer than the wait.</exception>
    internal IDisposable TakeKernelLock(bool tell = true)
    {
        try
        {
            return KernelLock.Take(StateDir, tell ? WaitingForKernelLock : null);
        }
        catch (KernelLockTimeoutException e)
        {
            throw new KernelLockHeldException(e.HolderPid, e);
        }
    }

    /// <summary>
    /// Told once, with the holder's pid when known, when a use case has waited a moment for another writer's
    /// kernel lock (<see cref="KernelLock.NoticeAfter"/>), so that the front end can say whom it waits for.
    /// </summary>
    public Action<int?>? WaitingForKernelLock { get; set; }

    /// <summary>
    /// Told of every apply this agent runs, whoever asked (a use case, <c>apply</c>, each cycle of its watch
    /// loop), once it is done or has failed: a daemon counts and tells them from one place. Called on the
    /// thread that applied; it must not throw.
    /// </summary>
    public event Action<ApplyReport>? Applied;

    /// <summary>Runs <paramref name="apply"/> and tells <see cref="Applied"/> of it, failed or not.</summary>
    internal Engine.Planning.Plan Report(string cause, Func<Engine.Planning.Plan> apply)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Engine.Planning.Plan done;
        try
        {
            done = apply();
        }
        catch (Exception e)
        {
            Applied?.Invoke(new ApplyReport(cause, new PlannedChanges([]), clock.Elapsed, e));
            throw;
        }
        Applied?.Invoke(new ApplyReport(cause, PlannedChanges.Of(done), clock.Elapsed, null));
        return done;
    }

    /// <summary>An engine for the server, with the ledger in a store of its own opening (closed with the engine).</summary>
    internal HostEngine OpenEngine()
    {
        var store = OpenStore();
        try
        {
            return OpenEngine(new StoreLedger(store.Ledger, owner: store));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>An engine for the server, with the ledger in <paramref name="store"/>.</summary>
    internal HostEngine OpenEngine(IServerStore store) => OpenEngine(new StoreLedger(store.Ledger));

    /// <summary>An engine for a use case that changes the kernel.</summary>
    private HostEngine OpenEngine(ILedger ledger)
    {
        // A lab server (--netns) does not own this host's /etc: only the real server names the protocol there,
        // and only a use case that makes routes: one that reads writes nothing anywhere.
        if (Netns is null) RouteProtocolName.EnsureNamed();
        return new HostEngine(Netns, ledger);
    }

    /// <summary>An engine for a use case that only reads the kernel (plan, arp, route).</summary>
    internal HostEngine OpenReader(ILedger ledger) => new(Netns, ledger);
}

/// <summary>One change to the state: its transaction, and what follows once it is committed.</summary>
internal sealed class UnitOfWork
{
    private readonly List<Action> _committed = [];
    private IStateTransaction? _tx;

    public IStateTransaction Tx => _tx ?? throw new InvalidOperationException("the unit of work has no transaction");

    internal IReadOnlyList<Action> Committed => _committed;

    internal UnitOfWork In(IStateTransaction tx)
    {
        _tx = tx;
        return this;
    }

    /// <summary>Runs <paramref name="action"/> once the change has committed: the kernel follows the state only after the state is durable.</summary>
    public void OnCommitted(Action action) => _committed.Add(action);
}

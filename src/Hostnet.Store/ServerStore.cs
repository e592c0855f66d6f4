namespace Hostnet.Store;

/// <summary>
/// What one server keeps, open: its desired state and its ledger of kernel objects. Disposing it closes both.
/// </summary>
public interface IServerStore : IDisposable
{
    IStateStore State { get; }

    ILedgerStore Ledger { get; }
}

/// <summary>Opens a server's store; the one place a front end or a test chooses where the state is kept.</summary>
public interface IStoreOpener
{
    /// <summary>Opens the store for a use case that writes; creates it when there is none yet.</summary>
    IServerStore Open();

    /// <summary>Opens the store for a use case that only reads; null when there is none yet (nothing is created).</summary>
    IServerStore? OpenIfExists();
}

/// <summary>The SQLite database in a state directory (<see cref="StateStore"/>): state and ledger in one file.</summary>
public sealed class SqliteStoreOpener(string stateDir) : IStoreOpener
{
    public string StateDir { get; } = stateDir;

    public IServerStore Open() => StateStore.Open(StateDir);

    public IServerStore? OpenIfExists() => StateStore.OpenIfExists(StateDir);
}

using Hostnet.Model;
using Microsoft.Data.Sqlite;

namespace Hostnet.Store;

/// <summary>
/// The state database: one SQLite file in the state directory. Every change is
/// one <c>BEGIN IMMEDIATE</c> transaction, so two hostnet processes take turns
/// (the second waits, up to <see cref="BusyTimeout"/>) and neither loses the
/// other's change; WAL lets readers go on meanwhile. The ledger of kernel objects
/// (<see cref="ILedgerStore"/>) is kept in the same file.
/// </summary>
public sealed partial class StateStore : IServerStore, IStateStore, ILedgerStore
{
    public const string DefaultStateDir = "/var/lib/hostnet";
    public const string StateDirVariable = "HOSTNET_STATE_DIR";
    public const string DatabaseFileName = "state.db";

    /// <summary>How long a writer waits for another to finish before giving up.</summary>
    public static TimeSpan BusyTimeout { get; } = TimeSpan.FromSeconds(30);

    private readonly SqliteConnection _connection;

    private StateStore(string stateDir, string databasePath, SqliteConnection connection)
    {
        StateDir = stateDir;
        DatabasePath = databasePath;
        _connection = connection;
    }

    public string StateDir { get; }

    public string DatabasePath { get; }

    /// <summary>The schema version of the open database (<c>PRAGMA user_version</c>).</summary>
    public int SchemaVersion => Convert.ToInt32(Scalar(_connection, null, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Where the state lives: <c>--state-dir</c>, else <c>$HOSTNET_STATE_DIR</c>, else, for a server that is
    /// the network namespace <paramref name="netns"/>, <c>/var/lib/hostnet/netns/NAME</c> (a lab server never
    /// shares state with the real one), else <c>/var/lib/hostnet</c>.
    /// </summary>
    public static string ResolveStateDir(string? option, string? netns) =>
        ResolveStateDir(option, netns, Environment.GetEnvironmentVariable(StateDirVariable));

    /// <inheritdoc cref="ResolveStateDir(string?, string?)"/>
    public static string ResolveStateDir(string? option, string? netns, string? environment)
    {
        if (!string.IsNullOrEmpty(option)) return option;
        if (!string.IsNullOrEmpty(environment)) return environment;
        if (!string.IsNullOrEmpty(netns)) return Path.Combine(DefaultStateDir, "netns", netns);
        return DefaultStateDir;
    }

    /// <summary>Who may read the state directory and the database: root only (it holds every VM's addresses and MACs).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <inheritdoc cref="DirectoryMode"/>
    public const UnixFileMode DatabaseMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Opens the database in <paramref name="stateDir"/> for a command that writes, and brings its schema up to
    /// date. A missing directory (0700) or database (0600) is created whole: made under a temporary name with
    /// its schema, then linked into place, so a database file without Hostnet's schema was never made by
    /// Hostnet and is refused instead of being read as a state without VMs.
    /// </summary>
    public static StateStore Open(string stateDir) => Open(stateDir, Migrations.All);

    /// <summary>As <see cref="Open(string)"/>, with the schema steps to apply (a test opens an old version this way).</summary>
    public static StateStore Open(string stateDir, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        ArgumentNullException.ThrowIfNull(migrations);
        CheckDirectoryName(stateDir);
        CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, DatabaseFileName);
        if (!File.Exists(path)) CreateDatabase(path, migrations);
        return OpenExisting(stateDir, path, migrations);
    }

    /// <summary>
    /// Opens the database for a command that only reads; null when there is no state directory or
    /// database yet (nothing is created). A database that is there must be Hostnet's, as for <see cref="Open(string)"/>.
    /// </summary>
    public static StateStore? OpenIfExists(string stateDir)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        CheckDirectoryName(stateDir);
        var path = Path.Combine(stateDir, DatabaseFileName);
        return IsThere(path) ? OpenExisting(stateDir, path, Migrations.All) : null;
    }

    /// <summary>
    /// Whether the database exists; a state directory this user may not enter (0700, not root) is an
    /// error, never "no state" (File.Exists says false for both).
    /// </summary>
    private static bool IsThere(string path)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Hostnet runs on Linux");
        for (var d = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (File.Exists(d)) throw new StoreException($"cannot read the state directory {Path.GetDirectoryName(path)}: {d} is a file, not a directory");
        }
        try
        {
            File.GetUnixFileMode(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new StoreException($"cannot read the state database {path}: {e.Message.TrimEnd('.')} (run as root)", e);
        }
    }

    private static void CheckDirectoryName(string stateDir)
    {
        // "" would resolve against the working directory, or be taken for "not given".
        if (string.IsNullOrWhiteSpace(stateDir)) throw new StoreException("the state directory is empty: give a directory with --state-dir DIR, or leave the option out");
    }

    /// <summary>Makes the directory and each missing parent 0700 whatever the umask (mkdir applies it; chmod does not).</summary>
    private static void CreateDirectory(string stateDir)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Hostnet runs on Linux");
        var missing = new Stack<string>();
        for (var d = Path.GetFullPath(stateDir); !string.IsNullOrEmpty(d) && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        var current = stateDir;
        try
        {
            foreach (var d in missing)
            {
                current = d;
                Directory.CreateDirectory(d, DirectoryMode);
                File.SetUnixFileMode(d, DirectoryMode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot create the state directory {stateDir}: {e.Message} (run as root, or give --state-dir DIR)", e);
        }
    }

    /// <summary>
    /// A new database, whole or not at all: written as <c>state.db.new-…</c> (0600, so its -wal and -shm are
    /// 0600 too: SQLite gives them the database's mode), migrated, closed, then linked to <c>state.db</c>
    /// (<see cref="File.Move(string, string, bool)"/> without overwrite links, never replaces). A kill leaves at
    /// most a temporary file, never an empty <c>state.db</c>; of two hostnets creating at once, one wins.
    /// </summary>
    private static void CreateDatabase(string path, IReadOnlyList<Migration> migrations)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Hostnet runs on Linux");
        var temporary = $"{path}.new-{Guid.NewGuid():N}";
        try
        {
            using (new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = DatabaseMode }))
            {
            }
            File.SetUnixFileMode(temporary, DatabaseMode);
            using (var connection = Connect(temporary, SqliteOpenMode.ReadWrite))
            {
                connection.Open();
                Execute(connection, null, "PRAGMA journal_mode = WAL");
                Migrate(connection, migrations, temporary);
            }
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another hostnet made it first: use that one.
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot create the state database {path}: {e.Message} (run as root, or give --state-dir DIR)", e);
        }
        catch (SqliteException e)
        {
            throw new StoreException($"cannot create the state database {path}: {e.Message}", e);
        }
        finally
        {
            foreach (var f in new[] { temporary, temporary + "-wal", temporary + "-shm" })
            {
                try
                {
                    File.Delete(f);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A leftover temporary file is harmless: it is never read.
                }
            }
        }
    }

    private static StateStore OpenExisting(string stateDir, string path, IReadOnlyList<Migration> migrations)
    {
        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            connection.Open();
            // busy_timeout first: switching to WAL and migrating may meet another process doing the same.
            Execute(connection, null, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}");
            // Before anything writes to it: an empty or foreign file is refused as it is.
            CheckHostnetSchema(connection, path);
            Execute(connection, null, "PRAGMA journal_mode = WAL");
            Execute(connection, null, "PRAGMA foreign_keys = ON");
            Migrate(connection, migrations, path);
            return new StateStore(stateDir, path, connection);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLITE_CORRUPT or SQLITE_NOTADB)
        {
            connection.Dispose();
            throw Damaged(path, e);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreException($"cannot open the state database {path}: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode) => new(new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Pooling = false,
        DefaultTimeout = (int)BusyTimeout.TotalSeconds,
    }.ToString());

    // sqlite3.h
    private const int SQLITE_CORRUPT = 11;
    private const int SQLITE_NOTADB = 26;

    /// <summary>Hostnet makes every database with its schema (<see cref="CreateDatabase"/>): one without it is not Hostnet's state.</summary>
    private static void CheckHostnetSchema(SqliteConnection connection, string path)
    {
        var version = CurrentVersion(connection, null);
        var tables = Convert.ToInt32(Scalar(connection, null,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('networks', 'vms', 'adapters')"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > 0 && tables == 3) return;
        var what = new FileInfo(path).Length == 0 ? "is empty" : "has no Hostnet schema";
        throw new StoreException(
            $"the state database {path} {what}: it is not a Hostnet state and is not read as one without VMs; restore it from a backup, or move it away to start with no state");
    }

    private static StoreException Damaged(string path, SqliteException e) =>
        new($"the state database {path} is damaged ({(e.SqliteErrorCode == SQLITE_NOTADB ? "not a database" : "malformed")}): it is not a Hostnet state and is not read as one without VMs; restore it from a backup, or move it away to start with no state", e);

    /// <summary>The whole desired state, read in one snapshot.</summary>
    public DesiredState Load() => Read(st => st.Load());

    /// <summary>
    /// Reads in one snapshot (a deferred transaction): in WAL mode it neither waits
    /// for nor blocks another connection's write.
    /// </summary>
    public T Read<T>(Func<StateTransaction, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            using var tx = _connection.BeginTransaction(deferred: true);
            using var st = new StateTransaction(_connection, tx);
            var result = read(st);
            tx.Commit();
            return result;
        }
        catch (SqliteException e) when (IsLocked(e))
        {
            // WAL readers wait for no writer; only a process holding the file in exclusive locking mode stops them.
            throw LockedTooLong(DatabasePath, e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLITE_CORRUPT or SQLITE_NOTADB)
        {
            throw Damaged(DatabasePath, e);
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> in one <c>BEGIN IMMEDIATE</c> transaction and commits it;
    /// when <paramref name="change"/> throws, nothing of it is kept.
    /// </summary>
    public T Write<T>(Func<StateTransaction, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var tx = BeginImmediate(_connection, DatabasePath);
        using var st = new StateTransaction(_connection, tx);
        var result = change(st);
        tx.Commit();
        return result;
    }

    /// <inheritdoc cref="Write{T}(Func{StateTransaction, T})"/>
    public void Write(Action<StateTransaction> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Write(st =>
        {
            change(st);
            return 0;
        });
    }

    IStateStore IServerStore.State => this;

    ILedgerStore IServerStore.Ledger => this;

    T IStateStore.Read<T>(Func<IStateTransaction, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return Read(st => read(st));
    }

    T IStateStore.Write<T>(Func<IStateTransaction, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Write(st => change(st));
    }

    void IStateStore.Write(Action<IStateTransaction> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Write(st => change(st));
    }

    public void Dispose() => _connection.Dispose();

    private static void Migrate(SqliteConnection connection, IReadOnlyList<Migration> migrations, string path)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1) throw new InvalidOperationException($"migration {i + 1} says it is version {migrations[i].Version}");
        }
        var target = migrations.Count;
        if (CurrentVersion(connection, null) == target) return;
        using var tx = BeginImmediate(connection, path);
        // Another process may have migrated while this one waited for the lock.
        var current = CurrentVersion(connection, tx);
        if (current > target)
        {
            throw new StoreException(
                $"the state database {path} has schema version {current}, newer than this hostnet knows ({target}): use a newer hostnet");
        }
        foreach (var step in migrations.Skip(current))
        {
            Execute(connection, tx, step.Sql);
            Execute(connection, tx, $"PRAGMA user_version = {step.Version}");
        }
        tx.Commit();
    }

    private static SqliteTransaction BeginImmediate(SqliteConnection connection, string path)
    {
        try
        {
            return connection.BeginTransaction(deferred: false);
        }
        catch (SqliteException e) when (IsLocked(e))
        {
            throw LockedTooLong(path, e);
        }
    }

    private static bool IsLocked(SqliteException e) => e.SqliteErrorCode is 5 or 6; // SQLITE_BUSY, SQLITE_LOCKED

    private static StoreException LockedTooLong(string path, SqliteException e) =>
        new($"the state database {path} stayed locked by another process for {BusyTimeout.TotalSeconds:0} s: try again when it has finished", e)
        {
            IsTransient = true,
        };

    private static int CurrentVersion(SqliteConnection connection, SqliteTransaction? tx) =>
        Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}

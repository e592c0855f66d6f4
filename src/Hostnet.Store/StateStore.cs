using Hostnet.Model;
using Microsoft.Data.Sqlite;

namespace Hostnet.Store;

/// <summary>
/// The state database: one SQLite file in the state directory. Every change is
/// one <c>BEGIN IMMEDIATE</c> transaction, so two hostnet processes take turns
/// (the second waits, up to <see cref="BusyTimeout"/>) and neither loses the
/// other's change; WAL lets readers go on meanwhile.
/// </summary>
public sealed class StateStore : IDisposable
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

    /// <summary>Opens (creating if needed) the database in <paramref name="stateDir"/> and brings its schema up to date.</summary>
    public static StateStore Open(string stateDir) => Open(stateDir, Migrations.All);

    /// <summary>As <see cref="Open(string)"/>, with the schema steps to apply (a test opens an old version this way).</summary>
    public static StateStore Open(string stateDir, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        ArgumentNullException.ThrowIfNull(migrations);
        try
        {
            Directory.CreateDirectory(stateDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot create the state directory {stateDir}: {e.Message} (run as root, or give --state-dir DIR)", e);
        }
        var path = Path.Combine(stateDir, DatabaseFileName);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString());
        try
        {
            connection.Open();
            // busy_timeout first: switching to WAL and migrating may meet another process doing the same.
            Execute(connection, null, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}");
            Execute(connection, null, "PRAGMA journal_mode = WAL");
            Execute(connection, null, "PRAGMA foreign_keys = ON");
            Migrate(connection, migrations, path);
            return new StateStore(stateDir, path, connection);
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

using Hostnet.Store;

namespace Hostnet.Engine.Observe;

/// <summary>The ledger in the state database (table <c>kernel_objects</c>), committed before the kernel is touched.</summary>
public sealed class StoreLedger : ILedger, IDisposable
{
    private readonly StateStore _store;
    private readonly bool _ownsStore;

    /// <param name="store">The state database.</param>
    /// <param name="ownsStore">Whether disposing the ledger (with its engine) closes the database.</param>
    public StoreLedger(StateStore store, bool ownsStore = false)
    {
        _store = store;
        _ownsStore = ownsStore;
    }

    public void Dispose()
    {
        if (_ownsStore) _store.Dispose();
    }

    public LedgerContents Load() => _store.Read(tx =>
    {
        var entries = new HashSet<LedgerEntry>();
        using var cmd = tx.CreateCommand("SELECT kind, key FROM kernel_objects");
        using var r = cmd.ExecuteReader();
        while (r.Read()) entries.Add(new LedgerEntry(Enum.Parse<LedgerKind>(r.GetString(0)), r.GetString(1)));
        return new LedgerContents(entries);
    });

    public void Record(IEnumerable<LedgerEntry> entries) =>
        Run("INSERT OR IGNORE INTO kernel_objects (kind, key) VALUES ($kind, $key)", entries);

    public void Forget(IEnumerable<LedgerEntry> entries) =>
        Run("DELETE FROM kernel_objects WHERE kind = $kind AND key = $key", entries);

    private void Run(string sql, IEnumerable<LedgerEntry> entries)
    {
        var list = entries as IReadOnlyCollection<LedgerEntry> ?? entries.ToList();
        if (list.Count == 0) return;
        _store.Write(tx =>
        {
            using var cmd = tx.CreateCommand(sql);
            var kind = cmd.Parameters.Add("$kind", Microsoft.Data.Sqlite.SqliteType.Text);
            var key = cmd.Parameters.Add("$key", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var e in list)
            {
                kind.Value = e.Kind.ToString();
                key.Value = e.Key;
                cmd.ExecuteNonQuery();
            }
        });
    }
}

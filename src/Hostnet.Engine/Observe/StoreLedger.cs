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

    public IReadOnlyList<Apply.UplinkMove> PendingMoves() => _store.Read(tx =>
    {
        var moves = new List<Apply.UplinkMove>();
        using var cmd = tx.CreateCommand("SELECT uplink, bridge, direction, from_index, records FROM uplink_moves ORDER BY started");
        using var r = cmd.ExecuteReader();
        while (r.Read()) moves.Add(JournalText.Read(r.GetString(0), r.GetString(1), r.GetString(2) == "enslave", r.GetInt32(3), r.GetString(4)));
        return (IReadOnlyList<Apply.UplinkMove>)moves;
    });

    public void BeginMove(Apply.UplinkMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        _store.Write(tx =>
        {
            using var cmd = tx.CreateCommand("""
                INSERT OR REPLACE INTO uplink_moves (uplink, bridge, direction, from_index, records, started)
                VALUES ($uplink, $bridge, $direction, $from, $records, $started)
                """);
            cmd.Parameters.AddWithValue("$uplink", move.Uplink);
            cmd.Parameters.AddWithValue("$bridge", move.Bridge);
            cmd.Parameters.AddWithValue("$direction", move.Enslave ? "enslave" : "release");
            cmd.Parameters.AddWithValue("$from", move.FromIndex);
            cmd.Parameters.AddWithValue("$records", JournalText.Write(move));
            cmd.Parameters.AddWithValue("$started", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        });
    }

    public void EndMove(Apply.UplinkMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        _store.Write(tx =>
        {
            using var cmd = tx.CreateCommand("DELETE FROM uplink_moves WHERE uplink = $uplink");
            cmd.Parameters.AddWithValue("$uplink", move.Uplink);
            cmd.ExecuteNonQuery();
        });
    }

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

/// <summary>A move's records as text, one per line: <c>A</c>, <c>N</c> or <c>R</c>, then the kernel's message in hex.</summary>
internal static class JournalText
{
    public static string Write(Apply.UplinkMove move) => string.Join('\n',
        move.Addresses.Select(a => "A " + a.ToHex())
            .Concat(move.Nexthops.Select(n => "N " + n.ToHex()))
            .Concat(move.Routes.Select(r => "R " + r.ToHex())));

    public static Apply.UplinkMove Read(string uplink, string bridge, bool enslave, int fromIndex, string text)
    {
        var addresses = new List<Netlink.AddressRecord>();
        var routes = new List<Netlink.RouteRecord>();
        var nexthops = new List<Netlink.NexthopRecord>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var hex = line[2..];
            switch (line[0])
            {
                case 'A': addresses.Add(Netlink.AddressRecord.FromHex(hex)); break;
                case 'N': nexthops.Add(Netlink.NexthopRecord.FromHex(hex)); break;
                case 'R': routes.Add(Netlink.RouteRecord.FromHex(hex)); break;
            }
        }
        return new Apply.UplinkMove(uplink, bridge, enslave, fromIndex, addresses, routes, nexthops);
    }
}

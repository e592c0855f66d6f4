using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Hostnet.Store;

/// <summary>
/// The ledger in the state database: table <c>kernel_objects</c>, and the journal of uplink moves in table
/// <c>uplink_moves</c>. Each call is its own transaction, committed before the kernel is touched.
/// </summary>
public sealed partial class StateStore
{
    public IReadOnlyList<LedgerRow> Entries() => Read(tx =>
    {
        // Sized first: a server's ledger holds tens of thousands of rows, and a list grown by doubling
        // leaves a large array behind at each step (each one a full collection's worth of garbage).
        using var count = tx.CreateCommand("SELECT count(*) FROM kernel_objects");
        var rows = new List<LedgerRow>(Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        using var cmd = tx.CreateCommand("SELECT kind, key FROM kernel_objects");
        using var r = cmd.ExecuteReader();
        while (r.Read()) rows.Add(new LedgerRow(r.GetString(0), r.GetString(1)));
        return rows;
    });

    public void Record(IReadOnlyCollection<LedgerRow> rows) =>
        RunForEach("INSERT OR IGNORE INTO kernel_objects (kind, key) VALUES ($kind, $key)", rows);

    public void Forget(IReadOnlyCollection<LedgerRow> rows) =>
        RunForEach("DELETE FROM kernel_objects WHERE kind = $kind AND key = $key", rows);

    public IReadOnlyList<JournaledMove> PendingMoves() => Read(tx =>
    {
        var moves = new List<JournaledMove>();
        using var cmd = tx.CreateCommand("SELECT uplink, bridge, direction, from_index, records FROM uplink_moves ORDER BY started");
        using var r = cmd.ExecuteReader();
        while (r.Read()) moves.Add(new JournaledMove(r.GetString(0), r.GetString(1), r.GetString(2) == "enslave", r.GetInt32(3), r.GetString(4)));
        return moves;
    });

    public void BeginMove(JournaledMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        Write(tx =>
        {
            using var cmd = tx.CreateCommand("""
                INSERT OR REPLACE INTO uplink_moves (uplink, bridge, direction, from_index, records, started)
                VALUES ($uplink, $bridge, $direction, $from, $records, $started)
                """);
            cmd.Parameters.AddWithValue("$uplink", move.Uplink);
            cmd.Parameters.AddWithValue("$bridge", move.Bridge);
            cmd.Parameters.AddWithValue("$direction", move.Enslave ? "enslave" : "release");
            cmd.Parameters.AddWithValue("$from", move.FromIndex);
            cmd.Parameters.AddWithValue("$records", move.Records);
            cmd.Parameters.AddWithValue("$started", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        });
    }

    public void EndMove(string uplink)
    {
        ArgumentNullException.ThrowIfNull(uplink);
        Write(tx =>
        {
            using var cmd = tx.CreateCommand("DELETE FROM uplink_moves WHERE uplink = $uplink");
            cmd.Parameters.AddWithValue("$uplink", uplink);
            cmd.ExecuteNonQuery();
        });
    }

    private void RunForEach(string sql, IReadOnlyCollection<LedgerRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return;
        Write(tx =>
        {
            using var cmd = tx.CreateCommand(sql);
            var kind = cmd.Parameters.Add("$kind", SqliteType.Text);
            var key = cmd.Parameters.Add("$key", SqliteType.Text);
            foreach (var row in rows)
            {
                kind.Value = row.Kind;
                key.Value = row.Key;
                cmd.ExecuteNonQuery();
            }
        });
    }
}

namespace Hostnet.Store;

/// <summary>
/// Where the ledger of the kernel objects Hostnet made on this server is kept durably, with the journal of
/// the moves of the server's own network. It stays on the server whatever keeps the desired state. Each
/// call is one transaction of its own, committed when it returns.
/// </summary>
public interface ILedgerStore
{
    /// <summary>Every entry of the ledger.</summary>
    IReadOnlyList<LedgerRow> Entries();

    /// <summary>Adds entries (one already there stays as it is).</summary>
    void Record(IReadOnlyCollection<LedgerRow> rows);

    /// <summary>Removes entries (one not there is no error).</summary>
    void Forget(IReadOnlyCollection<LedgerRow> rows);

    /// <summary>The moves begun and never ended, oldest first.</summary>
    IReadOnlyList<JournaledMove> PendingMoves();

    /// <summary>Journals a move, replacing one of the same uplink.</summary>
    void BeginMove(JournaledMove move);

    /// <summary>Removes the journaled move of <paramref name="uplink"/>.</summary>
    void EndMove(string uplink);
}

/// <summary>One ledger entry as kept: its kind's name and its key (a link name, <c>DEV ADDRESS</c>, …).</summary>
public readonly record struct LedgerRow(string Kind, string Key);

/// <summary>
/// A move of an uplink into (<paramref name="Enslave"/>) or out of a bridge, as journaled before its first
/// step: <paramref name="Records"/> is the before-state as the engine wrote it, kept as given.
/// </summary>
public sealed record JournaledMove(string Uplink, string Bridge, bool Enslave, int FromIndex, string Records);

namespace Hostnet.Engine.Observe;

/// <summary>
/// What Hostnet has made on a server that the kernel cannot mark as Hostnet's:
/// host interface names (recorded before the interface is created, so that a
/// crash leaves nothing the next apply cannot find), proxy entries on the
/// uplink, and guest namespaces Hostnet created (removed with their VM).
/// </summary>
public interface ILedger
{
    LedgerContents Load();

    /// <summary>Records entries durably, before the kernel objects are made.</summary>
    void Record(IEnumerable<LedgerEntry> entries);

    /// <summary>Forgets entries, after the kernel objects are gone.</summary>
    void Forget(IEnumerable<LedgerEntry> entries);

    /// <summary>The moves of the server's own network that were begun and never ended (the journal).</summary>
    IReadOnlyList<Apply.UplinkMove> PendingMoves();

    /// <summary>Records a move with its complete before-state, durably, before its first step.</summary>
    void BeginMove(Apply.UplinkMove move);

    /// <summary>Ends a move: it is done, or all of it is undone.</summary>
    void EndMove(Apply.UplinkMove move);
}

/// <summary>What the ledger holds.</summary>
public enum LedgerKind
{
    Link,
    Proxy,
    Namespace,
    Bridge,
    Uplink,
}

/// <summary>One ledger row: a link name, a proxy entry as <c>DEV ADDRESS</c>, or a namespace name.</summary>
public readonly record struct LedgerEntry(LedgerKind Kind, string Key)
{
    public static LedgerEntry Link(string name) => new(LedgerKind.Link, name);
    public static LedgerEntry Proxy(string dev, IpAddress address) => new(LedgerKind.Proxy, $"{dev} {address}");
    public static LedgerEntry Namespace(string name) => new(LedgerKind.Namespace, name);
    public static LedgerEntry Bridge(string name) => new(LedgerKind.Bridge, name);
    public static LedgerEntry Uplink(string uplink, string bridge) => new(LedgerKind.Uplink, $"{uplink} {bridge}");
}

public sealed record LedgerContents(IReadOnlySet<LedgerEntry> Entries)
{
    public bool Has(LedgerEntry e) => Entries.Contains(e);

    public IEnumerable<string> Keys(LedgerKind kind) => Entries.Where(e => e.Kind == kind).Select(e => e.Key);
}

/// <summary>A ledger in memory, for tests and plans that change nothing.</summary>
public sealed class MemoryLedger : ILedger
{
    private readonly HashSet<LedgerEntry> _entries = [];

    public LedgerContents Load() => new(new HashSet<LedgerEntry>(_entries));

    public void Record(IEnumerable<LedgerEntry> entries) => _entries.UnionWith(entries);

    public void Forget(IEnumerable<LedgerEntry> entries) => _entries.ExceptWith(entries);

    private readonly Dictionary<string, Apply.UplinkMove> _moves = new(StringComparer.Ordinal);

    public IReadOnlyList<Apply.UplinkMove> PendingMoves() => [.. _moves.Values];

    public void BeginMove(Apply.UplinkMove move) => _moves[move.Uplink] = move;

    public void EndMove(Apply.UplinkMove move) => _moves.Remove(move.Uplink);
}

using Hostnet.Store;

namespace Hostnet.Engine.Observe;

/// <summary>
/// The ledger kept by the server's <see cref="ILedgerStore"/>: each record is committed there before the
/// kernel is touched. Entries and moves are turned into what the store keeps (kind names, journal text) here;
/// how they are stored is the store's.
/// </summary>
public sealed class StoreLedger : ILedger, IDisposable
{
    private readonly ILedgerStore _store;
    private readonly IDisposable? _owner;

    /// <param name="store">Where the ledger is kept.</param>
    /// <param name="owner">What disposing the ledger (with its engine) closes, if anything: the store it was opened with.</param>
    public StoreLedger(ILedgerStore store, IDisposable? owner = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _owner = owner;
    }

    public void Dispose() => _owner?.Dispose();

    public LedgerContents Load()
    {
        var rows = _store.Entries();
        var entries = new HashSet<LedgerEntry>(rows.Count);
        foreach (var r in rows) entries.Add(new LedgerEntry(Kinds[r.Kind], r.Key));
        return new LedgerContents(entries);
    }

    /// <summary>Each kind by the name the store keeps it under (one lookup a row: a server's ledger holds tens of thousands).</summary>
    private static readonly Dictionary<string, LedgerKind> Kinds =
        Enum.GetValues<LedgerKind>().ToDictionary(k => k.ToString(), StringComparer.Ordinal);

    public void Record(IEnumerable<LedgerEntry> entries) => _store.Record(Rows(entries));

    public void Forget(IEnumerable<LedgerEntry> entries) => _store.Forget(Rows(entries));

    public IReadOnlyList<Apply.UplinkMove> PendingMoves() =>
        _store.PendingMoves().Select(m => JournalText.Read(m.Uplink, m.Bridge, m.Enslave, m.FromIndex, m.Records)).ToList();

    public void BeginMove(Apply.UplinkMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        _store.BeginMove(new JournaledMove(move.Uplink, move.Bridge, move.Enslave, move.FromIndex, JournalText.Write(move)));
    }

    public void EndMove(Apply.UplinkMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        _store.EndMove(move.Uplink);
    }

    private static List<LedgerRow> Rows(IEnumerable<LedgerEntry> entries) =>
        entries.Select(e => new LedgerRow(e.Kind.ToString(), e.Key)).ToList();
}

/// <summary>
/// A move's records as text, one per line: <c>A</c> (address), <c>N</c> (nexthop), <c>R</c> (route) or <c>P</c>
/// (policy rule), then the kernel's message in hex. A journal written before rules moved has no <c>P</c> lines.
/// </summary>
internal static class JournalText
{
    public static string Write(Apply.UplinkMove move) => string.Join('\n',
        move.Addresses.Select(a => "A " + a.ToHex())
            .Concat(move.Nexthops.Select(n => "N " + n.ToHex()))
            .Concat(move.Routes.Select(r => "R " + r.ToHex()))
            .Concat(move.Rules.Select(r => "P " + r.ToHex())));

    public static Apply.UplinkMove Read(string uplink, string bridge, bool enslave, int fromIndex, string text)
    {
        var addresses = new List<Netlink.AddressRecord>();
        var routes = new List<Netlink.RouteRecord>();
        var nexthops = new List<Netlink.NexthopRecord>();
        var rules = new List<Netlink.RuleRecord>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var hex = line[2..];
            switch (line[0])
            {
                case 'A': addresses.Add(Netlink.AddressRecord.FromHex(hex)); break;
                case 'N': nexthops.Add(Netlink.NexthopRecord.FromHex(hex)); break;
                case 'R': routes.Add(Netlink.RouteRecord.FromHex(hex)); break;
                case 'P': rules.Add(Netlink.RuleRecord.FromHex(hex)); break;
            }
        }
        return new Apply.UplinkMove(uplink, bridge, enslave, fromIndex, addresses, routes, nexthops) { Rules = rules };
    }
}

namespace Hostnet.Store.Tests;

/// <summary>The ledger's tables in the state database, through <see cref="ILedgerStore"/>.</summary>
public class LedgerStoreTests
{
    [Fact]
    public void Rows_are_kept_once_and_forgotten_by_kind_and_key()
    {
        using var dir = new TempDir();
        using (var store = StateStore.Open(dir.Path))
        {
            ILedgerStore ledger = store;
            ledger.Record([new LedgerRow("Link", "vme1"), new LedgerRow("Bridge", "vme1"), new LedgerRow("Link", "vme1")]);
            ledger.Forget([new LedgerRow("Namespace", "vme1")]);
        }
        using (var store = StateStore.Open(dir.Path))
        {
            ILedgerStore ledger = store;
            Assert.Equal([new LedgerRow("Bridge", "vme1"), new LedgerRow("Link", "vme1")], ledger.Entries().OrderBy(r => r.Kind, StringComparer.Ordinal));
            ledger.Forget([new LedgerRow("Link", "vme1")]);
            Assert.Equal([new LedgerRow("Bridge", "vme1")], ledger.Entries());
        }
    }

    [Fact]
    public void Moves_come_back_oldest_first_with_their_records_as_given_until_ended()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        ILedgerStore ledger = store;
        var first = new JournaledMove("eth0", "br0", Enslave: true, FromIndex: 2, "A 00\nR 01");
        var second = new JournaledMove("eth1", "br1", Enslave: false, FromIndex: 5, "");
        ledger.BeginMove(first);
        Thread.Sleep(5);
        ledger.BeginMove(second);

        Assert.Equal([first, second], ledger.PendingMoves());

        ledger.EndMove("eth0");
        Assert.Equal([second], ledger.PendingMoves());
        ledger.EndMove("eth9");
        Assert.Equal([second], ledger.PendingMoves());
    }
}

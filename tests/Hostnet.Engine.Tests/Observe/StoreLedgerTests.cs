using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Netlink;
using Hostnet.Store;

namespace Hostnet.Engine.Tests.Observe;

/// <summary>The engine's ledger kept through the store's ledger interface: what is recorded and journaled comes back as it was.</summary>
public sealed class StoreLedgerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hostnet-ledger-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // ifaddrmsg (AF_INET, /24, ifindex 7) with IFA_LOCAL 192.168.200.1.
    private static readonly AddressRecord Address = AddressRecord.FromHex("021800000700000008000200C0A8C801");

    // fib_rule_hdr (AF_INET, table 100, FR_ACT_TO_TBL) with FRA_IIFNAME eth0, FRA_PRIORITY 1000, FRA_TABLE 100.
    private static readonly RuleRecord Rule = RuleRecord.FromHex("020000006400000100000000" + "090003006574683000000000" + "08000600E8030000" + "08000F0064000000");

    private static readonly LedgerEntry[] Entries =
    [
        LedgerEntry.Link("vme1a2b3c4d0"),
        LedgerEntry.Proxy("eth0", IpAddress.Parse("192.168.200.201")),
        LedgerEntry.Namespace("lab-vm2"),
        LedgerEntry.Bridge("br1"),
        LedgerEntry.Uplink("eth0", "br1"),
    ];

    [Fact]
    public void Entries_recorded_come_back_after_the_store_is_reopened_and_forgotten_ones_do_not()
    {
        using (var store = StateStore.Open(_dir))
        {
            var ledger = new StoreLedger(store);
            ledger.Record(Entries);
            ledger.Record(Entries.Take(2));
            ledger.Record([]);
        }
        using (var store = StateStore.Open(_dir))
        {
            var ledger = new StoreLedger(store);
            Assert.Equal(Entries.ToHashSet(), ledger.Load().Entries);
            ledger.Forget([Entries[1], Entries[3], LedgerEntry.Link("never-recorded")]);
            Assert.Equal(new[] { Entries[0], Entries[2], Entries[4] }.ToHashSet(), ledger.Load().Entries);
            Assert.Equal(["eth0 br1"], ledger.Load().Keys(LedgerKind.Uplink));
        }
    }

    [Fact]
    public void A_journaled_move_comes_back_whole_until_it_is_ended()
    {
        var release = new UplinkMove("eth0", "br1", Enslave: false, FromIndex: 7, [Address], [], []);
        var enslave = new UplinkMove("eth0", "br1", Enslave: true, FromIndex: 3, [Address, Address], [], []);
        using (var store = StateStore.Open(_dir))
        {
            var ledger = new StoreLedger(store);
            ledger.BeginMove(release);
            // A move of the same uplink replaces the one journaled before it.
            ledger.BeginMove(enslave);
        }
        using (var store = StateStore.Open(_dir))
        {
            var ledger = new StoreLedger(store);
            var back = Assert.Single(ledger.PendingMoves());
            Assert.Equal((enslave.Uplink, enslave.Bridge, enslave.Enslave, enslave.FromIndex), (back.Uplink, back.Bridge, back.Enslave, back.FromIndex));
            Assert.Equal(enslave.Addresses, back.Addresses);
            Assert.Equal("192.168.200.1/24", back.Addresses[0].ToString());
            Assert.Empty(back.Routes);
            Assert.Empty(back.Nexthops);

            ledger.EndMove(back);
            Assert.Empty(ledger.PendingMoves());
        }
    }

    [Fact]
    public void A_journaled_move_keeps_its_rules_and_one_journaled_before_rules_moved_reads_without_them()
    {
        var move = new UplinkMove("eth0", "br1", Enslave: true, FromIndex: 3, [Address], [], []) { Rules = [Rule] };
        using var store = StateStore.Open(_dir);
        var ledger = new StoreLedger(store);
        ledger.BeginMove(move);
        var back = Assert.Single(ledger.PendingMoves());
        Assert.Equal([Rule], back.Rules);
        Assert.Equal("iif eth0 lookup 100 priority 1000", back.Rules[0].ToString());
        Assert.Contains("rule iif eth0 lookup 100 priority 1000", back.Describe());

        // What an earlier Hostnet journaled: addresses, nexthops and routes, no rules.
        store.BeginMove(new JournaledMove("eth0", "br1", Enslave: true, FromIndex: 3, "A " + Address.ToHex()));
        var old = Assert.Single(ledger.PendingMoves());
        Assert.Equal([Address], old.Addresses);
        Assert.Empty(old.Rules);
    }

    [Fact]
    public void Disposing_the_ledger_closes_the_store_it_owns_and_only_that()
    {
        var owner = new Owner();
        using (var store = StateStore.Open(_dir))
        {
            new StoreLedger(store).Dispose();
            // Not owned: still open.
            Assert.Empty(store.Entries());
            new StoreLedger(store, owner).Dispose();
        }
        Assert.True(owner.Disposed);
    }

    private sealed class Owner : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}

using System.Collections.Concurrent;
using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

public class NftMonitorTests
{
    [PrivilegedFact]
    public void Changes_made_by_nft_arrive_naming_their_family_and_table()
    {
        using var t = new TestNamespace("nftmon");
        using var monitor = NftMonitor.Open(t.Handle);
        var events = new BlockingCollection<NftablesEvent>();
        using var cts = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            foreach (var e in monitor.Read(cts.Token)) events.Add(e);
        }) { IsBackground = true };
        reader.Start();

        Nft(t, "add table inet hostnet");
        Nft(t, "add set inet hostnet guests { type ifname; }");
        Nft(t, "add element inet hostnet guests { \"vme7b9a73a1.0\" }");
        Nft(t, "add table bridge other");
        // What an admin does: every table goes, and each one is announced.
        Nft(t, "flush ruleset");

        var seen = new List<NftablesEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && seen.Count(e => e is NftablesChanged { Table: "hostnet" }) < 5)
        {
            if (events.TryTake(out var e, 100)) seen.Add(e);
        }
        // The flush's own messages may still be on their way: read until a quiet spell.
        while (events.TryTake(out var e, 300)) seen.Add(e);
        cts.Cancel();
        Assert.True(reader.Join(TimeSpan.FromSeconds(2)), "the monitor did not stop on cancellation");

        Assert.DoesNotContain(seen, e => e is NftablesEventsLost);
        Assert.Contains(seen, e => e is NftablesChanged { Family: "bridge", Table: "other" });
        // add table, add set, add element; then the flush's set, table (and element) removals.
        Assert.True(seen.Count(e => e is NftablesChanged { Family: "inet", Table: "hostnet" }) >= 5, string.Join(", ", seen));
        Assert.Equal("", Sh.InNetns(t.Name, "nft", "list", "tables").Stdout.Trim());
    }

    private static void Nft(TestNamespace t, string command) =>
        Sh.InNetns(t.Name, "nft", command.Split(' ')).EnsureSuccess("nft " + command);

    /// <summary>A NFT_MSG_NEWSETELEM notification: nlmsghdr, nfgenmsg (family inet), NFTA_SET_ELEM_LIST_TABLE "hostnet", NFTA_SET_ELEM_LIST_SET "guests".</summary>
    private static readonly byte[] NewSetElement =
    [
        44, 0, 0, 0, 12, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 0, 7,
        12, 0, 1, 0, (byte)'h', (byte)'o', (byte)'s', (byte)'t', (byte)'n', (byte)'e', (byte)'t', 0,
        11, 0, 2, 0, (byte)'g', (byte)'u', (byte)'e', (byte)'s', (byte)'t', (byte)'s', 0, 0,
    ];

    /// <summary>A NFT_MSG_NEWGEN notification (NFTA_GEN_ID 5): names no table, so no event.</summary>
    private static readonly byte[] NewGeneration =
    [
        28, 0, 0, 0, 15, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0,
        8, 0, 1, 0, 0, 0, 0, 5,
    ];

    [Fact]
    public void A_set_element_message_names_its_table_and_the_generation_message_is_skipped()
    {
        var into = new List<NftablesEvent>();
        NftMonitor.Decode([.. NewSetElement, .. NewGeneration], into);
        Assert.Equal([new NftablesChanged("inet", "hostnet")], into);
    }

    [Fact]
    public void A_truncated_message_is_a_loss_not_an_exception()
    {
        var into = new List<NftablesEvent>();
        NftMonitor.Decode(NewSetElement.AsSpan(0, 30), into);
        Assert.IsType<NftablesEventsLost>(Assert.Single(into));
    }
}

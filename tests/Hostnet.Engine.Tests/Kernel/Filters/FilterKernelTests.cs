using System.Security.Cryptography;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Netlink;
using Hostnet.TestKit;

namespace Hostnet.Engine.Tests.Kernel.Filters;

/// <summary>
/// Hostnet's tables through libnftables in a namespace this test makes: what is made lists back as the
/// shape wanted (so an apply that made them observes nothing to do), and elements go in and out
/// one by one, as nft itself shows them.
/// </summary>
public sealed class FilterKernelTests : IDisposable
{
    private readonly string _ns = "hniso-f" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public FilterKernelTests()
    {
        if (Privilege.SkipReason is null) Sh.Ip("netns", "add", _ns);
    }

    public void Dispose()
    {
        if (Privilege.SkipReason is null) Sh.Run("ip", ["netns", "del", _ns]);
    }

    private string Run(string commands)
    {
        using var ns = NetNamespace.Open(_ns);
        return ns.Invoke(() =>
        {
            using var nft = Nftables.Open();
            return nft.Run(commands, "test");
        });
    }

    private FilterListing List(FilterFamily f) => FilterJson.Table(f, Run($"list table {FilterTable.FamilyName(f)} hostnet"));

    [PrivilegedFact]
    public void Each_table_made_lists_back_as_the_shape_wanted_and_made_again_replaces_what_an_admin_changed()
    {
        foreach (var rs in new[] { HostnetRuleset.Bridge, HostnetRuleset.Inet, HostnetRuleset.Arp })
        {
            Run(rs.CreateCommands());
            Assert.Equal(rs.Shape, List(rs.Family).Shape);

            // An admin's change: a rule gone. The shape says so, and making the table again mends it.
            var family = FilterTable.FamilyName(rs.Family);
            Sh.InNetns(_ns, "nft", "flush", "chain", family, "hostnet", rs.Chains[0].Name).EnsureSuccess("nft flush chain");
            Assert.NotEqual(rs.Shape, List(rs.Family).Shape);
            Run(rs.CreateCommands());
            Assert.Equal(rs.Shape, List(rs.Family).Shape);
        }
        Assert.Equal([FilterFamily.Bridge, FilterFamily.Inet, FilterFamily.Arp], FilterJson.HostnetTables(Run("list tables")));
    }

    [PrivilegedFact]
    public void Elements_added_and_deleted_are_what_nft_lists()
    {
        Run(HostnetRuleset.Inet.CreateCommands());
        FilterElement[] elements =
        [
            new(FilterFamily.Inet, "mac", "vme7b9a73a1.0 . 02:00:00:00:00:01"),
            new(FilterFamily.Inet, "addr4", "vme7b9a73a1.0 . 192.168.200.201"),
            new(FilterFamily.Inet, "addr6", "vme7b9a73a1.0 . 2001:db8::201"),
            new(FilterFamily.Inet, "mac_on", "vme7b9a73a1.0"),
            new(FilterFamily.Inet, "guests", "vme7b9a73a1.0"),
            new(FilterFamily.Inet, "ident6", "vme7b9a73a1.0 . 02:00:00:00:00:01 . 2001:db8::201"),
            new(FilterFamily.Inet, "server_ports", "vme7b9a73a1.0 . tcp . 53"),
        ];
        Run(FilterJson.ElementCommands(elements, add: true));
        var listed = List(FilterFamily.Inet);
        foreach (var e in elements) Assert.Equal([e.Key], listed.Elements[e.Set]);
        // nft's own text shows the same element.
        Assert.Contains("\"vme7b9a73a1.0\" . 192.168.200.201", Sh.InNetns(_ns, "nft", "list", "set", "inet", "hostnet", "addr4").Stdout, StringComparison.Ordinal);

        Run(FilterJson.ElementCommands(elements[..2], add: false));
        listed = List(FilterFamily.Inet);
        Assert.Empty(listed.Elements["mac"]);
        Assert.Empty(listed.Elements["addr4"]);
        Assert.Single(listed.Elements["mac_on"]);
    }

    [PrivilegedFact]
    public void A_table_of_an_earlier_layout_lists_as_another_shape_and_is_replaced_whole_with_its_elements()
    {
        // The inet table as an earlier Hostnet made it: every rule behind its own protection's lookup, no guests set.
        Run("""
            add table inet hostnet
            add set inet hostnet mac_on { type ifname; }
            add set inet hostnet mac { type ifname . ether_addr; }
            add chain inet hostnet prerouting { type filter hook prerouting priority -300; policy accept; }
            add rule inet hostnet prerouting iifname @mac_on iifname . ether saddr != @mac drop comment "hostnet mac 3c7087c0"
            add element inet hostnet mac_on { "vme7b9a73a1.0" }
            """);
        Assert.NotEqual(HostnetRuleset.Inet.Shape, List(FilterFamily.Inet).Shape);

        Run(HostnetRuleset.Inet.CreateCommands());
        var listed = List(FilterFamily.Inet);
        Assert.Equal(HostnetRuleset.Inet.Shape, listed.Shape);
        Assert.Empty(listed.Elements["mac_on"]);
        var prerouting = Sh.InNetns(_ns, "nft", "list", "chain", "inet", "hostnet", "prerouting").Stdout;
        Assert.Contains("iifname != @guests return", prerouting, StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void A_refused_command_says_what_nft_said_in_one_line()
    {
        var e = Assert.Throws<NetlinkException>(() => Run(FilterJson.ElementCommands([new FilterElement(FilterFamily.Bridge, "mac_on", "vme1.0")], add: true)));
        Assert.Equal("test", e.Operation);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("No such file or directory", e.Message, StringComparison.Ordinal);
    }
}

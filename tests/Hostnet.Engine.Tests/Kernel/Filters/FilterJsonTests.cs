using System.Text.Json;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Kernel.Filters;

/// <summary>The JSON Hostnet writes to libnftables and reads back from it, and the elements the intent wants; no privileges.</summary>
public class FilterJsonTests
{
    [Fact]
    public void Elements_are_written_one_command_per_set_concatenations_as_concat_and_ports_as_numbers()
    {
        var json = FilterJson.ElementCommands(
        [
            new FilterElement(FilterFamily.Bridge, "mac", "vme7b9a73a1.0 . 02:00:00:00:00:03"),
            new FilterElement(FilterFamily.Bridge, "mac", "vme00000004.0 . 02:00:00:00:00:04"),
            new FilterElement(FilterFamily.Bridge, "mac_on", "vme7b9a73a1.0"),
            new FilterElement(FilterFamily.Inet, "server_ports", "br1 . tcp . 53"),
        ], add: true);

        Assert.Equal(
            """{"nftables":[{"add":{"element":{"family":"bridge","table":"hostnet","name":"mac","elem":[{"concat":["vme7b9a73a1.0","02:00:00:00:00:03"]},{"concat":["vme00000004.0","02:00:00:00:00:04"]}]}}},"""
            + """{"add":{"element":{"family":"bridge","table":"hostnet","name":"mac_on","elem":["vme7b9a73a1.0"]}}},"""
            + """{"add":{"element":{"family":"inet","table":"hostnet","name":"server_ports","elem":[{"concat":["br1","tcp",53]}]}}}]}""",
            json);
        Assert.Contains("\"delete\":{\"element\"", FilterJson.ElementCommands([new FilterElement(FilterFamily.Arp, "arp_on", "vme7b9a73a1.0")], add: false), StringComparison.Ordinal);
    }

    [Fact]
    public void An_element_that_does_not_fit_its_set_is_refused_before_anything_is_sent()
    {
        Assert.Throws<InvalidOperationException>(() => FilterJson.ElementCommands([new FilterElement(FilterFamily.Bridge, "mac", "vme7b9a73a1.0")], add: true));
    }

    // `nft -j list table arp hostnet` (nftables 1.0.6) after a Hostnet apply, trimmed to one rule.
    private const string ArpListing = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
         {"table": {"family": "arp", "name": "hostnet", "handle": 3}},
         {"set": {"family": "arp", "name": "mac", "table": "hostnet", "type": ["ifname", "ether_addr"], "handle": 2, "elem": [{"concat": ["vme1.0", "02:00:00:00:00:01"]}]}},
         {"set": {"family": "arp", "name": "arp_on", "table": "hostnet", "type": "ifname", "handle": 4, "elem": ["vme1.0", {"elem": {"val": "vme2.0", "comment": "x"}}]}},
         {"chain": {"family": "arp", "table": "hostnet", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
         {"rule": {"family": "arp", "table": "hostnet", "chain": "input", "handle": 5, "comment": "hostnet arp-mac 0badcafe", "expr": [{"drop": null}]}}]}
        """;

    [Fact]
    public void A_listing_gives_the_tables_shape_and_each_sets_elements()
    {
        var t = FilterJson.Table(FilterFamily.Arp, ArpListing);

        Assert.Equal(["vme1.0 . 02:00:00:00:00:01"], t.Elements["mac"]);
        Assert.Equal(["vme1.0", "vme2.0"], t.Elements["arp_on"]);
        Assert.Equal("set arp_on ifname;set mac ifname,ether_addr;chain input input 0:hostnet arp-mac 0badcafe,;", t.Shape);
        Assert.NotEqual(HostnetRuleset.Arp.Shape, t.Shape);
    }

    [Fact]
    public void List_tables_names_the_families_that_hold_a_hostnet_table()
    {
        const string json = """{"nftables": [{"metainfo": {"json_schema_version": 1}}, {"table": {"family": "bridge", "name": "hostnet", "handle": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 2}}, {"table": {"family": "arp", "name": "hostnet", "handle": 3}}]}""";
        Assert.Equal([FilterFamily.Bridge, FilterFamily.Arp], FilterJson.HostnetTables(json));
        Assert.Empty(FilterJson.HostnetTables(""));
    }

    [Fact]
    public void Every_rule_reads_the_sets_of_its_own_table_and_carries_a_distinct_comment()
    {
        foreach (var rs in new[] { HostnetRuleset.Bridge, HostnetRuleset.Inet, HostnetRuleset.Arp })
        {
            var names = rs.Sets.Select(s => s.Name).ToHashSet();
            foreach (var r in rs.Rules)
            {
                foreach (var word in r.Body.Split(' ').Where(w => w.StartsWith('@'))) Assert.Contains(word[1..], names);
            }
            Assert.Equal(rs.Rules.Count, rs.Rules.Select(r => r.Comment).Distinct().Count());
            Assert.StartsWith($"add table {FilterTable.FamilyName(rs.Family)} hostnet\ndelete table", rs.CreateCommands(), StringComparison.Ordinal);
        }
    }

    private static readonly Guid Vm1 = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly Guid Vm3 = Guid.Parse("00000003-0000-4000-8000-000000000003");

    private static DesiredState Mixed(Protections routed = Protections.All, Protections bridged = Protections.All) =>
        new(
        [
            Network.HostRouted("Routed", "eth0") with { ServerPorts = [new ServerPort("tcp", 53)] },
            Network.Bridged("Bridged", "br1", "eth0") with { ServerPorts = [new ServerPort("udp", 53)] },
        ],
        [
            new Vm("vm1", Vm1, Guest.Netns("lab-vm1"), true,
                [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"), [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null) { Protections = routed }]),
            new Vm("vm3", Vm3, Guest.Netns("lab-vm3"), true,
                [new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:03"), [], null) { Protections = bridged }]),
        ]);

    private static readonly ServerFacts Facts = new(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: false)
    {
        MacOfLink = new Dictionary<string, MacAddress> { ["eth0"] = MacAddress.Parse("52:54:00:aa:bb:cc") },
    };

    private static List<string> Filters(DesiredState s) =>
        IntentBuilder.Build(s, Facts).Objects.Where(o => o is FilterTable or FilterElement).Select(o => o.Identity).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void A_mixed_server_wants_three_tables_and_each_adapters_elements_keyed_by_its_vme()
    {
        var routed = Naming.HostInterface(Vm1, 0);
        var bridged = Naming.HostInterface(Vm3, 0);
        var f = Filters(Mixed());

        Assert.Contains("nft table bridge hostnet", f);
        Assert.Contains("nft table inet hostnet", f);
        Assert.Contains("nft table arp hostnet", f);
        Assert.Contains($"nft element inet hostnet mac {{ {routed} . 02:00:00:00:00:01 }}", f);
        Assert.Contains($"nft element inet hostnet addr4 {{ {routed} . 192.168.200.201 }}", f);
        Assert.Contains($"nft element arp hostnet addr4 {{ {routed} . 192.168.200.201 }}", f);
        Assert.Contains($"nft element inet hostnet server_ports {{ {routed} . tcp . 53 }}", f);
        Assert.Contains($"nft element bridge hostnet mac {{ {bridged} . 02:00:00:00:00:03 }}", f);
        // The bridged adapter has no address: DHCP discovery only, and the network's ports by its bridge.
        Assert.Contains($"nft element bridge hostnet dhcp4_on {{ {bridged} }}", f);
        Assert.DoesNotContain($"nft element inet hostnet dhcp4_on {{ {routed} }}", f);
        // Hostnet answers the routed adapter's DHCP (a host-routed network's default): its requests stop at its vme.
        Assert.Contains($"nft element inet hostnet dhcp_answered {{ {routed} }}", f);
        Assert.DoesNotContain(f, i => i.StartsWith("nft element bridge hostnet dhcp_answered", StringComparison.Ordinal));
        Assert.Contains("nft element inet hostnet server_ports { br1 . udp . 53 }", f);
        Assert.Contains($"nft element inet hostnet ident4 {{ {routed} . 02:00:00:00:00:01 . 192.168.200.201 }}", f);
        Assert.DoesNotContain(f, i => i.StartsWith("nft element bridge hostnet ident", StringComparison.Ordinal));
        foreach (var set in new[] { "guests", "mac_on", "addr_on", "guards_on", "server_on" })
        {
            Assert.Contains($"nft element inet hostnet {set} {{ {routed} }}", f);
            Assert.Contains($"nft element bridge hostnet {set} {{ {bridged} }}", f);
        }
        Assert.Contains($"nft element arp hostnet arp_on {{ {routed} }}", f);
        Assert.Contains($"nft element bridge hostnet arp_on {{ {bridged} }}", f);
    }

    [Fact]
    public void A_protection_switched_off_is_its_adapters_element_in_that_protections_set_only()
    {
        var routed = Naming.HostInterface(Vm1, 0);
        var all = Filters(Mixed());
        var noMac = Filters(Mixed(routed: Protections.All & ~Protections.Mac));

        // Without its MAC held, the routed adapter also leaves the one-lookup pass for MAC and address together.
        Assert.Equal([$"nft element inet hostnet ident4 {{ {routed} . 02:00:00:00:00:01 . 192.168.200.201 }}", $"nft element inet hostnet mac_on {{ {routed} }}"], all.Except(noMac));
        Assert.Empty(noMac.Except(all));
        Assert.DoesNotContain(Filters(Mixed(routed: Protections.None)), i => i.Contains(routed, StringComparison.Ordinal));
    }

    [Fact]
    public void No_running_adapter_wants_no_table()
    {
        var s = Mixed();
        var stopped = s with { Vms = s.Vms.Select(v => v with { Running = false }).ToList() };
        Assert.Empty(Filters(stopped));
    }

    [Fact]
    public void The_elements_are_valid_json_for_every_wanted_set()
    {
        var elements = IntentBuilder.Build(Mixed(), Facts).Objects.OfType<FilterElement>().ToList();
        using var doc = JsonDocument.Parse(FilterJson.ElementCommands(elements, add: true));
        Assert.Equal(elements.Select(e => (e.Family, e.Set)).Distinct().Count(), doc.RootElement.GetProperty("nftables").GetArrayLength());
    }
}

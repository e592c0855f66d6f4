using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Observe;

namespace Hostnet.Engine.Tests.Observe;

/// <summary>What of a captured kernel is observed as Hostnet's (<see cref="CapturedDumps"/>); no privileges needed.</summary>
public class InterpretationTests
{
    private const string Vme = "vme7b9a73a1.0";
    private const string Foreign = "vme00000001.0";
    private const string Guest = "web";

    private static readonly IReadOnlyDictionary<string, string> NoSysctls = new Dictionary<string, string>();

    private static KernelSnapshot Snapshot(IReadOnlyDictionary<string, string>? sysctls = null, bool guest = false) =>
        new(CapturedDumps.Server(), sysctls ?? NoSysctls, guest ? [CapturedDumps.Guest(Guest)] : []);

    private static LedgerContents Ledger(params LedgerEntry[] entries) => new(entries.ToHashSet());

    private static IReadOnlyList<KernelObject> Observe(KernelSnapshot snapshot, IEnumerable<KernelObject>? intent = null, LedgerContents? ledger = null) =>
        Interpretation.Observe(snapshot, new KernelIntent([.. intent ?? []]), ledger ?? Ledger());

    private static IpAddress Ip(string text) => IpAddress.Parse(text);

    private static IpPrefix Prefix(string address, int length) => new(Ip(address), length);

    [Fact]
    public void Captured_dumps_decode_to_the_objects_made()
    {
        var server = CapturedDumps.Server();
        Assert.Equal(["br1", "eth0", "lo", Foreign, Vme], server.Links.Select(l => l.Name).Order(StringComparer.Ordinal));
        Assert.Equal(4, server.Routes.Count(r => r.Protocol == HostnetMarks.RouteProtocol || r.Protocol == Netlink.RouteProtocol.Static));
        Assert.Equal(3, server.ProxyNeighbors.Count);
        var guest = CapturedDumps.Guest(Guest);
        Assert.Equal(["eth0", "eth1", "lo"], guest.Links.Select(l => l.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, guest.Rules.Count(r => r.Table is 100 or 101));
    }

    [Fact]
    public void An_owned_vme_link_is_the_one_with_hostnets_alias_or_in_the_ledger()
    {
        var links = Observe(Snapshot()).OfType<HostLink>().ToList();
        var vme = Assert.Single(links);
        Assert.Equal(new HostLink(Vme, LinkKind.Veth, MacAddress.Parse("fe:54:00:12:34:56"), "hostnet:web/net0", null, true), vme);

        var withLedger = Observe(Snapshot(), ledger: Ledger(LedgerEntry.Link(Foreign))).OfType<HostLink>().Select(l => l.Name);
        Assert.Equal([Foreign, Vme], withLedger.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Addresses_and_permanent_neighbours_are_hostnets_only_on_owned_links()
    {
        var observed = Observe(Snapshot());
        Assert.Equal([new AddressObject(KernelObject.Server, Vme, Prefix("169.255.30.1", 32))], observed.OfType<AddressObject>());
        // The stale entry is the kernel's; the permanent one on a vme Hostnet does not own is someone else's.
        Assert.Equal([new NeighborObject(Vme, Ip("192.168.200.201"), MacAddress.Parse("52:54:00:12:34:56"))], observed.OfType<NeighborObject>());

        var withLedger = Observe(Snapshot(), ledger: Ledger(LedgerEntry.Link(Foreign)));
        Assert.Contains(new AddressObject(KernelObject.Server, Foreign, Prefix("169.255.30.1", 32)), withLedger);
        Assert.Contains(new NeighborObject(Foreign, Ip("192.168.200.207"), MacAddress.Parse("52:54:00:12:34:58")), withLedger);
    }

    [Fact]
    public void Server_routes_are_hostnets_by_protocol_in_the_main_table()
    {
        var routes = Observe(Snapshot()).OfType<RouteObject>().OrderBy(r => r.Destination.ToString(), StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                new RouteObject(KernelObject.Server, Prefix("192.168.200.201", 32), Vme, null),
                new RouteObject(KernelObject.Server, Prefix("192.168.200.207", 32), Foreign, null),
            ],
            routes);
    }

    [Fact]
    public void Proxy_entries_are_hostnets_when_wanted_or_in_the_ledger()
    {
        var wanted = new ProxyNeighborObject("br1", Ip("192.168.200.201"));
        var proxies = Observe(Snapshot(), [wanted], Ledger(LedgerEntry.Proxy("br1", Ip("192.168.200.205")))).OfType<ProxyNeighborObject>();
        Assert.Equal([wanted, new ProxyNeighborObject("br1", Ip("192.168.200.205"))], proxies.OrderBy(p => p.Address.ToString(), StringComparer.Ordinal));
        Assert.Empty(Observe(Snapshot()).OfType<ProxyNeighborObject>());
    }

    [Fact]
    public void A_bridge_and_its_uplink_port_are_hostnets_when_wanted_or_in_the_ledger()
    {
        Assert.DoesNotContain(Observe(Snapshot()), o => o is BridgeObject or UplinkPort);

        var bridge = new BridgeObject("br1", MacAddress.Parse("52:54:00:aa:bb:01"), true);
        var wanted = Observe(Snapshot(), [bridge with { Up = false }, new UplinkPort("eth0", "br1")]);
        Assert.Equal([bridge], wanted.OfType<BridgeObject>());
        Assert.Equal([new UplinkPort("eth0", "br1")], wanted.OfType<UplinkPort>());

        var recorded = Observe(Snapshot(), ledger: Ledger(LedgerEntry.Bridge("br1"), LedgerEntry.Uplink("eth0", "br1")));
        Assert.Equal([bridge], recorded.OfType<BridgeObject>());
        Assert.Equal([new UplinkPort("eth0", "br1")], recorded.OfType<UplinkPort>());

        // The uplink is a port of br1, not of another bridge.
        Assert.Empty(Observe(Snapshot(), [new UplinkPort("eth0", "br2")]).OfType<UplinkPort>());
    }

    [Fact]
    public void Sysctls_are_read_from_the_link_dump_or_the_values_read_and_only_when_wanted()
    {
        var proxyArp = new SysctlObject($"net/ipv4/conf/{Vme}/proxy_arp", "1", PerLink: true);
        var foreignProxyArp = new SysctlObject($"net/ipv4/conf/{Foreign}/proxy_arp", "1", PerLink: true);
        var forward = new SysctlObject("net/ipv4/ip_forward", "1", PerLink: false);
        var observed = Observe(Snapshot(new Dictionary<string, string> { ["net/ipv4/ip_forward"] = "0" }), [proxyArp, foreignProxyArp, forward]).OfType<SysctlObject>();
        Assert.Equal([proxyArp, foreignProxyArp with { Value = "0" }, forward with { Value = "0" }], observed);

        // A value that could not be read is missing, so the plan sets it.
        Assert.DoesNotContain(Observe(Snapshot(), [forward]), o => o is SysctlObject);
    }

    [Fact]
    public void A_guest_namespace_shows_its_named_links_their_addresses_hostnets_routes_and_rules()
    {
        var intent = new KernelObject[]
        {
            new NamespaceObject(Guest),
            new GuestLinkState(Guest, "lo", true),
            new GuestLinkState(Guest, "eth0", true),
        };
        var observed = Observe(Snapshot(guest: true), intent).Where(o => o.Netns == Guest || o is NamespaceObject).ToList();

        Assert.Equal([new NamespaceObject(Guest)], observed.OfType<NamespaceObject>());
        Assert.Equal([new GuestLinkState(Guest, "eth0", true), new GuestLinkState(Guest, "lo", true)], observed.OfType<GuestLinkState>().OrderBy(g => g.Name, StringComparer.Ordinal));
        // Not lo's 127.0.0.1, not the unnamed eth1's.
        Assert.Equal([new AddressObject(Guest, "eth0", Prefix("192.168.200.201", 32))], observed.OfType<AddressObject>());
        var gateway = Ip("169.255.30.1");
        Assert.Equal(
            [
                new RouteObject(Guest, Prefix("0.0.0.0", 0), "eth0", gateway, 100),
                new RouteObject(Guest, Prefix("0.0.0.0", 0), "eth0", gateway),
                new RouteObject(Guest, Prefix("169.255.30.1", 32), "eth0", null, 100),
                new RouteObject(Guest, Prefix("169.255.30.1", 32), "eth0", null),
            ],
            observed.OfType<RouteObject>().OrderBy(r => r.Destination.ToString(), StringComparer.Ordinal).ThenBy(r => r.Table == RouteObject.MainTable));
        Assert.Equal([new RuleObject(Guest, Ip("192.168.200.201"), 100, 1000)], observed.OfType<RuleObject>());
    }

    [Fact]
    public void A_guest_namespace_without_dumps_is_not_there()
    {
        var observed = Observe(Snapshot(), [new NamespaceObject(Guest), new GuestLinkState(Guest, "eth0", true)]);
        Assert.DoesNotContain(observed, o => o is NamespaceObject || o.Netns == Guest);
    }
}

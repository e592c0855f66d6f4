using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Handlers;

namespace Hostnet.Engine.Tests.Kernel.Handlers;

public class KernelObjectHandlersTests
{
    [Fact]
    public void Every_kind_of_kernel_object_has_exactly_one_handler()
    {
        var kinds = typeof(KernelObject).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(KernelObject)) && !t.IsAbstract)
            .Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(14, kinds.Count);
        Assert.Equal(kinds, KernelObjectHandlers.All.Select(h => h.Kind.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Handlers_come_in_creation_order()
    {
        var ranks = new Dictionary<Type, Rank>
        {
            [typeof(NamespaceObject)] = Rank.Namespace,
            [typeof(BridgeObject)] = Rank.Bridge,
            [typeof(UplinkPort)] = Rank.UplinkPort,
            [typeof(InterruptedMove)] = Rank.UplinkPort,
            [typeof(SysctlObject)] = Rank.Sysctl,
            [typeof(FilterTable)] = Rank.FilterTable,
            [typeof(FilterElement)] = Rank.FilterElement,
            [typeof(HostLink)] = Rank.Link,
            [typeof(GuestLinkState)] = Rank.LinkState,
            [typeof(AddressObject)] = Rank.Address,
            [typeof(RouteObject)] = Rank.OnLinkRoute,
            [typeof(RuleObject)] = Rank.Rule,
            [typeof(NeighborObject)] = Rank.Neighbor,
            [typeof(ProxyNeighborObject)] = Rank.ProxyNeighbor,
        };
        var inOrder = KernelObjectHandlers.All.Select(h => ranks[h.Kind]).ToList();
        Assert.Equal(inOrder.Order(), inOrder);
    }

    [Fact]
    public void The_device_of_an_object_is_the_link_that_takes_it_along()
    {
        var address = new AddressObject(KernelObject.Server, "vme7b9a73a1.0", new IpPrefix(IpAddress.Parse("169.255.30.1"), 32));
        Assert.Equal("vme7b9a73a1.0", KernelObjectHandlers.For(address).DevOf(address));
        var sysctl = new SysctlObject("net/ipv4/conf/vme7b9a73a1.0/proxy_arp", "1", PerLink: true);
        Assert.Equal("vme7b9a73a1.0", KernelObjectHandlers.For(sysctl).DevOf(sysctl));
        // A proxy entry sits on the uplink, which Hostnet does not remove.
        var proxy = new ProxyNeighborObject("eth0", IpAddress.Parse("192.168.200.201"));
        Assert.Null(KernelObjectHandlers.For(proxy).DevOf(proxy));
    }
}

public class ReachabilityTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("52:54:00:12:34:56");

    [Fact]
    public void What_hangs_off_a_missing_uplink_waits_and_the_missing_interfaces_are_said()
    {
        var vme = new HostLink("vme7b9a73a1.0", LinkKind.Tap, Mac, "hostnet:a/net0", "br1", true);
        var objects = new KernelObject[]
        {
            new BridgeObject("br1", Mac, true),
            new UplinkPort("eth9", "br1"),
            vme,
            new ProxyNeighborObject("br1", IpAddress.Parse("192.168.200.201")),
            new SysctlObject("net/ipv4/conf/br1/forwarding", "1", PerLink: false),
            new SysctlObject("net/ipv4/ip_forward", "1", PerLink: false),
        };
        var (kept, missing) = Reachability.Filter(objects, ["lo", "eth0"]);
        Assert.Equal(["br1", "eth9"], missing);
        Assert.Equal([vme with { Master = null }, objects[5]], kept);
    }

    [Fact]
    public void A_bridge_made_with_its_uplink_carries_what_hangs_off_it()
    {
        var objects = new KernelObject[]
        {
            new BridgeObject("br1", Mac, true),
            new UplinkPort("eth0", "br1"),
            new HostLink("vme7b9a73a1.0", LinkKind.Tap, Mac, "hostnet:a/net0", "br1", true),
            new ProxyNeighborObject("br1", IpAddress.Parse("192.168.200.201")),
            new SysctlObject("net/ipv4/conf/br1/forwarding", "1", PerLink: false),
        };
        var (kept, missing) = Reachability.Filter(objects, ["lo", "eth0"]);
        Assert.Empty(missing);
        Assert.Equal(objects, kept);
    }
}

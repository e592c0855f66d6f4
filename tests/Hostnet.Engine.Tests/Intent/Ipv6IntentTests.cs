using Hostnet.Engine.Intent;
using Hostnet.Engine.Planning;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Intent;

/// <summary>What a routed IPv6 address asks of the server and its guest, and in which order.</summary>
public class Ipv6IntentTests
{
    private static readonly Guid Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");

    private static DesiredState State(params string[] addresses)
    {
        var adapter = new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"),
            addresses.Select(a => IpPrefix.Host(IpAddress.Parse(a))).ToList(), null);
        return new DesiredState([Network.HostRouted("Routed", "eth0")], [new Vm("vm1", Uuid, Guest.Netns("g1"), true, [adapter])]);
    }

    private static ServerFacts Facts(params string[] ignoringRa) =>
        new(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: true) { IgnoringRouterAdvertisements = ignoringRa.ToHashSet() };

    private static List<string> Described(KernelIntent intent) => intent.Objects.Select(o => o.Describe()).ToList();

    [Fact]
    public void A_routed_IPv6_address_gets_its_route_neighbour_proxy_entry_gateway_and_guest_side()
    {
        var objects = Described(IntentBuilder.Build(State("2001:db8:200::201"), Facts()));
        Assert.Contains("route 2001:db8:200::201/128 dev vme7b9a73a1.0 scope link proto hostnet", objects);
        Assert.Contains("neighbor 2001:db8:200::201 lladdr 02:00:00:00:00:01 dev vme7b9a73a1.0 nud permanent", objects);
        Assert.Contains("proxy 2001:db8:200::201 dev eth0", objects);
        Assert.Contains("address fe80::ffff:1:1/128 dev vme7b9a73a1.0", objects);
        Assert.Contains("address 2001:db8:200::201/128 dev eth0 (guest netns g1)", objects);
        Assert.Contains("route default via fe80::ffff:1:1 dev eth0 proto hostnet (guest netns g1)", objects);
        foreach (var s in new[] { "net/ipv6/conf/eth0/accept_ra=2", "net/ipv6/conf/all/forwarding=1", "net/ipv6/conf/eth0/proxy_ndp=1",
                     "net/ipv6/conf/all/proxy_ndp=1", "net/ipv6/neigh/eth0/proxy_delay=0" })
            Assert.Contains("sysctl " + s, objects);
        // An IPv6-only adapter asks nothing of IPv4.
        Assert.DoesNotContain(objects, o => o.Contains("169.255.30.1", StringComparison.Ordinal) || o.Contains("net/ipv4/ip_forward", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dual_stack_guest_has_a_default_route_of_each_family()
    {
        var objects = Described(IntentBuilder.Build(State("192.168.200.201", "2001:db8:200::201"), Facts()));
        Assert.Contains("route default via 169.255.30.1 dev eth0 proto hostnet (guest netns g1)", objects);
        Assert.Contains("route default via fe80::ffff:1:1 dev eth0 proto hostnet (guest netns g1)", objects);
    }

    [Fact]
    public void Accept_ra_goes_to_2_before_forwarding_goes_on()
    {
        var plan = Planner.Diff(IntentBuilder.Build(State("2001:db8:200::201"), Facts()).Objects, []);
        var steps = plan.Steps.Select(s => s.Object.Describe()).ToList();
        var acceptRa = steps.IndexOf("sysctl net/ipv6/conf/eth0/accept_ra=2");
        var forwarding = steps.IndexOf("sysctl net/ipv6/conf/all/forwarding=1");
        Assert.True(acceptRa >= 0 && forwarding > acceptRa, string.Join("\n", steps));
    }

    [Fact]
    public void An_uplink_whose_admin_turned_router_advertisements_off_keeps_them_off() =>
        Assert.DoesNotContain("sysctl net/ipv6/conf/eth0/accept_ra=2", Described(IntentBuilder.Build(State("2001:db8:200::201"), Facts("eth0"))));
}

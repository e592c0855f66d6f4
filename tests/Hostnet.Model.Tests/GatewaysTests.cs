using static Hostnet.Model.Tests.Seed;

namespace Hostnet.Model.Tests;

/// <summary>A host-routed network's IPv6 gateway and a dual-stack bridged adapter's two gateways.</summary>
public class GatewaysTests
{
    [Fact]
    public void A_routed_network_routes_IPv6_through_fe80_ffff_1_1_unless_given_another()
    {
        var s = State();
        Assert.Equal("fe80::ffff:1:1", s.GetNetwork("Routed").Gateway6.ToString());
        Assert.Null(s.GetNetwork("Routed").Gateway6Given);
        s = s.SetGateway6("Routed", IpAddress.Parse("fe80::1"));
        Assert.Equal("fe80::1", s.GetNetwork("Routed").Gateway6.ToString());
        Assert.Equal("fe80::1", s.GetNetwork("Routed").Gateway6Given.ToString());
        // The default named is the default: one stored form.
        Assert.Null(s.SetGateway6("Routed", IpAddress.DefaultRoutedGateway6).GetNetwork("Routed").Gateway6Given);
        Assert.Equal(State().GetNetwork("Routed"), s.SetGateway6("Routed", null).GetNetwork("Routed"));
        Assert.NotEqual(State().GetNetwork("Routed"), s.GetNetwork("Routed"));
        var added = DesiredState.Empty.AddNetwork(Network.HostRouted("R6", "eth0") with { Gateway6 = IpAddress.Parse("2001:db8:ffff::1") });
        Assert.Equal("2001:db8:ffff::1", added.GetNetwork("R6").Gateway6.ToString());
    }

    [Theory]
    [InlineData("192.168.200.1", "192.168.200.1 is an IPv4 address: a network's IPv6 gateway is an IPv6 one, e.g. fe80::ffff:1:1")]
    [InlineData("ff02::1", "ff02::1 is a multicast address (ff00::/8) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("::", "the unspecified address (::) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("::1", "::1 is the loopback address (::1) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("::ffff:192.168.200.1", "::ffff:192.168.200.1 is an IPv4-mapped address (::ffff:0:0/96) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    public void A_routed_network_s_IPv6_gateway_that_no_host_can_hold_is_refused_and_nothing_changes(string gateway6, string refusal)
    {
        var s = State();
        Assert.EndsWith(refusal, Refusal(() => s.SetGateway6("Routed", IpAddress.Parse(gateway6))), StringComparison.Ordinal);
        Assert.EndsWith(refusal, Refusal(() => s.AddNetwork(Network.HostRouted("R6", "eth0") with { Gateway6 = IpAddress.Parse(gateway6) })), StringComparison.Ordinal);
        Assert.Null(s.GetNetwork("Routed").Gateway6Given);
        Assert.Null(s.FindNetwork("R6"));
    }

    [Fact]
    public void An_IPv6_gateway_is_refused_for_a_bridged_network_and_where_a_VM_holds_it()
    {
        var s = State();
        Assert.Equal("a bridged network has no gateway of its own | AdapterGateways { }", Refusal(() => s.SetGateway6("Bridged", IpAddress.Parse("fe80::1"))));
        s = s.AddAdapter("vm1", s.NewAdapter("vm1", "Routed", ["2001:db8:200::201"], null, null));
        Assert.StartsWith("2001:db8:200::201 is held by vm1 net1 and cannot be the gateway of network Routed",
            Refusal(() => s.SetGateway6("Routed", IpAddress.Parse("2001:db8:200::201"))), StringComparison.Ordinal);
        var g = s.SetGateway6("Routed", IpAddress.Parse("2001:db8:ffff::1"));
        Assert.Equal("2001:db8:ffff::1 is the gateway of network Routed and cannot be a VM address: choose another address",
            Refusal(() => g.AddAdapter("vm1", g.NewAdapter("vm1", "Routed", ["2001:db8:ffff::1"], null, null))));
    }

    [Fact]
    public void A_dual_stack_bridged_adapter_has_one_gateway_per_family_IPv4_first()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "192.168.200.1", null, "2001:db8:200::1"));
        var a = s.GetAdapter("vm2", 0);
        Assert.Equal("192.168.200.1", a.Gateway.ToString());
        Assert.Equal("2001:db8:200::1", a.Gateway6.ToString());
        Assert.Equal("2001:db8:200::1", a.GatewayOf(IpFamily.Ipv6).ToString());
        Assert.Equal(["192.168.200.1", "2001:db8:200::1"], a.Gateways.Select(g => g.ToString()));
        // Given again, the gateways replace both; --no-gateway clears both.
        var changed = s.ChangedAdapter("vm2", "net0", null, null, "192.168.200.254", null);
        Assert.Equal(["192.168.200.254"], changed.Gateways.Select(g => g.ToString()));
        Assert.Empty(s.ChangedAdapter("vm2", "net0", null, null, null, null, clearGateway: true).Gateways);
        // Kept when not given.
        Assert.Equal(a.Gateways, s.ChangedAdapter("vm2", "net0", null, ["192.168.200.205/24", "2001:db8:200::205/64"], null, null).Gateways);
    }

    [Fact]
    public void Gateways_of_one_family_twice_or_an_IPv4_one_as_the_IPv6_gateway_are_refused()
    {
        var s = WithVm2();
        Assert.Equal("192.168.200.1 and 192.168.200.2 are both IPv4 gateways: an adapter has one gateway per family (one IPv4, one IPv6)",
            Refusal(() => s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24"], "192.168.200.1", null, "192.168.200.2")));
        Assert.Equal("192.168.200.1 is an IPv4 address: the adapter's IPv6 gateway is an IPv6 one (its IPv4 gateway is gateway)",
            Refusal(() => s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24"], null, null, "192.168.200.1")));
        Assert.Equal("3 gateways given: an adapter has one gateway per family (one IPv4, one IPv6)",
            Refusal(() => StateRules.SplitGateways(["192.168.200.1", "2001:db8:200::1", "fe80::1"])));
        Assert.Equal(("192.168.200.1", "2001:db8:200::1"), StateRules.SplitGateways(["2001:db8:200::1", "192.168.200.1"]));
        // Each gateway is checked against the adapter's addresses of its family.
        Assert.Equal("gateway 2001:db8:300::1 is outside the subnet of 2001:db8:200::204/64: give a gateway in 2001:db8:200::/64",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "192.168.200.1", null, "2001:db8:300::1"))));
        Assert.Equal("2001:db8:200::204 is the adapter's own gateway and cannot also be its address: choose another address | OtherAdapterGateway { }",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "192.168.200.1", null, "2001:db8:200::204"))));
        Assert.Empty(s.GetVm("vm2").Adapters);
    }

    [Fact]
    public void Qemu_guests_route_through_the_configured_gateways()
    {
        var s = WithVm2().SetGateway6("Routed", IpAddress.Parse("fe80::1"));
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Routed", ["2001:db8:200::202"], null, null));
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "192.168.200.1", null, "2001:db8:200::1"));
        var settings = Qemu.GuestSettings(s.GetVm("vm2"), s);
        Assert.Equal(
            ["ip link set eth0 up", "ip addr add 2001:db8:200::202/128 dev eth0", "ip -6 route add default via fe80::1 dev eth0"],
            settings[0].IpCommands());
        Assert.Equal(
            [
                "ip link set eth1 up",
                "ip addr add 192.168.200.204/24 dev eth1",
                "ip addr add 2001:db8:200::204/64 dev eth1",
                "ip route add default via 192.168.200.1 dev eth1 metric 1",
                "ip -6 route add default via 2001:db8:200::1 dev eth1 metric 1",
            ],
            settings[1].IpCommands());
        // A global IPv6 gateway of a routed network lies outside the guest's /128: an on-link route first.
        var g = WithVm2().SetGateway6("Routed", IpAddress.Parse("2001:db8:ffff::1"));
        g = g.AddAdapter("vm2", g.NewAdapter("vm2", "Routed", ["2001:db8:200::202"], null, null));
        Assert.Equal(
            ["ip link set eth0 up", "ip addr add 2001:db8:200::202/128 dev eth0", "ip -6 route add 2001:db8:ffff::1 dev eth0", "ip -6 route add default via 2001:db8:ffff::1 dev eth0"],
            Qemu.GuestSettings(g.GetVm("vm2"), g)[0].IpCommands());
    }
}

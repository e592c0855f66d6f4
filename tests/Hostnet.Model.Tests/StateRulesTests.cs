using static Hostnet.Model.Tests.Seed;

namespace Hostnet.Model.Tests;

/// <summary>Malformed input, each with the exact line the user reads.</summary>
public class StateRulesTests
{
    private static readonly Network Routed = Network.HostRouted("Routed", "eth0");
    private static readonly Network Bridged = Network.Bridged("Bridged", "br1", "eth0");

    [Theory]
    [InlineData("300.1.1.1")]
    [InlineData("192.168.1")]
    [InlineData("a.b.c.d")]
    public void A_malformed_IPv4_address_is_refused(string text) =>
        Assert.Equal($"'{text}' is not an IPv4 address: give four numbers 0-255 as A.B.C.D, e.g. 192.168.200.201",
            Refusal(() => StateRules.ParseAddress(text)));

    [Theory]
    [InlineData("2001:db8::201", "2001:db8::201/128")]
    [InlineData("2001:DB8:0:0::0201", "2001:db8::201/128")]
    public void An_IPv6_routed_address_is_a_single_host(string text, string host)
    {
        Assert.Equal(host, StateRules.ParseVmAddress(Routed, text).ToString());
        StateRules.CheckVmAddress(Routed, StateRules.ParseVmAddress(Routed, text));
    }

    [Fact]
    public void An_IPv6_bridged_address_carries_its_prefix()
    {
        Assert.Equal("2001:db8:200::203/64", StateRules.ParseVmAddress(Bridged, "2001:db8:200::203/64").ToString());
        Assert.Equal("2001:db8:200::203: an address on bridged network Bridged needs its prefix length: give it as 2001:db8:200::203/64 (or whatever the LAN's prefix is)",
            Refusal(() => StateRules.ParseVmAddress(Bridged, "2001:db8:200::203")));
        Assert.Equal("'2001:db8::1/129' has a bad prefix length: give /0 to /128 after the address, e.g. 2001:db8::1/64",
            Refusal(() => StateRules.ParseVmAddress(Bridged, "2001:db8::1/129")));
    }

    [Theory]
    [InlineData("2001:db8::1::2")]
    [InlineData("2001:db8::g")]
    [InlineData("fe80::1%eth0")]
    public void A_malformed_IPv6_address_is_refused(string text) =>
        Assert.Equal($"'{text}' is not an IPv6 address: give hex groups as 2001:db8::201", Refusal(() => StateRules.ParseVmAddress(Routed, text)));

    [Theory]
    [InlineData("::", "the unspecified address (::)")]
    [InlineData("::1", "the loopback address (::1)")]
    [InlineData("fe80::201", "a link-local address (fe80::/10)")]
    [InlineData("fe80::ffff:1:1", "a link-local address (fe80::/10)")]
    [InlineData("ff02::1", "a multicast address (ff00::/8)")]
    [InlineData("::ffff:192.168.200.201", "an IPv4-mapped address (::ffff:0:0/96)")]
    [InlineData("::5", "a reserved address (::/8)")]
    public void Special_IPv6_addresses_are_not_VM_addresses(string address, string range)
    {
        Assert.Equal($"{address} is {range} and cannot be a VM address: choose another address",
            Refusal(() => { StateRules.CheckVmAddress(Routed, IpPrefix.Host(IpAddress.Parse(address))); return null; }));
        Assert.Equal($"{address} is {range} and cannot be a VM address: choose another address",
            Refusal(() => { StateRules.CheckVmAddress(Bridged, new IpPrefix(IpAddress.Parse(address), 64)); return null; }));
    }

    [Fact]
    public void An_IPv6_routed_address_with_a_prefix_is_refused() =>
        Assert.Equal("2001:db8::201/64: an address on host-routed network Routed is a single host (/128): give it as 2001:db8::201 or 2001:db8::201/128",
            Refusal(() => { StateRules.CheckVmAddress(Routed, StateRules.ParseVmAddress(Routed, "2001:db8::201/64")); return null; }));

    [Fact]
    public void An_IPv6_subnets_router_anycast_address_is_not_a_VM_address() =>
        Assert.Equal("2001:db8:200:: is the subnet-router anycast address of 2001:db8:200::/64 and cannot be a VM address: choose a host address in the subnet",
            Refusal(() => { StateRules.CheckVmAddress(Bridged, StateRules.ParseVmAddress(Bridged, "2001:db8:200::/64")); return null; }));

    [Fact]
    public void A_host_routed_network_routes_IPv6_through_fe80_ffff_1_1()
    {
        Assert.Equal("fe80::ffff:1:1", Routed.Gateway6.ToString());
        Assert.Equal(Routed.Gateway6, Routed.GatewayOf(IpFamily.Ipv6));
        Assert.Equal(Routed.Gateway, Routed.GatewayOf(IpFamily.Ipv4));
        Assert.Null(Bridged.Gateway6);
    }

    [Fact]
    public void A_routed_networks_gateway_given_is_IPv4() =>
        Assert.Equal("2001:db8::1 is an IPv6 address: the gateway given for a host-routed network is its IPv4 one (its VMs' IPv6 gateway is fe80::ffff:1:1): give an IPv4 address such as 169.255.30.1",
            Refusal(() => { StateRules.CheckRoutedGateway(IpAddress.Parse("2001:db8::1")); return null; }));

    [Fact]
    public void A_malformed_VM_address_is_refused_before_its_prefix() =>
        Assert.Equal("'192.168.1.300' is not an IPv4 address: give four numbers 0-255 as A.B.C.D, e.g. 192.168.200.201",
            Refusal(() => StateRules.ParseVmAddress(Bridged, "192.168.1.300/24")));

    [Theory]
    [InlineData("192.168.1.5/33")]
    [InlineData("192.168.1.5/")]
    [InlineData("192.168.1.5/2x")]
    public void A_malformed_prefix_is_refused(string text) =>
        Assert.Equal($"'{text}' has a bad prefix length: give /0 to /32 after the address, e.g. 192.168.1.5/24",
            Refusal(() => StateRules.ParseVmAddress(Bridged, text)));

    [Fact]
    public void A_routed_address_without_a_prefix_is_a_host()
    {
        Assert.Equal(new IpPrefix(IpAddress.Parse("192.168.200.201"), 32), StateRules.ParseVmAddress(Routed, "192.168.200.201"));
    }

    [Fact]
    public void A_bridged_address_without_a_prefix_is_refused() =>
        Assert.Equal("192.168.200.203: an address on bridged network Bridged needs its prefix length: give it as 192.168.200.203/24 (or whatever the LAN's prefix is)",
            Refusal(() => StateRules.ParseVmAddress(Bridged, "192.168.200.203")));

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("zz:00:00:00:00:01")]
    [InlineData("")]
    public void A_malformed_MAC_is_refused(string text) =>
        Assert.Equal($"'{text}' is not a MAC address: give six hex bytes as 02:00:00:00:00:01 | GenerateMac {{ }}",
            Refusal(() => StateRules.ParseMac(text)));

    [Theory]
    [InlineData("7b9a73a1-5c2e-4d1a-9f3b")]
    [InlineData("not-a-uuid")]
    [InlineData("{7b9a73a1-5c2e-4d1a-9f3b-000000000001}")]
    public void A_malformed_UUID_is_refused(string text) =>
        Assert.Equal($"'{text}' is not a UUID: give one as 7b9a73a1-5c2e-4d1a-9f3b-000000000001 | GenerateUuid {{ }}",
            Refusal(() => StateRules.ParseUuid(text)));

    [Fact]
    public void A_UUID_may_come_without_dashes() =>
        Assert.Equal(Vm1Uuid, StateRules.ParseUuid("7b9a73a15c2e4d1a9f3b000000000001"));

    [Theory]
    [InlineData("vm1", true)]
    [InlineData("VM_1.test-2", true)]
    [InlineData("-vm", false)]
    [InlineData(".vm", false)]
    [InlineData("vm 1", false)]
    [InlineData("vm/1", false)]
    [InlineData("", false)]
    [InlineData("x23456789012345678901234567890123456789012345678901234567890123", true)]
    [InlineData("x234567890123456789012345678901234567890123456789012345678901234", false)]
    public void Names_are_letters_digits_and_a_few_marks(string name, bool valid) => Assert.Equal(valid, StateRules.IsValidName(name));

    [Theory]
    [InlineData("vm 1")]
    [InlineData("-x")]
    public void A_malformed_VM_name_is_refused(string name) =>
        Assert.Equal($"'{name}' is not a valid VM name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            Refusal(() => { StateRules.CheckVmName(name); return null; }));

    [Fact]
    public void A_malformed_network_name_is_refused() =>
        Assert.Equal("'my net' is not a valid network name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            Refusal(() => { StateRules.CheckNetworkName("my net"); return null; }));

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("br-lan.100", true)]
    [InlineData("123456789012345", true)]
    [InlineData("1234567890123456", false)]
    [InlineData("eth0:1", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    public void Interface_names_are_what_the_kernel_takes(string name, bool valid) =>
        Assert.Equal(valid, StateRules.IsValidInterfaceName(name));

    [Fact]
    public void An_interface_name_longer_than_15_is_refused() =>
        Assert.Equal("uplink name 'enp0s31f6-uplink0' is 17 characters long, but the kernel takes at most 15: choose a shorter name",
            Refusal(() => { StateRules.CheckInterfaceName("enp0s31f6-uplink0", "uplink"); return null; }));

    [Theory]
    [InlineData("eth0:1")]
    [InlineData("..")]
    [InlineData("a b")]
    public void An_interface_name_the_kernel_cannot_take_is_refused(string name) =>
        Assert.Equal($"'{name}' cannot be an interface name (bridge): use 1-15 characters without '/', ':' or spaces",
            Refusal(() => { StateRules.CheckInterfaceName(name, "bridge"); return null; }));

    [Fact]
    public void Hostnet_keeps_vme_names_for_itself() =>
        Assert.Equal("bridge name 'vme0' begins with 'vme', which Hostnet keeps for VM adapters: choose another name",
            Refusal(() => { StateRules.CheckInterfaceName("vme0", "bridge"); return null; }));

    [Theory]
    [InlineData(null, "tap")]
    [InlineData("tap", "tap")]
    [InlineData("netns", "netns:hostnet-vm1")]
    [InlineData("netns:lab1", "netns:lab1")]
    public void Guest_kinds(string? text, string guest) => Assert.Equal(guest, StateRules.ParseGuest(text, "vm1").ToString());

    [Fact]
    public void An_unknown_guest_kind_is_refused() =>
        Assert.Equal("'kvm' is not a guest kind: give tap (a QEMU/KVM guest), netns or netns:NAME",
            Refusal(() => StateRules.ParseGuest("kvm", "vm1")));

    [Fact]
    public void A_malformed_namespace_name_is_refused() =>
        Assert.Equal("'../x' is not a valid network namespace name: use 1-255 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            Refusal(() => StateRules.ParseGuest("netns:../x", "vm1")));

    [Theory]
    [InlineData("net0", 0)]
    [InlineData("0", 0)]
    [InlineData("net12", 12)]
    [InlineData("3", 3)]
    public void Adapter_references(string text, int index) => Assert.Equal(index, StateRules.ParseAdapterIndex(text));

    [Theory]
    [InlineData("eth0")]
    [InlineData("net")]
    [InlineData("net01")]
    [InlineData("-1")]
    [InlineData("net1000")]
    public void A_malformed_adapter_reference_is_refused(string text) =>
        Assert.Equal($"'{text}' is not an adapter: give net0, net1, ... or 0, 1, ...", Refusal(() => StateRules.ParseAdapterIndex(text)));

    [Theory]
    [InlineData("0.1.2.3", "0.1.2.3 is in 0.0.0.0/8 (this host on this network) and cannot be a VM address: choose another address")]
    [InlineData("127.0.0.1", "127.0.0.1 is a loopback address (127.0.0.0/8) and cannot be a VM address: choose another address")]
    [InlineData("224.0.0.5", "224.0.0.5 is a multicast address (224.0.0.0/4) and cannot be a VM address: choose another address")]
    [InlineData("169.254.10.1", "169.254.10.1 is a link-local address (169.254.0.0/16) and cannot be a VM address: choose another address")]
    [InlineData("240.0.0.1", "240.0.0.1 is a reserved address (240.0.0.0/4) and cannot be a VM address: choose another address")]
    [InlineData("255.255.255.255", "255.255.255.255 is the limited broadcast address and cannot be a VM address: choose another address")]
    [InlineData("169.255.30.1", "169.255.30.1 is the gateway of network Routed and cannot be a VM address: choose another address")]
    public void Special_addresses_are_not_VM_addresses(string address, string refusal) =>
        Assert.Equal(refusal, Refusal(() => { StateRules.CheckVmAddress(Routed, StateRules.ParseVmAddress(Routed, address)); return null; }));

    [Theory]
    [InlineData("192.168.200.0/24", "192.168.200.0 is the network address of 192.168.200.0/24 and cannot be a VM address: choose a host address in the subnet")]
    [InlineData("192.168.200.255/24", "192.168.200.255 is the broadcast address of 192.168.200.0/24 and cannot be a VM address: choose a host address in the subnet")]
    [InlineData("10.0.0.4/30", "10.0.0.4 is the network address of 10.0.0.4/30 and cannot be a VM address: choose a host address in the subnet")]
    [InlineData("10.0.0.7/30", "10.0.0.7 is the broadcast address of 10.0.0.4/30 and cannot be a VM address: choose a host address in the subnet")]
    public void Network_and_broadcast_addresses_are_not_VM_addresses(string cidr, string refusal) =>
        Assert.Equal(refusal, Refusal(() => { StateRules.CheckVmAddress(Bridged, StateRules.ParseVmAddress(Bridged, cidr)); return null; }));

    [Theory]
    [InlineData("10.0.0.4/31")]
    [InlineData("10.0.0.5/31")]
    [InlineData("10.0.0.4/32")]
    public void Point_to_point_and_host_prefixes_have_no_network_or_broadcast_address(string cidr) =>
        StateRules.CheckVmAddress(Bridged, StateRules.ParseVmAddress(Bridged, cidr));

    [Fact]
    public void A_routed_address_is_a_single_host() =>
        Assert.Equal("192.168.200.201/24: an address on host-routed network Routed is a single host (/32): give it as 192.168.200.201 or 192.168.200.201/32",
            Refusal(() => { StateRules.CheckVmAddress(Routed, StateRules.ParseVmAddress(Routed, "192.168.200.201/24")); return null; }));

    [Fact]
    public void A_multicast_MAC_is_refused() =>
        Assert.Equal("01:00:5e:00:00:01 is a multicast MAC address: give a unicast one (even first byte, e.g. 02:00:00:00:00:01) | GenerateMac { }",
            Refusal(() => { StateRules.CheckMac(MacAddress.Parse("01:00:5e:00:00:01")); return null; }));

    [Fact]
    public void An_all_zero_MAC_is_refused() =>
        Assert.Equal("00:00:00:00:00:00 cannot be an adapter's MAC address: give another | GenerateMac { }",
            Refusal(() => { StateRules.CheckMac(MacAddress.Parse("00:00:00:00:00:00")); return null; }));

    [Theory]
    [InlineData("fe:1e:b7:92:67:7a")]
    [InlineData("fe:00:00:00:00:01")]
    public void A_MAC_that_is_a_host_side_is_refused(string mac) =>
        Assert.Equal($"{mac} begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02) | GenerateMac {{ }}",
            Refusal(() => { StateRules.CheckMac(MacAddress.Parse(mac)); return null; }));

    [Theory]
    [InlineData("all", "uplink", "every interface")]
    [InlineData("default", "uplink", "every new interface")]
    [InlineData("all", "bridge", "every interface")]
    [InlineData("default", "bridge", "every new interface")]
    public void The_kernels_all_and_default_settings_are_not_interfaces(string name, string role, string what) =>
        Assert.Equal($"{role} name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            Refusal(() => { StateRules.CheckInterfaceName(name, role); return null; }));

    [Theory]
    [InlineData("192.168.200.203/0")]
    [InlineData("10.0.0.1/0")]
    public void A_bridged_address_with_prefix_0_is_refused(string cidr) =>
        Assert.Equal($"{cidr}: /0 would put every address on the LAN of bridged network Bridged: give the LAN's prefix length, e.g. {cidr[..^2]}/24",
            Refusal(() => { StateRules.CheckVmAddress(Bridged, StateRules.ParseVmAddress(Bridged, cidr)); return null; }));

    [Theory]
    [InlineData("192.168.200.203/24", "192.168.200.0", "the network address of 192.168.200.0/24")]
    [InlineData("192.168.200.203/24", "192.168.200.255", "the broadcast address of 192.168.200.0/24")]
    [InlineData("10.0.0.5/30", "10.0.0.4", "the network address of 10.0.0.4/30")]
    [InlineData("10.0.0.5/30", "10.0.0.7", "the broadcast address of 10.0.0.4/30")]
    public void A_bridged_gateway_that_is_its_subnets_network_or_broadcast_address_is_refused(string cidr, string gateway, string what) =>
        Assert.Equal($"gateway {gateway} is {what}, not a host: give the LAN router's address",
            Refusal(() =>
            {
                StateRules.CheckAdapterShape(Bridged, new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:03"),
                    [StateRules.ParseVmAddress(Bridged, cidr)], IpAddress.Parse(gateway)));
                return null;
            }));

    [Theory]
    [InlineData("10.0.0.4/31", "10.0.0.5")]
    [InlineData("10.0.0.5/31", "10.0.0.4")]
    [InlineData("192.168.200.203/24", "192.168.200.254")]
    public void A_bridged_gateway_on_a_point_to_point_link_or_a_host_address_is_taken(string cidr, string gateway) =>
        StateRules.CheckAdapterShape(Bridged, new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:03"),
            [StateRules.ParseVmAddress(Bridged, cidr)], IpAddress.Parse(gateway)));

    [Fact]
    public void A_routed_gateway_must_be_unicast() =>
        Assert.Equal("224.0.0.1 is a multicast address (224.0.0.0/4) and cannot be a gateway: give a unicast address such as 169.255.30.1",
            Refusal(() => { StateRules.CheckRoutedGateway(IpAddress.Parse("224.0.0.1")); return null; }));

    [Fact]
    public void A_link_local_routed_gateway_is_allowed() => StateRules.CheckRoutedGateway(IpAddress.Parse("169.254.0.1"));
}

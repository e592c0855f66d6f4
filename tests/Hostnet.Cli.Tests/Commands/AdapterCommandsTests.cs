namespace Hostnet.Cli.Tests.Commands;

public class AdapterCommandsTests
{
    private static string[] AddRouted(string vm, params string[] more) => ["adapter", "add", vm, "--network", "Routed", .. more];

    private static string[] AddBridged(string vm, params string[] more) => ["adapter", "add", vm, "--network", "Bridged", .. more];

    [Fact]
    public void Adds_routed_and_bridged_adapters()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("added vm2 net0: network Bridged, vme4980d06a.0 - eth0, mac 02:00:00:00:00:03, addresses 192.168.200.203/24, gateway 192.168.200.1\n",
            h.Ok(AddBridged("vm2", "--ip", "192.168.200.203/24", "--gateway", "192.168.200.1", "--mac", "02:00:00:00:00:03")).Stdout);
        var added = h.Ok(AddRouted("vm2", "--ip", "192.168.200.202", "--ip", "10.1.2.3/32")).Stdout;
        Assert.StartsWith("added vm2 net1: network Routed, vme4980d06a.1 - eth1, mac ", added, StringComparison.Ordinal);
        Assert.EndsWith(", addresses 192.168.200.202, 10.1.2.3, via 169.255.30.1\n", added, StringComparison.Ordinal);
        Assert.Contains("net0=Bridged net1=Routed", h.Ok("vm", "list").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_changes_what_is_given_and_keeps_the_rest()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("changed vm1 net0: network Routed, vme7b9a73a1.0 - eth0, mac 02:00:00:00:00:01, addresses 192.168.200.201, via 169.255.30.1\n",
            h.Ok("adapter", "set", "vm1", "net0", "--mac", "02:00:00:00:00:01").Stdout);
        Assert.Equal("changed vm1 net0: network Bridged, vme7b9a73a1.0 - eth0, mac 02:00:00:00:00:01, addresses 192.168.200.201/24, gateway 192.168.200.1\n",
            h.Ok("adapter", "set", "vm1", "0", "--network", "Bridged", "--ip", "192.168.200.201/24", "--gateway", "192.168.200.1").Stdout);
        Assert.Equal("changed vm1 net0: network Routed, vme7b9a73a1.0 - eth0, mac 02:00:00:00:00:01, addresses 192.168.200.201, via 169.255.30.1\n",
            h.Ok("adapter", "set", "vm1", "net0", "--network", "Routed", "--ip", "192.168.200.201").Stdout);
    }

    [Fact]
    public void Rm_removes_an_adapter_and_frees_its_address()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("removed vm1 net0\n", h.Ok("adapter", "rm", "vm1", "net0").Stdout);
        h.Ok(AddRouted("vm2", "--ip", "192.168.200.201"));
    }

    [Fact]
    public void An_address_another_adapter_holds_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("192.168.200.201 is already held by vm1 net0: choose another address, or remove it there first", AddRouted("vm2", "--ip", "192.168.200.201"));
        h.Refused("192.168.200.201 is already held by vm1 net0: choose another address, or remove it there first", AddBridged("vm2", "--ip", "192.168.200.201/24"));
    }

    [Theory]
    [InlineData("192.168.200.0/24", "192.168.200.0 is the network address of 192.168.200.0/24 and cannot be a VM address: choose a host address in the subnet")]
    [InlineData("192.168.200.255/24", "192.168.200.255 is the broadcast address of 192.168.200.0/24 and cannot be a VM address: choose a host address in the subnet")]
    [InlineData("0.0.0.5/24", "0.0.0.5 is in 0.0.0.0/8 (this host on this network) and cannot be a VM address: choose another address")]
    [InlineData("127.0.0.2/8", "127.0.0.2 is a loopback address (127.0.0.0/8) and cannot be a VM address: choose another address")]
    [InlineData("239.1.1.1/24", "239.1.1.1 is a multicast address (224.0.0.0/4) and cannot be a VM address: choose another address")]
    [InlineData("169.254.7.7/16", "169.254.7.7 is a link-local address (169.254.0.0/16) and cannot be a VM address: choose another address")]
    [InlineData("192.168.200.203", "192.168.200.203: an address on bridged network Bridged needs its prefix length: give it as 192.168.200.203/24 (or whatever the LAN's prefix is)")]
    [InlineData("192.168.200.203/33", "'192.168.200.203/33' has a bad prefix length: give /0 to /32 after the address, e.g. 192.168.200.203/24")]
    [InlineData("192.168.200.2033/24", "'192.168.200.2033' is not an IPv4 address: give four numbers 0-255 as A.B.C.D, e.g. 192.168.200.201")]
    public void Bridged_addresses_that_cannot_be_a_VM_s_are_refused(string ip, string refusal)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused(refusal, AddBridged("vm2", "--ip", ip));
    }

    [Theory]
    [InlineData("169.255.30.1", "169.255.30.1 is the gateway of network Routed and cannot be a VM address: choose another address")]
    [InlineData("192.168.200.202/24", "192.168.200.202/24: an address on host-routed network Routed is a single host (/32): give it as 192.168.200.202 or 192.168.200.202/32")]
    [InlineData("127.0.0.1", "127.0.0.1 is a loopback address (127.0.0.0/8) and cannot be a VM address: choose another address")]
    [InlineData("224.0.0.1", "224.0.0.1 is a multicast address (224.0.0.0/4) and cannot be a VM address: choose another address")]
    [InlineData("169.254.0.1", "169.254.0.1 is a link-local address (169.254.0.0/16) and cannot be a VM address: choose another address")]
    [InlineData("0.0.0.0", "0.0.0.0 is in 0.0.0.0/8 (this host on this network) and cannot be a VM address: choose another address")]
    public void Routed_addresses_that_cannot_be_a_VM_s_are_refused(string ip, string refusal)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused(refusal, AddRouted("vm2", "--ip", ip));
    }

    [Fact]
    public void A_routed_adapter_without_an_address_or_with_a_gateway_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("an adapter on host-routed network Routed needs an address: give --ip ADDR", AddRouted("vm2"));
        h.Refused("an adapter on host-routed network Routed routes through the network's gateway 169.255.30.1, so --gateway 192.168.200.1 cannot be given: leave --gateway out",
            AddRouted("vm2", "--ip", "192.168.200.202", "--gateway", "192.168.200.1"));
    }

    [Fact]
    public void A_bridged_gateway_outside_the_subnet_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("gateway 192.168.201.1 is outside the subnet of 192.168.200.203/24: give a gateway in 192.168.200.0/24",
            AddBridged("vm2", "--ip", "192.168.200.203/24", "--gateway", "192.168.201.1"));
    }

    [Theory]
    [InlineData("02:00:00:00:00", "'02:00:00:00:00' is not a MAC address: give six hex bytes as 02:00:00:00:00:01, or leave --mac out to generate one")]
    [InlineData("03:00:00:00:00:01", "03:00:00:00:00:01 is a multicast MAC address: give a unicast one (even first byte, e.g. 02:00:00:00:00:01), or leave --mac out to generate one")]
    [InlineData("00:00:00:00:00:00", "00:00:00:00:00:00 cannot be an adapter's MAC address: give another, or leave --mac out to generate one")]
    [InlineData("92:43:91:09:ad:87", "MAC 92:43:91:09:ad:87 is already used by vm1 net0: give another --mac, or leave --mac out to generate one")]
    [InlineData("06:43:91:09:ad:87", "MAC 06:43:91:09:ad:87 differs from vm1 net0's 92:43:91:09:ad:87 only in its first byte, so both server sides would get fe:43:91:09:ad:87: give another --mac, or leave --mac out to generate one")]
    [InlineData("fe:43:91:09:ad:87", "fe:43:91:09:ad:87 begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02), or leave --mac out to generate one")]
    [InlineData("fe:00:00:00:00:09", "fe:00:00:00:00:09 begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02), or leave --mac out to generate one")]
    public void Bad_MACs_are_refused(string mac, string refusal)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused(refusal, AddRouted("vm2", "--ip", "192.168.200.202", "--mac", mac));
        h.Ok(AddBridged("vm2", "--mac", "02:00:00:00:00:09"));
        h.Refused(refusal, "adapter", "set", "vm2", "net0", "--mac", mac);
    }

    [Theory]
    [InlineData("192.168.200.203/24", "192.168.200.0", "gateway 192.168.200.0 is the network address of 192.168.200.0/24, not a host: give the LAN router's address")]
    [InlineData("192.168.200.203/24", "192.168.200.255", "gateway 192.168.200.255 is the broadcast address of 192.168.200.0/24, not a host: give the LAN router's address")]
    [InlineData("192.168.200.203/0", "192.168.200.1", "192.168.200.203/0: /0 would put every address on the LAN of bridged network Bridged: give the LAN's prefix length, e.g. 192.168.200.203/24")]
    public void A_bridged_gateway_or_prefix_no_LAN_has_is_refused(string ip, string gateway, string refusal)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused(refusal, AddBridged("vm2", "--ip", ip, "--gateway", gateway));
        h.Ok(AddBridged("vm2", "--ip", "192.168.200.203/24", "--gateway", "192.168.200.1"));
        h.Refused(refusal, "adapter", "set", "vm2", "net0", "--ip", ip, "--gateway", gateway);
    }

    [Fact]
    public void Unknown_VM_network_and_adapter_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("there is no VM named 'vm9': see 'hostnet vm list'", AddRouted("vm9", "--ip", "192.168.200.202"));
        h.Refused("there is no network named 'Nope': see 'hostnet network list'", "adapter", "add", "vm2", "--network", "Nope");
        h.Refused("VM vm1 has no adapter net1: see 'hostnet vm show vm1'", "adapter", "rm", "vm1", "net1");
        h.Refused("VM vm1 has no adapter net1: see 'hostnet vm show vm1'", "adapter", "set", "vm1", "1", "--mac", "02:00:00:00:00:09");
        h.Refused("there is no network named 'Nope': see 'hostnet network list'", "adapter", "set", "vm1", "net0", "--network", "Nope");
        h.Refused("'eth0' is not an adapter: give net0, net1, ... or 0, 1, ...", "adapter", "rm", "vm1", "eth0");
    }

    [Fact]
    public void A_set_that_breaks_a_rule_is_refused_whole()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Ok(AddRouted("vm2", "--ip", "192.168.200.202"));
        h.Refused("192.168.200.201 is already held by vm1 net0: choose another address, or remove it there first",
            "adapter", "set", "vm2", "net0", "--ip", "192.168.200.210", "--ip", "192.168.200.201");
        h.Refused("192.168.200.202: an address on bridged network Bridged needs its prefix length: give it as 192.168.200.202/24 (or whatever the LAN's prefix is)",
            "adapter", "set", "vm2", "net0", "--network", "Bridged", "--ip", "192.168.200.202");
    }

    [Fact]
    public void Set_can_clear_a_bridged_adapters_gateway_and_addresses_but_not_a_routed_adapters()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Ok(AddBridged("vm2", "--ip", "192.168.200.203/24", "--gateway", "192.168.200.1", "--mac", "02:00:00:00:00:03"));

        Assert.Equal("changed vm2 net0: network Bridged, vme4980d06a.0 - eth0, mac 02:00:00:00:00:03, addresses 192.168.200.203/24\n",
            h.Ok("adapter", "set", "vm2", "net0", "--no-gateway").Stdout);
        Assert.StartsWith("changed vm2 net0: network Bridged, vme4980d06a.0 - eth0, mac 02:00:00:00:00:03",
            h.Ok("adapter", "set", "vm2", "net0", "--no-ip").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("192.168.200.203", h.Ok("--json", "vm", "show", "vm2").Stdout, StringComparison.Ordinal);

        h.Refused("give --ip or --no-ip, not both", "adapter", "set", "vm2", "net0", "--no-ip", "--ip", "192.168.200.203/24");
        var routedNoIp = h.Run("adapter", "set", "vm1", "net0", "--no-ip");
        Assert.Equal(1, routedNoIp.ExitCode);
        Assert.StartsWith("hostnet: error: ", routedNoIp.Stderr, StringComparison.Ordinal);
    }
}

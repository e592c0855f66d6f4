using static Hostnet.Model.Tests.Seed;

namespace Hostnet.Model.Tests;

/// <summary>The edits, and every refusal that needs the rest of the state to decide, with its exact text.</summary>
public class DesiredStateTests
{
    private static Adapter Routed(DesiredState s, string vm, string ip, string? gateway = null, string? mac = null) =>
        s.NewAdapter(vm, "Routed", [ip], gateway, mac);

    [Fact]
    public void Builds_the_seed_world()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.203/24"], "192.168.200.1", null));
        Assert.Equal(["Routed", "Bridged"], s.Networks.Select(n => n.Name));
        Assert.Equal(["vm1", "vm2"], s.Vms.Select(v => v.Name));
        var a = s.GetAdapter("vm2", 0);
        Assert.Equal("net0", a.Name);
        Assert.Equal("192.168.200.203/24", a.Addresses.Single().ToString());
        Assert.Equal(MacAddress.Generate(Vm2Uuid, 0), a.Mac);
        Assert.Equal(new AdapterId("vm1", 0), s.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
        Assert.Equal(new AdapterId("vm2", 0), s.FindMacHolder(a.Mac));
        Assert.Equal(169u << 24 | 255u << 16 | 30u << 8 | 1u, s.GetNetwork("Routed").Gateway!.Value.Value);
    }

    [Fact]
    public void Edits_leave_the_old_state_as_it_was()
    {
        var before = State();
        var after = before.RemoveVm("vm1");
        Assert.NotNull(before.FindVm("vm1"));
        Assert.NotNull(before.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
        Assert.Null(after.FindVm("vm1"));
        Assert.Null(after.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
    }

    [Fact]
    public void States_compare_by_value()
    {
        Assert.Equal(State(), State());
        Assert.NotEqual(State(), WithVm2());
        Assert.Equal(State().SetRunning("vm1", true).SetRunning("vm1", false), State());
    }

    [Fact]
    public void A_state_made_with_with_builds_its_own_index()
    {
        var s = State();
        var copy = s with { Vms = [] };
        Assert.Null(copy.FindVm("vm1"));
        Assert.Null(copy.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
        copy.AddVm(new Vm("vm1", Vm1Uuid, Guest.Tap, false, []));
    }

    [Fact]
    public void New_adapters_take_the_lowest_free_index()
    {
        var s = State();
        s = s.AddAdapter("vm1", Routed(s, "vm1", "192.168.200.202"));
        s = s.RemoveAdapter("vm1", 0);
        var a = Routed(s, "vm1", "192.168.200.201");
        Assert.Equal(0, a.Index);
        s = s.AddAdapter("vm1", a);
        Assert.Equal([0, 1], s.GetVm("vm1").Adapters.Select(x => x.Index));
    }

    [Fact]
    public void An_address_another_adapter_holds_is_refused()
    {
        var s = WithVm2();
        Assert.Equal("192.168.200.201 is already held by vm1 net0: choose another address, or remove it there first",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.201"))));
        Assert.Equal("192.168.200.201 is already held by vm1 net0: choose another address, or remove it there first",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.201/24"], null, null))));
    }

    [Fact]
    public void An_adapter_may_hold_IPv4_and_IPv6_addresses()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Routed", ["192.168.200.202", "2001:db8:200::202"], null, null));
        Assert.Equal(["192.168.200.202/32", "2001:db8:200::202/128"], s.GetAdapter("vm2", 0).Addresses.Select(c => c.ToString()));
        Assert.Equal(new AdapterId("vm2", 0), s.FindAddressHolder(IpAddress.Parse("2001:db8:200::202")));
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "2001:db8:200::1", null));
        Assert.Equal("2001:db8:200::1", s.GetAdapter("vm2", 1).Gateway.ToString());
    }

    [Fact]
    public void An_IPv6_address_another_adapter_holds_is_refused()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Routed", ["2001:db8:200::202"], null, null));
        Assert.Equal("2001:db8:200::202 is already held by vm2 net0: choose another address, or remove it there first",
            Refusal(() => s.AddAdapter("vm1", s.NewAdapter("vm1", "Routed", ["2001:DB8:200:0::202"], null, null))));
        Assert.Equal("2001:db8:200::202 is already held by vm2 net0: choose another address, or remove it there first",
            Refusal(() => s.AddAdapter("vm1", s.NewAdapter("vm1", "Bridged", ["2001:db8:200::202/64"], null, null))));
    }

    [Fact]
    public void The_IPv6_gateway_of_a_routed_network_is_not_a_VM_address() =>
        Assert.Equal("fe80::ffff:1:1 is a link-local address (fe80::/10) and cannot be a VM address: choose another address",
            Refusal(() => WithVm2().AddAdapter("vm2", WithVm2().NewAdapter("vm2", "Routed", ["fe80::ffff:1:1"], null, null))));

    [Fact]
    public void A_bridged_IPv6_gateway_needs_an_IPv6_address_in_its_subnet()
    {
        var s = WithVm2();
        Assert.Equal("gateway 2001:db8:200::1 needs an IPv6 address of the adapter in its subnet | GiveIpWithPrefix { }",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24"], "2001:db8:200::1", null))));
        Assert.Equal("gateway 2001:db8:300::1 is outside the subnet of 2001:db8:200::204/64: give a gateway in 2001:db8:200::/64",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.204/24", "2001:db8:200::204/64"], "2001:db8:300::1", null))));
        Assert.Equal("ff02::2 is a multicast address (ff00::/8) and cannot be a gateway: give the LAN router's address",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["2001:db8:200::204/64"], "ff02::2", null))));
        // A router known by its link-local address is on the link of any IPv6 address.
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["2001:db8:200::204/64"], "fe80::1", null));
        Assert.Equal("fe80::1", s.GetAdapter("vm2", 0).Gateway.ToString());
    }

    [Fact]
    public void A_routed_adapter_takes_no_IPv6_gateway() =>
        Assert.Equal("an adapter on host-routed network Routed routes through the network's gateway fe80::ffff:1:1 | OmitAdapterGateway { Gateway = fe80::1 }",
            Refusal(() => WithVm2().AddAdapter("vm2", WithVm2().NewAdapter("vm2", "Routed", ["2001:db8:200::202"], "fe80::1", null))));

    [Fact]
    public void An_address_given_twice_is_refused()
    {
        var s = WithVm2();
        Assert.Equal("192.168.200.210 is given twice: give each address once",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Routed", ["192.168.200.210", "192.168.200.210/32"], null, null))));
    }

    [Fact]
    public void An_adapter_may_keep_its_own_addresses_when_changed()
    {
        var s = State();
        var changed = s.ChangedAdapter("vm1", "net0", null, null, null, "02:00:00:00:00:99");
        s = s.SetAdapter("vm1", changed);
        Assert.Equal("02:00:00:00:00:99", s.GetAdapter("vm1", 0).Mac.ToString());
        Assert.Equal(new AdapterId("vm1", 0), s.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
    }

    [Fact]
    public void Changing_addresses_frees_the_old_ones()
    {
        var s = WithVm2();
        s = s.SetAdapter("vm1", s.ChangedAdapter("vm1", "0", null, ["192.168.200.210"], null, null));
        Assert.Null(s.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
        s = s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.201"));
        Assert.Equal(new AdapterId("vm2", 0), s.FindAddressHolder(IpAddress.Parse("192.168.200.201")));
    }

    [Fact]
    public void The_gateway_of_any_routed_network_is_not_a_VM_address()
    {
        var s = WithVm2();
        Assert.Equal("169.255.30.1 is the gateway of network Routed and cannot be a VM address: choose another address",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "169.255.30.1"))));
        Assert.Equal("169.255.30.1 is the gateway of network Routed and cannot be a VM address: choose another address",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["169.255.30.1/16"], null, null))));
    }

    [Fact]
    public void A_routed_adapter_needs_an_address() =>
        Assert.Equal("an adapter on host-routed network Routed needs an address | GiveIp { }",
            Refusal(() => WithVm2().AddAdapter("vm2", WithVm2().NewAdapter("vm2", "Routed", [], null, null))));

    [Fact]
    public void A_routed_adapter_takes_no_gateway()
    {
        var s = WithVm2();
        Assert.Equal("an adapter on host-routed network Routed routes through the network's gateway 169.255.30.1 | OmitAdapterGateway { Gateway = 192.168.200.1 }",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", "192.168.200.1"))));
    }

    [Fact]
    public void A_routed_address_with_another_prefix_is_refused()
    {
        var s = WithVm2();
        Assert.Equal("192.168.200.202/24: an address on host-routed network Routed is a single host (/32): give it as 192.168.200.202 or 192.168.200.202/32",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202/24"))));
    }

    [Fact]
    public void A_bridged_gateway_outside_the_subnet_is_refused()
    {
        var s = WithVm2();
        Assert.Equal("gateway 10.0.0.1 is outside the subnet of 192.168.200.203/24: give a gateway in 192.168.200.0/24",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.203/24"], "10.0.0.1", null))));
    }

    [Fact]
    public void A_bridged_gateway_needs_an_address()
    {
        var s = WithVm2();
        Assert.Equal("gateway 192.168.200.1 needs an address of the adapter in its subnet | GiveIpWithPrefix { }",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", [], "192.168.200.1", null))));
    }

    [Fact]
    public void A_bridged_adapter_may_have_no_address()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", [], null, null));
        Assert.Empty(s.GetAdapter("vm2", 0).Addresses);
    }

    [Fact]
    public void A_bridged_address_that_is_its_own_gateway_is_refused()
    {
        var s = WithVm2();
        Assert.Equal("192.168.200.1 is the adapter's own gateway and cannot also be its address: choose another address | OtherAdapterGateway { }",
            Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.1/24"], "192.168.200.1", null))));
    }

    [Fact]
    public void Two_VMs_whose_vme_names_would_collide_are_refused()
    {
        // fb9a73a1 and 7b9a73a1 differ only in bit 31, which the name drops.
        var s = State();
        Assert.Equal("VM vm9's host interfaces would have the names of VM vm1's (vme7b9a73a1.0, ...): their UUIDs begin alike (bit 31 aside) | OtherVmUuid { Vm = vm9 }",
            Refusal(() => s.AddVm(new Vm("vm9", Guid.Parse("fb9a73a1-0000-4000-8000-000000000009"), Guest.Tap, false, []))));
    }

    [Fact]
    public void A_generated_UUID_never_collides()
    {
        var s = State();
        for (var i = 0; i < 100; i++) Assert.NotEqual(Naming.HostInterfacePrefix(Vm1Uuid), Naming.HostInterfacePrefix(s.NewVmUuid()));
    }

    [Fact]
    public void A_duplicate_VM_name_is_refused() =>
        Assert.Equal("a VM named vm1 already exists: choose another name | RemoveVm { Name = vm1 }",
            Refusal(() => State().AddVm(new Vm("vm1", Vm2Uuid, Guest.Tap, false, []))));

    [Fact]
    public void A_duplicate_network_name_is_refused() =>
        Assert.Equal("a network named Routed already exists: choose another name | RemoveNetwork { Name = Routed }",
            Refusal(() => State().AddNetwork(Network.HostRouted("Routed", "eth1"))));

    [Fact]
    public void A_malformed_VM_name_is_refused_by_the_edit_too() =>
        Assert.Equal("'vm 2' is not a valid VM name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            Refusal(() => State().AddVm(new Vm("vm 2", Vm2Uuid, Guest.Tap, false, []))));

    [Fact]
    public void A_malformed_network_name_is_refused_by_the_edit_too() =>
        Assert.Equal("'-net' is not a valid network name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            Refusal(() => State().AddNetwork(Network.HostRouted("-net", "eth1"))));

    [Fact]
    public void An_uplink_name_the_kernel_cannot_take_is_refused() =>
        Assert.Equal("uplink name 'enp0s31f6-uplink0' is 17 characters long, but the kernel takes at most 15: choose a shorter name",
            Refusal(() => State().AddNetwork(Network.HostRouted("R2", "enp0s31f6-uplink0"))));

    [Fact]
    public void A_bridge_name_the_kernel_cannot_take_is_refused() =>
        Assert.Equal("bridge name 'br-0123456789abc' is 16 characters long, but the kernel takes at most 15: choose a shorter name",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "br-0123456789abc", "eth0"))));

    [Fact]
    public void A_bridged_network_needs_a_bridge_of_its_own_name() =>
        Assert.Equal("the bridge and the uplink of network B2 are both eth1: give the bridge a name of its own, e.g. br1",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "eth1", "eth1"))));

    [Fact]
    public void A_bridged_network_needs_a_bridge() =>
        Assert.Equal("bridged network B2 needs a bridge | GiveBridge { }",
            Refusal(() => State().AddNetwork(new Network("B2", NetworkMode.Bridged, "eth1", null, null))));

    [Fact]
    public void A_bridge_joins_one_uplink() =>
        Assert.Equal("bridge br1 already joins uplink eth0 (network Bridged): give network B2 another bridge, or uplink eth0",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "br1", "eth1"))));

    [Fact]
    public void A_bridged_network_has_no_gateway() =>
        Assert.Equal("a bridged network has no gateway of its own | AdapterGateways { }",
            Refusal(() => State().AddNetwork(new Network("B2", NetworkMode.Bridged, "eth1", "br2", IpAddress.Parse("10.0.0.1")))));

    [Fact]
    public void A_routed_network_has_no_bridge() =>
        Assert.Equal("a host-routed network has no bridge | OmitBridge { }",
            Refusal(() => State().AddNetwork(new Network("R2", NetworkMode.HostRouted, "eth1", "br2", IpAddress.DefaultRoutedGateway))));

    [Fact]
    public void A_routed_gateway_a_VM_holds_is_refused() =>
        Assert.Equal("192.168.200.201 is held by vm1 net0 and cannot be the gateway of network R2 | OtherNetworkGateway { }",
            Refusal(() => State().AddNetwork(Network.HostRouted("R2", "eth1", IpAddress.Parse("192.168.200.201")))));

    [Fact]
    public void Unknown_network_VM_and_adapter_are_refused()
    {
        var s = State();
        Assert.Equal("there is no network named 'Nope' | ListNetworks { }", Refusal(() => s.NewAdapter("vm1", "Nope", [], null, null)));
        Assert.Equal("there is no network named 'Nope' | ListNetworks { }", Refusal(() => s.RemoveNetwork("Nope")));
        Assert.Equal("there is no VM named 'vm7' | ListVms { }", Refusal(() => s.NewAdapter("vm7", "Routed", [], null, null)));
        Assert.Equal("there is no VM named 'vm7' | ListVms { }", Refusal(() => s.RemoveVm("vm7")));
        Assert.Equal("there is no VM named 'vm7' | ListVms { }", Refusal(() => s.SetRunning("vm7", true)));
        Assert.Equal("VM vm1 has no adapter net3 | ShowVm { Vm = vm1 }", Refusal(() => s.RemoveAdapter("vm1", 3)));
        Assert.Equal("VM vm1 has no adapter net3 | ShowVm { Vm = vm1 }", Refusal(() => s.ChangedAdapter("vm1", "net3", null, null, null, null)));
        Assert.Equal("there is no network named 'Nope' | ListNetworks { }", Refusal(() => s.ChangedAdapter("vm1", "net0", "Nope", null, null, null)));
    }

    [Fact]
    public void A_refusal_carries_its_code_and_the_values_its_words_need()
    {
        var s = State();
        var network = Assert.Throws<ValidationException>(() => s.RemoveNetwork("Nope"));
        Assert.Equal("network-not-found", network.Code);
        Assert.Equal(new Dictionary<string, string> { ["network"] = "Nope" }, network.Arguments);
        var adapter = Assert.Throws<ValidationException>(() => s.RemoveAdapter("vm1", 3));
        Assert.Equal("adapter-not-found", adapter.Code);
        Assert.Equal(new Dictionary<string, string> { ["vm"] = "vm1", ["adapter"] = "net3" }, adapter.Arguments);
        Assert.Equal(new Remedy.ShowVm("vm1"), adapter.Remedy);
    }

    [Fact]
    public void Removing_a_network_adapters_use_is_refused()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202"));
        Assert.Equal("network Routed is still used by vm1 net0 and 1 more | MoveAdapters { }",
            Refusal(() => s.RemoveNetwork("Routed")));
        Assert.Equal(["Routed"], s.RemoveNetwork("Bridged").Networks.Select(n => n.Name));
    }

    [Fact]
    public void A_duplicate_MAC_is_refused()
    {
        var s = WithVm2();
        var mac = s.GetAdapter("vm1", 0).Mac.ToString();
        Assert.Equal($"MAC {mac} is already used by vm1 net0 | OtherMac {{ }}",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: mac))));
    }

    [Fact]
    public void A_MAC_that_differs_from_anothers_only_in_its_first_byte_is_refused()
    {
        // vm1 net0 is 92:43:91:09:ad:87: both would have the server side fe:43:91:09:ad:87.
        var s = WithVm2();
        const string Refused = "MAC 06:43:91:09:ad:87 differs from vm1 net0's 92:43:91:09:ad:87 only in its first byte, so both server sides would get fe:43:91:09:ad:87 | OtherMac { }";
        Assert.Equal(Refused, Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: "06:43:91:09:ad:87"))));
        s = s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: "02:00:00:00:00:02"));
        Assert.Equal(Refused, Refusal(() => s.SetAdapter("vm2", s.ChangedAdapter("vm2", "net0", null, null, null, "06:43:91:09:ad:87"))));
        Assert.Equal(Refused, Refusal(() => s.AddVm(new Vm("vm3", Guid.Parse("33333333-0000-4000-8000-000000000003"), Guest.Tap, false,
                [new Adapter(0, "Bridged", MacAddress.Parse("06:43:91:09:ad:87"), [], null)]))));
        // Its own MAC with another first byte is its own business: the old one goes as the new one comes.
        s.SetAdapter("vm1", s.ChangedAdapter("vm1", "net0", null, null, null, "06:43:91:09:ad:87"));
    }

    [Fact]
    public void A_MAC_beginning_with_fe_is_refused_by_the_edits()
    {
        var s = WithVm2();
        const string Refused = "fe:1e:b7:92:67:7a begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02) | GenerateMac { }";
        Assert.Equal(Refused, Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", [], null, "fe:1e:b7:92:67:7a"))));
        Assert.Equal(Refused, Refusal(() => s.SetAdapter("vm1", s.ChangedAdapter("vm1", "net0", null, null, null, "fe:1e:b7:92:67:7a"))));
        Assert.Equal(Refused, Refusal(() => s.AddVm(new Vm("vm3", Guid.Parse("33333333-0000-4000-8000-000000000003"), Guest.Tap, false,
            [new Adapter(0, "Bridged", MacAddress.Parse("fe:1e:b7:92:67:7a"), [], null)]))));
    }

    [Fact]
    public void A_generated_MAC_steps_past_another_adapters_host_side()
    {
        // vm2 was given vm3's first candidate with another first byte: vm3 gets its next candidate.
        var vm3 = Guid.Parse("33333333-0000-4000-8000-000000000003");
        var first = MacAddress.Generate(vm3, 0);
        var twin = new MacAddress((first.Value & 0xFFFFFFFFFFUL) | ((first.Value >> 40) == 0x02 ? 0x06UL << 40 : 0x02UL << 40));
        var s = WithVm2().AddVm(new Vm("vm3", vm3, Guest.Tap, false, []));
        Assert.Equal(first, s.NewMac(vm3, 0));
        Assert.Equal(MacAddress.Generate(vm3, 0, attempt: 1), s.NewMac(vm3, 0, alsoTaken: [twin]));
        s = s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: twin.ToString()));
        var a = s.NewAdapter("vm3", "Bridged", [], null, null);
        Assert.Equal(MacAddress.Generate(vm3, 0, attempt: 1), a.Mac);
        Assert.NotEqual(twin.HostSide(), a.Mac.HostSide());
        s = s.AddAdapter("vm3", a);
        Assert.Equal(new AdapterId("vm3", 0), s.FindMacHolder(a.Mac));
    }

    [Fact]
    public void No_guest_MAC_on_a_server_of_twenty_thousand_adapters_is_a_host_side()
    {
        var s = State();
        var rng = new Random(11);
        var given = new byte[6];
        var taken = s.Vms.SelectMany(v => v.Adapters).Select(a => a.Mac.HostSide()).ToHashSet();
        for (var i = 0; i < 20_000; i++)
        {
            var uuid = s.NewVmUuid();
            // Every tenth MAC is given by the admin: random unicast, drawn again only where the rules would refuse it.
            MacAddress? mac = null;
            if (i % 10 == 0)
            {
                MacAddress m;
                do
                {
                    rng.NextBytes(given);
                    given[0] &= 0xFE;
                    m = MacAddress.FromBytes(given);
                }
                while (m.IsZero || m.IsHostSide || taken.Contains(m.HostSide()));
                mac = m;
            }
            // As import adds them: the VM with its adapter in one edit (adapter add costs the same checks).
            var a = new Adapter(0, "Bridged", mac ?? s.NewMac(uuid, 0), [], null);
            s = s.AddVm(new Vm($"vm-{i}", uuid, Guest.Tap, false, [a]));
            taken.Add(a.Mac.HostSide());
        }
        var guests = s.Vms.SelectMany(v => v.Adapters).Select(a => a.Mac).ToList();
        Assert.Equal(20_001, guests.Count);
        var hostSides = guests.Select(m => m.HostSide()).ToHashSet();
        Assert.Equal(guests.Count, hostSides.Count);
        Assert.DoesNotContain(guests, hostSides.Contains);
        Assert.Empty(s.MacProblems());
    }

    [Fact]
    public void A_state_an_older_release_wrote_says_which_MACs_to_change()
    {
        // Written before the rules: vm97's generated MAC began with fe, and vm5 got vm1's host side.
        var bridged = Network.Bridged("Bridged", "br1", "eth0");
        var routed = Network.HostRouted("Routed", "eth0");
        var uuid97 = Guid.Parse("5e1ec7ed-0000-4000-8000-000000000097");
        var s = new DesiredState([routed, bridged],
        [
            new Vm("vm1", Vm1Uuid, Guest.Tap, true, [new Adapter(0, "Routed", MacAddress.Parse("92:43:91:09:ad:87"), [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null)]),
            new Vm("vm97", uuid97, Guest.Tap, true, [new Adapter(0, "Bridged", MacAddress.Parse("fe:1e:b7:92:67:7a"), [], null)]),
            new Vm("vm5", Vm2Uuid, Guest.Tap, true, [new Adapter(0, "Bridged", MacAddress.Parse("06:43:91:09:ad:87"), [], null)]),
        ]);
        var fix97 = s.RemoveAdapter("vm97", 0).NewMac(uuid97, 0);
        var fix5 = s.RemoveAdapter("vm5", 0).NewMac(Vm2Uuid, 0);
        Assert.Equal(
        [
            new Problem("mac-host-side",
                "vm97 net0 has MAC fe:1e:b7:92:67:7a, which begins with fe like the server side of every VM adapter: its own vme5e1ec7ed.0 has that MAC too, so it is unreachable through a bridge",
                new Remedy.SetAdapterMac("vm97", "net0", fix97)),
            new Problem("mac-host-side-clash",
                "vm5 net0 has MAC 06:43:91:09:ad:87, which differs from vm1 net0's only in its first byte: both server sides get fe:43:91:09:ad:87",
                new Remedy.SetAdapterMac("vm5", "net0", fix5)),
        ], s.MacProblems());
        // The same guest keeps bytes 2-6 of its MAC: only the first byte moves off fe.
        Assert.Equal("1e:b7:92:67:7a", fix97.ToString()[3..]);
        // Doing what the warnings say leaves nothing to warn about; the edits took the old MACs out of the index.
        s = s.SetAdapter("vm97", s.GetAdapter("vm97", 0) with { Mac = fix97 });
        s = s.SetAdapter("vm5", s.GetAdapter("vm5", 0) with { Mac = fix5 });
        Assert.Empty(s.MacProblems());
        Assert.Equal(new AdapterId("vm1", 0), s.FindMacHolder(MacAddress.Parse("92:43:91:09:ad:87")));
    }

    [Fact]
    public void Multicast_and_zero_MACs_are_refused_by_the_edit()
    {
        var s = WithVm2();
        Assert.Equal("01:00:5e:00:00:01 is a multicast MAC address: give a unicast one (even first byte, e.g. 02:00:00:00:00:01) | GenerateMac { }",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: "01:00:5e:00:00:01"))));
        Assert.Equal("00:00:00:00:00:00 cannot be an adapter's MAC address: give another | GenerateMac { }",
            Refusal(() => s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202", mac: "00:00:00:00:00:00"))));
    }

    [Fact]
    public void An_adapter_index_past_999_is_refused()
    {
        var s = WithVm2();
        var a = Routed(s, "vm2", "192.168.200.202") with { Index = 1000 };
        Assert.Equal("adapter index 1000 is out of range: use 0 to 999 (the host interface name has at most 15 characters)",
            Refusal(() => s.AddAdapter("vm2", a)));
    }

    [Fact]
    public void Two_netns_guests_cannot_share_a_namespace()
    {
        var s = State().AddVm(new Vm("vm2", Vm2Uuid, Guest.Netns("lab"), false, []));
        Assert.Equal("network namespace lab is already the guest of VM vm2 | OtherGuestNetns { }",
            Refusal(() => s.AddVm(new Vm("vm3", Guid.Parse("11111111-0000-4000-8000-000000000003"), Guest.Netns("lab"), false, []))));
    }

    [Fact]
    public void A_VM_added_with_adapters_is_checked_whole()
    {
        var s = State();
        var net = s.GetNetwork("Routed");
        var a0 = new Adapter(0, "Routed", MacAddress.Generate(Vm2Uuid, 0), [StateRules.ParseVmAddress(net, "192.168.200.202")], null);
        var a1 = new Adapter(1, "Routed", MacAddress.Generate(Vm2Uuid, 1), [StateRules.ParseVmAddress(net, "192.168.200.202")], null);
        Assert.Equal("192.168.200.202 is already held by vm2 net0: choose another address, or remove it there first",
            Refusal(() => s.AddVm(new Vm("vm2", Vm2Uuid, Guest.Tap, false, [a1, a0]))));
        var ok = s.AddVm(new Vm("vm2", Vm2Uuid, Guest.Tap, true, [a1 with { Addresses = [] , Network = "Bridged" }, a0]));
        Assert.Equal([0, 1], ok.GetVm("vm2").Adapters.Select(a => a.Index));
        Assert.True(ok.GetVm("vm2").Running);
    }

    [Fact]
    public void Moving_an_adapter_to_a_routed_network_drops_its_own_gateway()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.203/24"], "192.168.200.1", null));
        var moved = s.ChangedAdapter("vm2", "net0", "Routed", ["192.168.200.203"], null, null);
        Assert.Null(moved.Gateway);
        s = s.SetAdapter("vm2", moved);
        Assert.Equal("Routed", s.GetAdapter("vm2", 0).Network);
    }

    [Fact]
    public void The_all_zero_UUID_is_refused() =>
        Assert.Equal("the all-zero UUID cannot be a VM's | OtherUuid { }",
            Refusal(() => State().AddVm(new Vm("vm2", Guid.Empty, Guest.Tap, false, []))));

    [Fact]
    public void An_index_a_VM_already_has_is_refused()
    {
        var s = WithVm2();
        var a = Routed(s, "vm1", "192.168.200.250") with { Index = 0 };
        Assert.Equal("VM vm1 already has an adapter net0 | SetAdapter { Vm = vm1, Adapter = net0 }", Refusal(() => s.AddAdapter("vm1", a)));
        var net = s.GetNetwork("Bridged");
        var b0 = new Adapter(0, "Bridged", MacAddress.Generate(Vm2Uuid, 0), [], null);
        Assert.Equal("VM vm3 has two adapters net0: give each adapter its own index",
            Refusal(() => s.AddVm(new Vm("vm3", Guid.Parse("33333333-0000-4000-8000-000000000003"), Guest.Tap, false, [b0, b0 with { Mac = MacAddress.Parse("02:00:00:00:00:33") }]))));
        Assert.Equal(NetworkMode.Bridged, net.Mode);
    }

    [Fact]
    public void A_bridged_network_cannot_use_another_network_s_bridge_as_uplink() =>
        Assert.Equal("br1 is the bridge of network Bridged and cannot be an uplink to another bridge | PhysicalUplink { }",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "br2", "br1"))));

    [Fact]
    public void A_second_bridge_on_an_uplink_is_refused() =>
        Assert.Equal("uplink eth0 is already a port of bridge br1 (network Bridged): give network B2 bridge br1 too, or another uplink",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "br2", "eth0"))));

    [Theory]
    [InlineData("all", "every interface")]
    [InlineData("default", "every new interface")]
    public void The_kernels_all_and_default_are_refused_as_uplink_and_bridge(string name, string what)
    {
        Assert.Equal($"uplink name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            Refusal(() => State().AddNetwork(Network.HostRouted("R2", name))));
        Assert.Equal($"uplink name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", "br2", name))));
        Assert.Equal($"bridge name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            Refusal(() => State().AddNetwork(Network.Bridged("B2", name, "eth1"))));
    }

    [Theory]
    [InlineData("192.168.200.203/24", "192.168.200.0", "gateway 192.168.200.0 is the network address of 192.168.200.0/24, not a host: give the LAN router's address")]
    [InlineData("192.168.200.203/24", "192.168.200.255", "gateway 192.168.200.255 is the broadcast address of 192.168.200.0/24, not a host: give the LAN router's address")]
    [InlineData("192.168.200.203/0", "192.168.200.1", "192.168.200.203/0: /0 would put every address on the LAN of bridged network Bridged: give the LAN's prefix length, e.g. 192.168.200.203/24")]
    [InlineData("192.168.200.203/0", null, "192.168.200.203/0: /0 would put every address on the LAN of bridged network Bridged: give the LAN's prefix length, e.g. 192.168.200.203/24")]
    public void A_bridged_adapter_with_a_gateway_or_prefix_no_LAN_has_is_refused(string ip, string? gateway, string refusal)
    {
        var s = WithVm2();
        Assert.Equal(refusal, Refusal(() => s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", [ip], gateway, null))));
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.203/24"], "192.168.200.1", null));
        Assert.Equal(refusal, Refusal(() => s.SetAdapter("vm2", s.ChangedAdapter("vm2", "net0", null, [ip], gateway, null, clearGateway: gateway is null))));
    }

    [Fact]
    public void Two_bridged_networks_may_share_a_bridge_on_the_same_uplink()
    {
        var s = State().AddNetwork(Network.Bridged("B2", "br1", "eth0"));
        Assert.Equal(3, s.Networks.Count);
    }

    [Fact]
    public void Adapters_on_a_network_are_listed_with_their_VM()
    {
        var s = WithVm2();
        s = s.AddAdapter("vm2", Routed(s, "vm2", "192.168.200.202"));
        Assert.Equal(["vm1 net0", "vm2 net0"], s.AdaptersOn("Routed").Select(x => $"{x.Vm.Name} {x.Adapter.Name}"));
        Assert.Empty(s.AdaptersOn("Bridged"));
    }

    [Fact]
    public void Ten_thousand_VMs_are_added_and_the_address_index_still_refuses_a_taken_address()
    {
        var s = State();
        var net = s.GetNetwork("Routed");
        for (var i = 0; i < 10_000; i++)
        {
            var uuid = s.NewVmUuid();
            var ip = new IpPrefix(new IpAddress(0x0A000000u + (uint)i + 1), 32);
            s = s.AddVm(new Vm($"vm-{i}", uuid, Guest.Tap, false, [new Adapter(0, net.Name, MacAddress.Generate(uuid, 0), [ip], null)]));
        }
        Assert.Equal(10_001, s.Vms.Count);
        Assert.Equal("10.0.0.1 is already held by vm-0 net0: choose another address, or remove it there first",
            Refusal(() => s.AddAdapter("vm1", s.NewAdapter("vm1", "Routed", ["10.0.0.1"], null, null))));
    }
}

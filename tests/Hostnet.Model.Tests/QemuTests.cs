namespace Hostnet.Model.Tests;

public class QemuTests
{
    [Fact]
    public void A_tap_guest_gets_one_netdev_and_device_per_adapter()
    {
        var vm = Seed.State().GetVm("vm1");
        Assert.Equal(
            "-netdev tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=92:43:91:09:ad:87",
            Qemu.CommandLine(vm));
    }

    [Fact]
    public void A_routed_guest_sets_its_address_as_a_32_and_routes_through_the_on_link_gateway()
    {
        var state = Seed.State();
        var g = Assert.Single(Qemu.GuestSettings(state.GetVm("vm1"), state));

        Assert.Equal("eth0", g.Interface);
        Assert.Equal(NetworkMode.HostRouted, g.Mode);
        Assert.Equal([new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], g.Addresses);
        Assert.Equal(IpAddress.DefaultRoutedGateway, g.Gateway);
        Assert.True(g.OnLinkGateway);
        Assert.Equal(
            ["ip link set eth0 up", "ip addr add 192.168.200.201/32 dev eth0",
             "ip route add 169.255.30.1 dev eth0 scope link", "ip route add default via 169.255.30.1 dev eth0"],
            g.IpCommands());
    }

    [Fact]
    public void A_bridged_guest_sets_its_prefix_and_its_own_gateway_and_a_second_adapter_routes_with_a_metric()
    {
        var state = Seed.State();
        state = state.AddAdapter("vm1", state.NewAdapter("vm1", "Bridged", ["192.168.200.203/24"], "192.168.200.1", null));
        state = state.AddAdapter("vm1", state.NewAdapter("vm1", "Bridged", ["10.0.0.5/8"], null, null));
        var settings = Qemu.GuestSettings(state.GetVm("vm1"), state);

        Assert.Equal(3, settings.Count);
        var bridged = settings[1];
        Assert.Equal((NetworkMode.Bridged, "eth1", false), (bridged.Mode, bridged.Interface, bridged.OnLinkGateway));
        Assert.Equal(
            ["ip link set eth1 up", "ip addr add 192.168.200.203/24 dev eth1", "ip route add default via 192.168.200.1 dev eth1 metric 1"],
            bridged.IpCommands());
        Assert.Null(settings[2].Gateway);
        Assert.Equal(["ip link set eth2 up", "ip addr add 10.0.0.5/8 dev eth2"], settings[2].IpCommands());
    }

    [Fact]
    public void A_second_routed_adapter_answers_through_its_own_table()
    {
        var state = Seed.State();
        state = state.AddAdapter("vm1", state.NewAdapter("vm1", "Routed", ["192.168.200.204"], null, null));
        var second = Qemu.GuestSettings(state.GetVm("vm1"), state)[1];

        Assert.Equal(
            ["ip link set eth1 up", "ip addr add 192.168.200.204/32 dev eth1",
             "ip route add 169.255.30.1 dev eth1 scope link metric 1", "ip route add default via 169.255.30.1 dev eth1 metric 1",
             "ip route add 169.255.30.1 dev eth1 scope link table 1001", "ip route add default via 169.255.30.1 dev eth1 table 1001",
             "ip rule add from 192.168.200.204 lookup 1001 priority 1001"],
            second.IpCommands());
    }

    [Fact]
    public void A_dual_stack_routed_guest_sets_a_128_and_routes_IPv6_through_fe80_ffff_1_1()
    {
        var state = Seed.WithVm2();
        state = state.AddAdapter("vm2", state.NewAdapter("vm2", "Routed", ["192.168.200.202", "2001:db8:200::202"], null, null));
        state = state.AddAdapter("vm2", state.NewAdapter("vm2", "Routed", ["2001:db8:200::212"], null, null));
        var settings = Qemu.GuestSettings(state.GetVm("vm2"), state);
        Assert.Equal(
            [
                "ip link set eth0 up",
                "ip addr add 192.168.200.202/32 dev eth0",
                "ip addr add 2001:db8:200::202/128 dev eth0",
                "ip route add 169.255.30.1 dev eth0 scope link",
                "ip route add default via 169.255.30.1 dev eth0",
                "ip -6 route add default via fe80::ffff:1:1 dev eth0",
            ],
            settings[0].IpCommands());
        // An IPv6-only adapter has no IPv4 gateway to route through.
        Assert.Null(settings[1].Gateway);
        Assert.Equal(
            [
                "ip link set eth1 up",
                "ip addr add 2001:db8:200::212/128 dev eth1",
                "ip -6 route add default via fe80::ffff:1:1 dev eth1 metric 1",
                "ip -6 route add default via fe80::ffff:1:1 dev eth1 table 1001",
                "ip -6 rule add from 2001:db8:200::212 lookup 1001 priority 1001",
            ],
            settings[1].IpCommands());
    }

    [Fact]
    public void Libvirt_gets_an_unmanaged_ethernet_interface_per_adapter()
    {
        var vm = Seed.State().GetVm("vm1");
        Assert.Equal(
            "  <interface type='ethernet'>\n"
            + "    <mac address='92:43:91:09:ad:87'/>\n"
            + "    <target dev='vme7b9a73a1.0' managed='no'/>\n"
            + "    <model type='virtio'/>\n"
            + "  </interface>\n",
            Qemu.LibvirtInterfaces(vm, "  "));
    }
}

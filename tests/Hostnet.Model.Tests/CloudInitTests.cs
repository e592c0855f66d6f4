namespace Hostnet.Model.Tests;

public class CloudInitTests
{
    [Fact]
    public void A_routed_and_a_bridged_adapter_as_network_config_version_2()
    {
        var state = DesiredState.Empty
            .AddNetwork(Network.HostRouted("Routed", "eth0") with { Dns = [IpAddress.Parse("192.0.2.53"), IpAddress.Parse("2001:db8::53")] })
            .AddNetwork(Network.Bridged("Bridged", "br1", "eth0"))
            .AddVm(new Vm("vm1", Seed.Vm1Uuid, Guest.Tap, false, [
                new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"),
                    [IpPrefix.Host(IpAddress.Parse("192.168.200.201")), IpPrefix.Host(IpAddress.Parse("2001:db8::201"))], null),
                new Adapter(1, "Bridged", MacAddress.Parse("02:00:00:00:00:02"),
                    [new IpPrefix(IpAddress.Parse("192.168.200.203"), 24)], IpAddress.Parse("192.168.200.1")),
            ]));
        Assert.Equal(
            """
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: "02:00:00:00:00:01"
                set-name: eth0
                dhcp4: false
                dhcp6: false
                addresses:
                  - 192.168.200.201/32
                  - 2001:db8::201/128
                routes:
                  - to: 0.0.0.0/0
                    via: 169.255.30.1
                    on-link: true
                  - to: ::/0
                    via: fe80::ffff:1:1
                    on-link: true
                nameservers:
                  addresses: [192.0.2.53, 2001:db8::53]
              eth1:
                match:
                  macaddress: "02:00:00:00:00:02"
                set-name: eth1
                dhcp4: false
                dhcp6: false
                addresses:
                  - 192.168.200.203/24
                routes:
                  - to: 0.0.0.0/0
                    via: 192.168.200.1

            """, CloudInit.NetworkConfig(state.GetVm("vm1"), state));
    }

    [Fact]
    public void A_VM_without_adapters_has_no_ethernets()
    {
        var state = Seed.WithVm2();
        Assert.Equal("version: 2\nethernets: {}\n", CloudInit.NetworkConfig(state.GetVm("vm2"), state));
    }
}

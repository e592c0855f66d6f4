using System.Text.RegularExpressions;

namespace Hostnet.Cli.Tests.Commands;

public class VmCommandsTests
{
    [Fact]
    public void Adds_VMs_of_both_guest_kinds()
    {
        using var h = new HostnetSandbox();
        Assert.Equal("added VM vm1 (uuid 7b9a73a1-5c2e-4d1a-9f3b-000000000001, guest tap, host interfaces vme7b9a73a1.N)\n",
            h.Ok("vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001").Stdout);
        Assert.Equal("added VM vm2 (uuid 4980d06a-0000-4000-8000-000000000002, guest netns:hostnet-vm2, host interfaces vme4980d06a.N)\n",
            h.Ok("vm", "add", "vm2", "--uuid", "4980d06a00004000800000000000000" + "2", "--guest", "netns").Stdout);
        Assert.Equal("added VM vm3 (uuid 0c000000-0000-4000-8000-000000000003, guest netns:lab3, host interfaces vme0c000000.N)\n",
            h.Ok("vm", "add", "vm3", "--uuid", "0c000000-0000-4000-8000-000000000003", "--guest", "netns:lab3").Stdout);
        var generated = h.Ok("vm", "add", "vm4").Stdout;
        Assert.Matches(new Regex(@"^added VM vm4 \(uuid [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}, guest tap, host interfaces vme[0-7][0-9a-f]{7}\.N\)\n$"), generated);
        Assert.Equal(
            """
            NAME  UUID                                  GUEST              STATE    ADAPTERS
            vm1   7b9a73a1-5c2e-4d1a-9f3b-000000000001  tap                stopped  -
            vm2   4980d06a-0000-4000-8000-000000000002  netns:hostnet-vm2  stopped  -
            vm3   0c000000-0000-4000-8000-000000000003  netns:lab3         stopped  -
            """, string.Join('\n', h.Ok("vm", "list").Stdout.Split('\n').Take(4)));
    }

    [Fact]
    public void Show_prints_the_adapters_QEMU_arguments_libvirt_interfaces_and_guest_settings_of_a_tap_guest()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal(
            """
            name:   vm1
            uuid:   7b9a73a1-5c2e-4d1a-9f3b-000000000001
            guest:  tap
            state:  stopped
            net0: network Routed, vme7b9a73a1.0 - eth0, mac 92:43:91:09:ad:87, addresses 192.168.200.201, via 169.255.30.1
            qemu:   -netdev tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=92:43:91:09:ad:87
            libvirt: (in the domain's <devices>)
              <interface type='ethernet'>
                <mac address='92:43:91:09:ad:87'/>
                <target dev='vme7b9a73a1.0' managed='no'/>
                <model type='virtio'/>
              </interface>
            guest side (what the guest's own network setup must do):
              ip link set eth0 up
              ip addr add 192.168.200.201/32 dev eth0
              ip route add 169.255.30.1 dev eth0 scope link
              ip route add default via 169.255.30.1 dev eth0

            """, h.Ok("vm", "show", "vm1").Stdout);
        Assert.Equal(
            """
            {
              "name": "vm1",
              "uuid": "7b9a73a1-5c2e-4d1a-9f3b-000000000001",
              "guest": "tap",
              "running": false,
              "pendingApply": false,
              "adapters": [
                {
                  "index": 0,
                  "name": "net0",
                  "network": "Routed",
                  "mode": "host-routed",
                  "ips": [
                    "192.168.200.201"
                  ],
                  "mac": "92:43:91:09:ad:87",
                  "hostInterface": "vme7b9a73a1.0",
                  "hostMac": "fe:43:91:09:ad:87",
                  "guestInterface": "eth0"
                }
              ],
              "qemuArgs": [
                "-netdev",
                "tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no",
                "-device",
                "virtio-net-pci,netdev=net0,mac=92:43:91:09:ad:87"
              ]
            }

            """, h.Ok("vm", "show", "vm1", "--json").Stdout);
    }

    [Fact]
    public void Removes_a_VM_with_its_adapters_and_frees_its_addresses()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("removed VM vm1\n", h.Ok("vm", "rm", "vm1").Stdout);
        h.Ok("adapter", "add", "vm2", "--network", "Routed", "--ip", "192.168.200.201");
        Assert.Equal("removed network Bridged\n", h.Ok("network", "rm", "Bridged").Stdout);
    }

    [Fact]
    public void A_malformed_UUID_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'7b9a73a1' is not a UUID: give one as 7b9a73a1-5c2e-4d1a-9f3b-000000000001, or leave --uuid out to generate one",
            "vm", "add", "vm3", "--uuid", "7b9a73a1");
    }

    [Fact]
    public void A_malformed_VM_name_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'vm/3' is not a valid VM name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            "vm", "add", "vm/3");
    }

    [Fact]
    public void A_duplicate_VM_name_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("a VM named vm1 already exists: choose another name, or remove it first with 'hostnet vm rm vm1'", "vm", "add", "vm1");
    }

    [Fact]
    public void VMs_whose_vme_names_would_collide_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        // 0xfb9a73a1 & 0x7fffffff = 0x7b9a73a1: vm1's vme7b9a73a1.N.
        h.Refused("VM vm3's host interfaces would have the names of VM vm1's (vme7b9a73a1.0, ...): their UUIDs begin alike (bit 31 aside); give vm3 another --uuid",
            "vm", "add", "vm3", "--uuid", "fb9a73a1-5c2e-4d1a-9f3b-000000000003");
    }

    [Fact]
    public void A_bad_guest_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'qemu' is not a guest kind: give tap (a QEMU/KVM guest), netns or netns:NAME", "vm", "add", "vm3", "--guest", "qemu");
        h.Refused("network namespace hostnet-vm2 is already the guest of VM vm2: give --guest netns:OTHERNAME",
            "vm", "add", "vm3", "--guest", "netns:hostnet-vm2");
    }

    [Fact]
    public void Unknown_VMs_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("there is no VM named 'vm9': see 'hostnet vm list'", "vm", "show", "vm9");
        h.Refused("there is no VM named 'vm9': see 'hostnet vm list'", "vm", "rm", "vm9");
    }
}

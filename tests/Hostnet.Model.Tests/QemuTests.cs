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
}

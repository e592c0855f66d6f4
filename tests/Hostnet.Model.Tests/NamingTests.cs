namespace Hostnet.Model.Tests;

public class NamingTests
{
    [Fact]
    public void Host_interface_is_vme_the_UUID_first_32_bits_and_the_index()
    {
        Assert.Equal("vme7b9a73a1.0", Naming.HostInterface(Seed.Vm1Uuid, 0));
        Assert.Equal("vme4980d06a.1", Naming.HostInterface(Seed.Vm2Uuid, 1));
    }

    [Fact]
    public void Bit_31_of_the_UUID_is_cleared()
    {
        // 0xfb9a73a1 & 0x7fffffff = 0x7b9a73a1
        var uuid = Guid.Parse("fb9a73a1-5c2e-4d1a-9f3b-000000000001");
        Assert.Equal("vme7b9a73a1.0", Naming.HostInterface(uuid, 0));
        Assert.Equal(0x7b9a73a1u, Naming.HostInterfacePrefix(uuid));
        Assert.Equal(Naming.HostInterfacePrefix(Seed.Vm1Uuid), Naming.HostInterfacePrefix(uuid));
    }

    [Fact]
    public void The_longest_host_interface_fits_the_kernel()
    {
        var name = Naming.HostInterface(Guid.Parse("ffffffff-ffff-4fff-bfff-ffffffffffff"), StateRules.MaxAdapterIndex);
        Assert.Equal("vme7fffffff.999", name);
        Assert.Equal(Naming.MaxInterfaceName, name.Length);
    }

    [Fact]
    public void Guest_interface_and_default_namespace()
    {
        Assert.Equal("eth0", Naming.GuestInterface(0));
        Assert.Equal("eth12", Naming.GuestInterface(12));
        Assert.Equal("hostnet-vm1", Naming.DefaultNetns("vm1"));
    }

    [Fact]
    public void A_VM_names_its_interfaces()
    {
        var vm = new Vm("vm1", Seed.Vm1Uuid, Guest.Tap, false, []);
        Assert.Equal("vme7b9a73a1.3", vm.HostInterface(3));
    }
}

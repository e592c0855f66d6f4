namespace Hostnet.Model.Tests;

public class MacAddressTests
{
    [Fact]
    public void Generated_MACs_are_locally_administered_unicast_and_stable()
    {
        for (var i = 0; i < 1000; i++)
        {
            var uuid = Guid.NewGuid();
            var mac = MacAddress.Generate(uuid, i % 4);
            Assert.True(mac.IsLocallyAdministered);
            Assert.False(mac.IsMulticast);
            Assert.False(mac.IsZero);
            Assert.Equal(mac, MacAddress.Generate(uuid, i % 4));
        }
    }

    [Fact]
    public void Generated_MACs_differ_by_VM_and_adapter()
    {
        var a = MacAddress.Generate(Seed.Vm1Uuid, 0);
        Assert.NotEqual(a, MacAddress.Generate(Seed.Vm1Uuid, 1));
        Assert.NotEqual(a, MacAddress.Generate(Seed.Vm2Uuid, 0));
        // Stable across releases too: a VM keeps its MAC when Hostnet is upgraded.
        Assert.Equal("92:43:91:09:ad:87", a.ToString());
    }

    [Fact]
    public void The_host_side_begins_with_fe_and_follows_the_guest()
    {
        var mac = MacAddress.Parse("02:11:22:33:44:55");
        Assert.Equal("fe:11:22:33:44:55", mac.HostSide().ToString());
    }

    [Theory]
    [InlineData("02:00:00:00:00:01", "02:00:00:00:00:01")]
    [InlineData("02-AB-cd-00-00-01", "02:ab:cd:00:00:01")]
    public void Parses_colons_or_dashes(string text, string printed) => Assert.Equal(printed, MacAddress.Parse(text).ToString());

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("0200.0000.0001")]
    [InlineData("02:00:00:00:00:001")]
    public void Refuses_what_is_not_a_MAC(string text) => Assert.False(MacAddress.TryParse(text, out _));

    [Fact]
    public void Knows_multicast_and_zero()
    {
        Assert.True(MacAddress.Parse("01:00:5e:00:00:01").IsMulticast);
        Assert.True(MacAddress.Parse("ff:ff:ff:ff:ff:ff").IsMulticast);
        Assert.True(MacAddress.Parse("00:00:00:00:00:00").IsZero);
    }
}

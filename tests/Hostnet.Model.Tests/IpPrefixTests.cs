namespace Hostnet.Model.Tests;

public class IpPrefixTests
{
    [Fact]
    public void Knows_its_subnet()
    {
        Assert.True(IpPrefix.TryParse("192.168.200.203/24", null, out var c));
        Assert.Equal("192.168.200.0", c.Network.ToString());
        Assert.Equal("192.168.200.255", c.Broadcast.ToString());
        Assert.True(c.Contains(IpAddress.Parse("192.168.200.1")));
        Assert.False(c.Contains(IpAddress.Parse("192.168.201.1")));
    }

    [Fact]
    public void Without_a_prefix_takes_the_default_or_refuses()
    {
        Assert.True(IpPrefix.TryParse("10.0.0.1", 32, out var c));
        Assert.Equal(32, c.PrefixLength);
        Assert.False(IpPrefix.TryParse("10.0.0.1", null, out _));
    }

    [Theory]
    [InlineData("10.0.0.1/33")]
    [InlineData("10.0.0.1/")]
    [InlineData("10.0.0.1/024")]
    [InlineData("10.0.0.1/x")]
    public void Refuses_a_bad_prefix(string text) => Assert.False(IpPrefix.TryParse(text, 32, out _));
}

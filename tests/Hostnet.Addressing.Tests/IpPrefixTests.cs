namespace Hostnet.Addressing.Tests;

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

    [Fact]
    public void Knows_an_IPv6_subnet()
    {
        Assert.True(IpPrefix.TryParse("2001:db8:200::203/64", null, out var c));
        Assert.Equal("2001:db8:200::", c.Network.ToString());
        Assert.Equal("2001:db8:200:0:ffff:ffff:ffff:ffff", c.Broadcast.ToString());
        Assert.True(c.Contains(IpAddress.Parse("2001:db8:200::1")));
        Assert.False(c.Contains(IpAddress.Parse("2001:db8:201::1")));
        Assert.False(c.Contains(IpAddress.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData("2001:db8::1/128", true)]
    [InlineData("2001:db8::1/0", true)]
    [InlineData("2001:db8::1/129", false)]
    [InlineData("2001:db8::1/0128", false)]
    [InlineData("10.0.0.1/100", false)]
    public void An_IPv6_prefix_runs_to_128(string text, bool valid) => Assert.Equal(valid, IpPrefix.TryParse(text, null, out _));

    [Fact]
    public void A_host_is_32_or_128_by_family()
    {
        Assert.Equal("192.168.200.201/32", IpPrefix.Host(IpAddress.Parse("192.168.200.201")).ToString());
        Assert.Equal("2001:db8::201/128", IpPrefix.Host(IpAddress.Parse("2001:db8::201")).ToString());
        Assert.True(IpPrefix.Host(IpAddress.Parse("2001:db8::201")).IsHost);
        Assert.False(new IpPrefix(IpAddress.Parse("2001:db8::201"), 64).IsHost);
        Assert.Equal("0.0.0.0/0", IpPrefix.Default(IpFamily.Ipv4).ToString());
        Assert.Equal("::/0", IpPrefix.Default(IpFamily.Ipv6).ToString());
    }

    [Fact]
    public void A_prefix_longer_than_the_family_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddress.Parse("10.0.0.1"), 33));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddress.Parse("::1"), 129));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddress.Parse("::1"), -1));
    }

    [Fact]
    public void The_IPv4_edges_hold()
    {
        Assert.Equal("0.0.0.0", new IpPrefix(IpAddress.Parse("10.1.2.3"), 0).Network.ToString());
        Assert.Equal("255.255.255.255", new IpPrefix(IpAddress.Parse("10.1.2.3"), 0).Broadcast.ToString());
        Assert.Equal("10.1.2.3", new IpPrefix(IpAddress.Parse("10.1.2.3"), 32).Broadcast.ToString());
    }
}

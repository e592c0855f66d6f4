namespace Hostnet.Addressing.Tests;

public class IpAddressTests
{
    [Theory]
    [InlineData("192.168.200.201", 0xC0A8C8C9u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void Parses_a_dotted_quad(string text, uint value)
    {
        Assert.True(IpAddress.TryParse(text, out var a));
        Assert.Equal(IpFamily.Ipv4, a.Family);
        Assert.Equal(new IpAddress(value), a);
        Assert.Equal((UInt128)value, a.Value);
        Assert.Equal(text, a.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.x")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1..3.4")]
    public void Refuses_what_is_not_a_dotted_quad(string text) => Assert.False(IpAddress.TryParse(text, out _));

    [Fact]
    public void Network_order_bytes_round_trip()
    {
        var a = IpAddress.Parse("169.255.30.1");
        var bytes = new byte[4];
        a.WriteBytes(bytes);
        Assert.Equal(new byte[] { 169, 255, 30, 1 }, bytes);
        Assert.Equal(a, IpAddress.FromBytes(bytes));
        Assert.Equal(IpAddress.DefaultRoutedGateway, a);
    }

    [Theory]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("1::", "1::")]
    [InlineData("fe80::ffff:1:1", "fe80::ffff:1:1")]
    [InlineData("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1")]
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [InlineData("2001:db8:1:2:3:4:5:0", "2001:db8:1:2:3:4:5:0")]
    [InlineData("0:0:0:0:0:ffff:c0a8:c8c9", "::ffff:192.168.200.201")]
    [InlineData("::ffff:192.168.200.201", "::ffff:192.168.200.201")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304")]
    [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0")]
    [InlineData("ff02::1:ff00:201", "ff02::1:ff00:201")]
    public void Parses_IPv6_and_prints_it_as_iproute2(string text, string printed)
    {
        Assert.True(IpAddress.TryParse(text, out var a));
        Assert.Equal(IpFamily.Ipv6, a.Family);
        Assert.Equal(printed, a.ToString());
        Assert.Equal(a, IpAddress.Parse(printed));
    }

    [Theory]
    [InlineData(":")]
    [InlineData(":::")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("1::2::3")]
    [InlineData(":1::2")]
    [InlineData("1::2:")]
    [InlineData("12345::1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("::g")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("::01.2.3.4")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    public void Refuses_what_is_not_IPv6_text(string text) => Assert.False(IpAddress.TryParse(text, out _));

    [Fact]
    public void IPv6_bytes_round_trip()
    {
        var a = IpAddress.Parse("2001:db8::201");
        var bytes = new byte[16];
        a.WriteBytes(bytes);
        Assert.Equal(new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01 }, bytes);
        Assert.Equal(a, IpAddress.FromBytes(bytes));
        Assert.Throws<ArgumentException>(() => IpAddress.FromBytes(new byte[6]));
    }

    [Fact]
    public void The_families_are_apart_and_IPv4_sorts_first()
    {
        var v4 = IpAddress.Parse("0.0.0.1");
        var v6 = IpAddress.Parse("::1");
        Assert.NotEqual(v4, v6);
        Assert.Equal(v4.Value, v6.Value);
        Assert.True(v4 < v6);
        Assert.Equal(IpAddress.Any, default);
        Assert.Equal(IpFamily.Ipv4, default(IpAddress).Family);
        var sorted = new[] { "2001:db8::2", "10.0.0.2", "2001:db8::1", "10.0.0.1" }.Select(IpAddress.Parse).Order().Select(a => a.ToString());
        Assert.Equal(["10.0.0.1", "10.0.0.2", "2001:db8::1", "2001:db8::2"], sorted);
    }

    [Theory]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf::1", "link-local")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::2", "reserved")]
    [InlineData("::ffff:10.0.0.1", "mapped")]
    [InlineData("192.168.200.201", "")]
    [InlineData("2001:db8::201", "")]
    [InlineData("fec0::1", "")]
    public void Classifies_both_families(string text, string kind)
    {
        var a = IpAddress.Parse(text);
        Assert.Equal(kind == "unspecified", a.IsUnspecifiedNetwork);
        Assert.Equal(kind == "loopback", a.IsLoopback);
        Assert.Equal(kind == "link-local", a.IsLinkLocal);
        Assert.Equal(kind == "multicast", a.IsMulticast);
        Assert.Equal(kind == "reserved", a.IsReservedOrBroadcast);
        Assert.Equal(kind == "mapped", a.IsIpv4Mapped);
    }
}

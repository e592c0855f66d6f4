namespace Hostnet.Model.Tests;

public class IpAddressTests
{
    [Theory]
    [InlineData("192.168.200.201", 0xC0A8C8C9u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void Parses_a_dotted_quad(string text, uint value)
    {
        Assert.True(IpAddress.TryParse(text, out var a));
        Assert.Equal(value, a.Value);
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
        Assert.Equal(new byte[] { 169, 255, 30, 1 }, a.GetBytes());
        Assert.Equal(a, IpAddress.FromBytes(a.GetBytes()));
        Assert.Equal(IpAddress.DefaultRoutedGateway, a);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hostnet.Addressing.Tests;

public class MacAddressTests
{
    /// <summary>The seed's VM #1 and VM #2.</summary>
    private static readonly Guid Vm1Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly Guid Vm2Uuid = Guid.Parse("4980d06a-0000-4000-8000-000000000002");

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
        var a = MacAddress.Generate(Vm1Uuid, 0);
        Assert.NotEqual(a, MacAddress.Generate(Vm1Uuid, 1));
        Assert.NotEqual(a, MacAddress.Generate(Vm2Uuid, 0));
        // Stable across releases too: a VM keeps its MAC when Hostnet is upgraded.
        Assert.Equal("92:43:91:09:ad:87", a.ToString());
    }

    /// <summary>What releases before this rule generated: the first byte is fe for hash bytes fc-ff.</summary>
    private static MacAddress OldGenerate(Guid uuid, int index)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(uuid.ToString("D") + "/" + index.ToString(CultureInfo.InvariantCulture)));
        hash[0] = (byte)((hash[0] & 0xFC) | 0x02);
        return MacAddress.FromBytes(hash.AsSpan(0, 6));
    }

    [Fact]
    public void No_generated_MAC_of_a_hundred_thousand_UUIDs_is_a_host_side_and_the_rest_stay_as_they_were()
    {
        var rng = new Random(12);
        var uuid = new byte[16];
        var moved = 0;
        for (var i = 0; i < 100_000; i++)
        {
            rng.NextBytes(uuid);
            var vm = new Guid(uuid);
            var index = i % 4;
            var mac = MacAddress.Generate(vm, index);
            if (mac.IsHostSide || mac == mac.HostSide() || !mac.IsLocallyAdministered || mac.IsMulticast || mac.IsZero)
            {
                Assert.Fail($"{vm} net{index}: {mac} is a host side, not locally administered or not unicast");
            }
            var old = OldGenerate(vm, index);
            if (old.IsHostSide)
            {
                // Only the first byte moves: the guest keeps bytes 2-6, as the host side does.
                moved++;
                Assert.Equal(old.HostSide(), mac.HostSide());
            }
            else
            {
                Assert.Equal(old, mac);
            }
        }
        // About one in 64 began with fe before: the test went through that path, many times.
        Assert.InRange(moved, 100_000 / 64 * 8 / 10, 100_000 / 64 * 12 / 10);
    }

    [Fact]
    public void The_UUID_whose_bridged_guest_was_unreachable_gets_a_MAC_that_is_not_its_host_side()
    {
        var uuid = Guid.Parse("5e1ec7ed-0000-4000-8000-000000000097");
        Assert.Equal("fe:1e:b7:92:67:7a", OldGenerate(uuid, 0).ToString());
        var mac = MacAddress.Generate(uuid, 0);
        Assert.Equal("1e:b7:92:67:7a", mac.ToString()[3..]);
        Assert.False(mac.IsHostSide);
        Assert.Equal("fe:1e:b7:92:67:7a", mac.HostSide().ToString());
    }

    [Fact]
    public void Later_attempts_give_other_MACs_with_other_host_sides()
    {
        var macs = Enumerable.Range(0, 50).Select(n => MacAddress.Generate(Vm1Uuid, 0, n)).ToList();
        Assert.Equal(MacAddress.Generate(Vm1Uuid, 0), macs[0]);
        Assert.Equal(50, macs.Select(m => m.HostSide()).Distinct().Count());
        Assert.DoesNotContain(macs, m => m.IsHostSide);
    }

    [Fact]
    public void The_host_side_begins_with_fe_and_follows_the_guest()
    {
        var mac = MacAddress.Parse("02:11:22:33:44:55");
        Assert.Equal("fe:11:22:33:44:55", mac.HostSide().ToString());
        Assert.True(mac.HostSide().IsHostSide);
        Assert.False(mac.IsHostSide);
        Assert.Equal(mac.HostSide(), MacAddress.Parse("06:11:22:33:44:55").HostSide());
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

using System.Text.Json;

namespace Hostnet.Cli.Tests.Commands;

/// <summary>A host-routed network's IPv6 gateway (<c>--gateway6</c>) and a dual-stack bridged adapter's two gateways.</summary>
public class GatewaysCommandsTests
{
    [Fact]
    public void A_routed_network_takes_an_IPv6_gateway_when_added_or_changed_and_shows_it()
    {
        using var h = new HostnetSandbox();
        Assert.Equal("added network Routed (host-routed, uplink eth0, gateway 169.255.30.1, gateway6 fe80::1)\n",
            h.Ok("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--gateway6", "fe80::1").Stdout);
        Assert.Contains("gateway:  169.255.30.1\ngateway6: fe80::1\n", h.Ok("network", "show", "Routed").Stdout, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(h.Ok("--json", "network", "list").Stdout))
            Assert.Equal("fe80::1", doc.RootElement[0].GetProperty("gateway6").GetString());

        Assert.Equal("changed network Routed (host-routed, uplink eth0, gateway 169.255.30.1, gateway6 2001:db8:ffff::1)\n",
            h.Ok("network", "set", "Routed", "--gateway6", "2001:db8:ffff::1").Stdout);
        h.Ok("vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        Assert.Equal("added vm1 net0: network Routed, vme7b9a73a1.0 - eth0, mac 92:43:91:09:ad:87, addresses 2001:db8:200::201, via 169.255.30.1, via 2001:db8:ffff::1\n",
            h.Ok("adapter", "add", "vm1", "--network", "Routed", "--ip", "2001:db8:200::201").Stdout);
        // The guest side QEMU's guest must set: the /128, an on-link route to the global gateway, the default route through it.
        var guest = h.Ok("vm", "qemu-args", "vm1").Stdout;
        Assert.Contains("IPv6 default via 2001:db8:ffff::1 dev eth0", guest, StringComparison.Ordinal);
        Assert.Contains("  ip -6 route add 2001:db8:ffff::1 dev eth0\n  ip -6 route add default via 2001:db8:ffff::1 dev eth0\n", guest, StringComparison.Ordinal);
        Assert.Contains("  ip -6 route add default via 2001:db8:ffff::1 dev eth0\n", h.Ok("vm", "show", "vm1").Stdout, StringComparison.Ordinal);

        // The default named is the default: the network reads as one never given another.
        Assert.Equal("changed network Routed (host-routed, uplink eth0, gateway 169.255.30.1)\n",
            h.Ok("network", "set", "Routed", "--gateway6", "fe80::ffff:1:1").Stdout);
        Assert.DoesNotContain("gateway6", h.Ok("--json", "network", "show", "Routed").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.168.200.1", "192.168.200.1 is an IPv4 address: a network's IPv6 gateway is an IPv6 one, e.g. fe80::ffff:1:1")]
    [InlineData("ff02::2", "ff02::2 is a multicast address (ff00::/8) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("::", ":: is the unspecified address (::) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1 is an IPv4-mapped address (::ffff:0:0/96) and cannot be a gateway: give a unicast address such as fe80::ffff:1:1")]
    [InlineData("2001:db8:200::201", "2001:db8:200::201 is held by vm1 net0 and cannot be the gateway of network Routed: give another --gateway6")]
    public void An_IPv6_gateway_no_routed_network_can_have_is_refused_in_one_line(string gateway6, string refusal)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Ok("adapter", "set", "vm1", "net0", "--ip", "2001:db8:200::201");
        h.Refused(refusal, "network", "set", "Routed", "--gateway6", gateway6);
        if (!gateway6.StartsWith("2001", StringComparison.Ordinal))
            h.Refused(refusal.Replace("network Routed", "network R6", StringComparison.Ordinal), "network", "add", "R6", "--mode", "host-routed", "--uplink", "eth1", "--gateway6", gateway6);
    }

    [Fact]
    public void A_bridged_network_has_no_IPv6_gateway_of_its_own()
    {
        using var h = new HostnetSandbox().WithSeed();
        var refusal = h.Run("network", "set", "Bridged", "--gateway6", "fe80::1").Stderr;
        Assert.StartsWith("hostnet: error: a bridged network has no gateway of its own", refusal, StringComparison.Ordinal);
        h.Refused(refusal["hostnet: error: ".Length..^1], "network", "add", "B6", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0", "--gateway6", "fe80::1");
    }

    [Fact]
    public void A_dual_stack_bridged_adapter_takes_one_gateway_per_family()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("added vm2 net0: network Bridged, vme4980d06a.0 - eth0, mac 02:00:00:00:00:03, addresses 192.168.200.203/24, 2001:db8:200::203/64, gateway 192.168.200.1, gateway 2001:db8:200::1\n",
            h.Ok("adapter", "add", "vm2", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", "2001:db8:200::203/64",
                "--gateway", "2001:db8:200::1", "--gateway", "192.168.200.1", "--mac", "02:00:00:00:00:03").Stdout);
        var json = h.Ok("--json", "vm", "show", "vm2").Stdout;
        Assert.Contains("\"gateway\": \"192.168.200.1\",", json, StringComparison.Ordinal);
        Assert.Contains("\"gateway6\": \"2001:db8:200::1\"", json, StringComparison.Ordinal);

        // Export and import carry both.
        var exported = h.Ok("export").Stdout;
        Assert.Contains("\"gateway6\": \"2001:db8:200::1\"", exported, StringComparison.Ordinal);
        using (var again = new HostnetSandbox())
        {
            var file = Path.Combine(Path.GetTempPath(), $"hostnet-import-{Guid.NewGuid():N}.json");
            try
            {
                File.WriteAllText(file, exported);
                again.Ok("import", file);
                Assert.Equal(exported, again.Ok("export").Stdout);
            }
            finally
            {
                File.Delete(file);
            }
        }

        // Given again, --gateway replaces both; --no-gateway clears both.
        Assert.EndsWith(", gateway 192.168.200.254\n", h.Ok("adapter", "set", "vm2", "net0", "--gateway", "192.168.200.254").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("gateway6", h.Ok("--json", "vm", "show", "vm2").Stdout, StringComparison.Ordinal);
        h.Ok("adapter", "set", "vm2", "net0", "--gateway", "192.168.200.1", "--gateway", "fe80::1");
        Assert.EndsWith("addresses 192.168.200.203/24, 2001:db8:200::203/64\n", h.Ok("adapter", "set", "vm2", "net0", "--no-gateway").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_gateways_of_one_family_are_refused_in_one_line()
    {
        using var h = new HostnetSandbox().WithSeed();
        string[] add = ["adapter", "add", "vm2", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", "2001:db8:200::203/64"];
        h.Refused("192.168.200.1 and 192.168.200.2 are both IPv4 gateways: an adapter has one gateway per family (one IPv4, one IPv6)",
            [.. add, "--gateway", "192.168.200.1", "--gateway", "192.168.200.2"]);
        h.Refused("fe80::1 and 2001:db8:200::1 are both IPv6 gateways: an adapter has one gateway per family (one IPv4, one IPv6)",
            [.. add, "--gateway", "fe80::1", "--gateway", "2001:db8:200::1"]);
        h.Refused("3 gateways given: an adapter has one gateway per family (one IPv4, one IPv6)",
            [.. add, "--gateway", "192.168.200.1", "--gateway", "2001:db8:200::1", "--gateway", "fe80::1"]);
        h.Refused("gateway 2001:db8:300::1 is outside the subnet of 2001:db8:200::203/64: give a gateway in 2001:db8:200::/64",
            [.. add, "--gateway", "192.168.200.1", "--gateway", "2001:db8:300::1"]);
    }
}

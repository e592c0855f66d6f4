using System.Text.RegularExpressions;

namespace Hostnet.Cli.Tests.Commands;

public class NetworkCommandsTests
{
    [Fact]
    public void Adds_lists_shows_and_removes_networks()
    {
        using var h = new HostnetSandbox();
        Assert.Equal("added network Routed (host-routed, uplink eth0, gateway 169.255.30.1)\n",
            h.Ok("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0").Stdout);
        Assert.Equal("added network Bridged (bridged, bridge br1, uplink eth0)\n",
            h.Ok("network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0").Stdout);
        Assert.Equal("added network New (host-routed, uplink eth1, gateway 169.254.0.1)\n",
            h.Ok("network", "add", "New", "--mode", "host-routed", "--uplink", "eth1", "--gateway", "169.254.0.1").Stdout);
        Assert.Equal(
            """
            NAME     MODE         UPLINK  BRIDGE  GATEWAY       DHCP
            Routed   host-routed  eth0    -       169.255.30.1  on
            Bridged  bridged      eth0    br1     -             off
            New      host-routed  eth1    -       169.254.0.1   on

            """, h.Ok("network", "list").Stdout);
        Assert.Equal(
            """
            [
              {
                "name": "Routed",
                "mode": "host-routed",
                "uplink": "eth0",
                "gateway": "169.255.30.1"
              },
              {
                "name": "Bridged",
                "mode": "bridged",
                "uplink": "eth0",
                "bridge": "br1"
              },
              {
                "name": "New",
                "mode": "host-routed",
                "uplink": "eth1",
                "gateway": "169.254.0.1"
              }
            ]

            """, h.Ok("network", "list", "--json").Stdout);
        Assert.Equal("removed network New\n", h.Ok("network", "rm", "New").Stdout);
        Assert.DoesNotContain("New", h.Ok("network", "list").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_lists_the_adapters_on_a_network()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal(
            """
            name:     Routed
            mode:     host-routed
            uplink:   eth0
            gateway:  169.255.30.1
            dhcp:     on (the mode's default)
            adapters: 1
              VM   ADAPTER  HOST           ADDRESSES
              vm1  net0     vme7b9a73a1.0  192.168.200.201

            """, h.Ok("network", "show", "Routed").Stdout);
        Assert.Equal(
            """
            {
              "name": "Routed",
              "mode": "host-routed",
              "uplink": "eth0",
              "gateway": "169.255.30.1",
              "adapters": [
                {
                  "vm": "vm1",
                  "adapter": "net0",
                  "hostInterface": "vme7b9a73a1.0",
                  "ips": [
                    "192.168.200.201"
                  ]
                }
              ]
            }

            """, h.Ok("--json", "network", "show", "Routed").Stdout);
    }

    [Fact]
    public void A_duplicate_network_name_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("a network named Routed already exists: choose another name, or remove it first with 'hostnet network rm Routed'",
            "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth1");
    }

    [Fact]
    public void A_malformed_network_name_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'my net' is not a valid network name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit",
            "network", "add", "my net", "--mode", "host-routed", "--uplink", "eth1");
    }

    [Fact]
    public void Interface_names_the_kernel_cannot_take_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("uplink name 'enp0s31f6-uplink0' is 17 characters long, but the kernel takes at most 15: choose a shorter name",
            "network", "add", "R2", "--mode", "host-routed", "--uplink", "enp0s31f6-uplink0");
        h.Refused("'br:1' cannot be an interface name (bridge): use 1-15 characters without '/', ':' or spaces",
            "network", "add", "B2", "--mode", "bridged", "--bridge", "br:1", "--uplink", "eth1");
    }

    [Theory]
    [InlineData("all", "every interface")]
    [InlineData("default", "every new interface")]
    public void The_kernels_all_and_default_are_not_interfaces(string name, string what)
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused($"uplink name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            "network", "add", "R2", "--mode", "host-routed", "--uplink", name);
        h.Refused($"bridge name '{name}' is the kernel's name for the settings of {what} (net.ipv4.conf.{name}), not an interface: give the interface's own name",
            "network", "add", "B2", "--mode", "bridged", "--bridge", name, "--uplink", "eth1");
    }

    [Fact]
    public void A_second_bridge_on_an_uplink_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("uplink eth0 is already a port of bridge br1 (network Bridged): give network B2 bridge br1 too, or another uplink",
            "network", "add", "B2", "--mode", "bridged", "--bridge", "br2", "--uplink", "eth0");
    }

    [Fact]
    public void A_bridged_network_without_a_bridge_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("bridged network B2 needs a bridge: give --bridge BR (e.g. br1)",
            "network", "add", "B2", "--mode", "bridged", "--uplink", "eth1");
    }

    [Fact]
    public void Options_of_the_other_mode_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("a host-routed network has no bridge: leave --bridge out",
            "network", "add", "R2", "--mode", "host-routed", "--uplink", "eth1", "--bridge", "br2");
        h.Refused("a bridged network has no gateway of its own: leave --gateway out and give each adapter its --gateway",
            "network", "add", "B2", "--mode", "bridged", "--uplink", "eth1", "--bridge", "br2", "--gateway", "10.0.0.1");
    }

    [Fact]
    public void A_malformed_gateway_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'169.255.30' is not an IPv4 address: give four numbers 0-255 as A.B.C.D, e.g. 192.168.200.201",
            "network", "add", "R2", "--mode", "host-routed", "--uplink", "eth1", "--gateway", "169.255.30");
    }

    [Fact]
    public void Unknown_networks_are_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("there is no network named 'Nope': see 'hostnet network list'", "network", "show", "Nope");
        h.Refused("there is no network named 'Nope': see 'hostnet network list'", "network", "rm", "Nope");
    }

    [Fact]
    public void Removing_a_network_adapters_use_is_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("network Routed is still used by vm1 net0: remove those adapters or move them with 'hostnet adapter set' first",
            "network", "rm", "Routed");
    }

    [Fact]
    public void Dhcp_and_dns_are_set_shown_and_exported()
    {
        using var h = new HostnetSandbox();
        Assert.Equal("added network Bridged (bridged, bridge br1, uplink eth0, dhcp on, dns 192.0.2.53,2001:db8::53)\n",
            h.Ok("network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0", "--dhcp", "--dns", "192.0.2.53,2001:db8::53").Stdout);
        Assert.Equal("added network Routed (host-routed, uplink eth0, gateway 169.255.30.1, dhcp off)\n",
            h.Ok("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--no-dhcp").Stdout);
        var show = h.Ok("network", "show", "Bridged").Stdout;
        Assert.Contains("dhcp:     on\n", show, StringComparison.Ordinal);
        Assert.Contains("dns:      192.0.2.53,2001:db8::53\n", show, StringComparison.Ordinal);
        Assert.Contains("\"dhcp\": true,\n    \"dns\": [\n      \"192.0.2.53\",\n      \"2001:db8::53\"\n    ]", h.Ok("--json", "network", "list").Stdout, StringComparison.Ordinal);
        Assert.Contains("\"dhcp\": false", h.Ok("export").Stdout, StringComparison.Ordinal);

        Assert.Equal("changed network Routed (host-routed, uplink eth0, gateway 169.255.30.1, dhcp on, dns 192.0.2.1)\n",
            h.Ok("network", "set", "Routed", "--dhcp", "--dns", "192.0.2.1").Stdout);
        Assert.Equal("changed network Routed (host-routed, uplink eth0, gateway 169.255.30.1, dhcp on)\n",
            h.Ok("network", "set", "Routed", "--no-dns").Stdout);
        Assert.Equal("changed network Bridged (bridged, bridge br1, uplink eth0, dhcp off, dns 192.0.2.53,2001:db8::53)\n",
            h.Ok("network", "set", "Bridged", "--no-dhcp").Stdout);
    }

    [Fact]
    public void Bad_dhcp_and_dns_options_are_refused_and_change_nothing()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("'192.0.2' is not a DNS server address: give addresses, e.g. --dns 192.0.2.53,2001:db8::53",
            "network", "set", "Routed", "--dns", "192.0.2.1,192.0.2");
        h.Refused("give --dns or --no-dns, not both", "network", "set", "Routed", "--dns", "192.0.2.1", "--no-dns");
        h.Refused("give --dhcp or --no-dhcp, not both", "network", "set", "Routed", "--dhcp", "--no-dhcp");
        h.Refused("give --dhcp or --no-dhcp, not both", "network", "add", "R2", "--mode", "host-routed", "--uplink", "eth1", "--dhcp", "--no-dhcp");
    }

    [Fact]
    public void Set_with_nothing_to_change_names_every_option_it_takes_and_changes_nothing()
    {
        using var h = new HostnetSandbox().WithSeed();
        // The options `network set --help` lists, less those every command takes (the root's).
        var setOptions = HelpOptions(h.Ok("network", "set", "--help").Stdout).Except(HelpOptions(h.Ok("--help").Stdout)).ToList();
        Assert.Contains("--server-ports", setOptions);
        Assert.Contains("--no-dns", setOptions);

        const string Hint = "nothing to change: give --server-ports, --no-server-ports, --gateway6, --dhcp, --no-dhcp, --dns or --no-dns";
        h.Refused(Hint, "network", "set", "Routed");
        h.Refused(Hint, "network", "set", "Bridged");
        // The hint names exactly what the help lists, in its order.
        Assert.Equal(setOptions, Hint["nothing to change: give ".Length..].Split([", ", " or "], StringSplitOptions.None));
    }

    private static IEnumerable<string> HelpOptions(string help) =>
        Regex.Matches(help, @"^\s+(?:-\S+, )*(--[a-z0-9-]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
}

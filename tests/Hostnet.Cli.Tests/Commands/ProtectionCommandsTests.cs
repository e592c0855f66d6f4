using System.Text.Json;

namespace Hostnet.Cli.Tests.Commands;

/// <summary>An adapter's protections and a network's server ports through the CLI: given, shown, exported, imported, refused.</summary>
public class ProtectionCommandsTests
{
    [Fact]
    public void Protections_switched_off_are_said_by_add_set_and_vm_show_and_listed_by_json()
    {
        using var h = new HostnetSandbox().WithSeed();
        var added = h.Ok("adapter", "add", "vm2", "--network", "Routed", "--ip", "192.168.200.202", "--no-protect", "mac,server").Stdout;
        Assert.EndsWith(", via 169.255.30.1, unprotected mac,server\n", added, StringComparison.Ordinal);

        using (var doc = JsonDocument.Parse(h.Ok("vm", "show", "vm2", "--json").Stdout))
        {
            var adapter = doc.RootElement.GetProperty("adapters")[0];
            Assert.Equal(["mac", "server"], adapter.GetProperty("unprotected").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.EndsWith(", unprotected server\n", h.Ok("adapter", "set", "vm2", "net0", "--protect", "mac").Stdout, StringComparison.Ordinal);
        Assert.EndsWith(", via 169.255.30.1\n", h.Ok("adapter", "set", "vm2", "net0", "--protect", "all").Stdout, StringComparison.Ordinal);
        Assert.Contains(", unprotected mac,addresses,arp,guards,server", h.Ok("adapter", "set", "vm2", "net0", "--no-protect", "all").Stdout, StringComparison.Ordinal);
        Assert.Contains("unprotected mac,addresses,arp,guards,server", h.Ok("vm", "show", "vm2").Stdout, StringComparison.Ordinal);

        // An adapter with every protection on is written as before: no field.
        using var vm1 = JsonDocument.Parse(h.Ok("vm", "show", "vm1", "--json").Stdout);
        Assert.False(vm1.RootElement.GetProperty("adapters")[0].TryGetProperty("unprotected", out _));
    }

    [Fact]
    public void A_protection_on_and_off_at_once_or_unknown_is_refused_and_nothing_changes()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Refused("give --protect mac or --no-protect mac, not both", "adapter", "set", "vm1", "net0", "--protect", "mac", "--no-protect", "mac,arp");
        h.Refused("'macs' is not a protection: give mac, addresses, arp, guards, server or all", "adapter", "set", "vm1", "net0", "--no-protect", "macs");
        h.Refused("'macs' is not a protection: give mac, addresses, arp, guards, server or all", "adapter", "add", "vm2", "--network", "Routed", "--ip", "192.168.200.202", "--no-protect", "macs");
        Assert.DoesNotContain("unprotected", h.Ok("vm", "show", "vm1").Stdout, StringComparison.Ordinal);
        Assert.Contains("adapters: none", h.Ok("vm", "show", "vm2").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_ports_are_given_shown_and_bad_ones_refused()
    {
        using var h = new HostnetSandbox().WithSeed();
        Assert.Equal("added network Dns (host-routed, uplink eth1, gateway 169.255.30.1, server ports tcp/53,udp/53)\n",
            h.Ok("network", "add", "Dns", "--mode", "host-routed", "--uplink", "eth1", "--server-ports", "tcp/53,udp/53").Stdout);
        Assert.Contains("server ports: tcp/53,udp/53", h.Ok("network", "show", "Dns").Stdout, StringComparison.Ordinal);
        h.Refused("'sctp/53' is not a server port: give tcp/PORT or udp/PORT (PORT 1-65535), e.g. --server-ports tcp/53,udp/53",
            "network", "add", "Bad", "--mode", "host-routed", "--uplink", "eth1", "--server-ports", "sctp/53");
        h.Refused("'tcp/65536' is not a server port: give tcp/PORT or udp/PORT (PORT 1-65535), e.g. --server-ports tcp/53,udp/53",
            "network", "add", "Bad", "--mode", "host-routed", "--uplink", "eth1", "--server-ports", "tcp/65536");
        Assert.DoesNotContain("Bad", h.Ok("network", "list").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_set_replaces_and_clears_server_ports_and_refuses_both_neither_or_a_bad_one()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Ok("network", "add", "Dns", "--mode", "host-routed", "--uplink", "eth1", "--server-ports", "tcp/53");
        Assert.Equal("changed network Dns (host-routed, uplink eth1, gateway 169.255.30.1, server ports udp/53,tcp/8080)\n",
            h.Ok("network", "set", "Dns", "--server-ports", "udp/53", "--server-ports", "tcp/8080").Stdout);
        Assert.Contains("server ports: udp/53,tcp/8080", h.Ok("network", "show", "Dns").Stdout, StringComparison.Ordinal);

        h.Refused("give --server-ports or --no-server-ports, not both", "network", "set", "Dns", "--server-ports", "tcp/53", "--no-server-ports");
        h.Refused("nothing to change: give --server-ports, --no-server-ports, --gateway6, --dhcp, --no-dhcp, --dns or --no-dns", "network", "set", "Dns");
        h.Refused("'tcp/0' is not a server port: give tcp/PORT or udp/PORT (PORT 1-65535), e.g. --server-ports tcp/53,udp/53", "network", "set", "Dns", "--server-ports", "tcp/0");
        Assert.Contains("server ports: udp/53,tcp/8080", h.Ok("network", "show", "Dns").Stdout, StringComparison.Ordinal);

        Assert.Equal("changed network Dns (host-routed, uplink eth1, gateway 169.255.30.1)\n", h.Ok("network", "set", "Dns", "--no-server-ports").Stdout);
        Assert.DoesNotContain("server ports", h.Ok("network", "show", "Dns").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_and_import_carry_protections_and_server_ports()
    {
        using var h = new HostnetSandbox().WithSeed();
        h.Ok("network", "add", "Dns", "--mode", "host-routed", "--uplink", "eth1", "--server-ports", "udp/53");
        h.Ok("adapter", "set", "vm1", "net0", "--no-protect", "guards");
        var exported = h.Ok("export").Stdout;
        Assert.Contains("\"unprotected\": [", exported, StringComparison.Ordinal);
        Assert.Contains("\"serverPorts\": [", exported, StringComparison.Ordinal);

        using var other = new HostnetSandbox();
        var imported = HostnetSandbox.RunRaw(["--state-dir", other.StateDir, "--netns", HostnetSandbox.NoServer, "import", "-"], stdin: exported);
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        Assert.Equal(exported, other.Ok("export").Stdout);
        Assert.Contains("unprotected guards", other.Ok("vm", "show", "vm1").Stdout, StringComparison.Ordinal);
    }
}

using Hostnet.TestKit;
using System.Globalization;
using System.Text;

namespace Hostnet.Cli.Tests.Commands;

public class StateFileCommandsTests
{
    private const string Example = """
        {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"},{"name":"Bridged","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"tap","running":true,"adapters":[{"network":"Routed","ips":["192.168.200.201"],"mac":"02:00:00:00:00:01"}]}]}
        """;

    [Fact]
    public void An_endless_input_is_refused_after_64_MiB_in_one_line()
    {
        using var h = new HostnetSandbox();
        h.WithSeed();
        h.Refused("/dev/zero is larger than 64 MiB: import reads at most that much", "import", "/dev/zero");
        var before = h.Dump();
        var stdin = Sh.Run("sh", ["-c", "exec \"$@\" < /dev/zero", "sh", HostnetSandbox.Launcher, "--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "import", "-"]);
        Assert.Equal("hostnet: error: standard input is larger than 64 MiB: import reads at most that much\n", stdin.Stderr);
        Assert.Equal(1, stdin.ExitCode);
        Assert.Equal(before, h.Dump());
    }

    [Fact]
    public void Imports_the_example_and_exports_it_back()
    {
        using var h = new HostnetSandbox();
        var file = Path.Combine(Path.GetTempPath(), $"hostnet-import-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, Example);
        try
        {
            Assert.Equal("imported 2 networks and 1 VM\n", h.Ok("import", file).Stdout);
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Equal(
            """
            {
              "networks": [
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
                }
              ],
              "vms": [
                {
                  "name": "vm1",
                  "uuid": "7b9a73a1-5c2e-4d1a-9f3b-000000000001",
                  "guest": "tap",
                  "running": true,
                  "adapters": [
                    {
                      "index": 0,
                      "network": "Routed",
                      "ips": [
                        "192.168.200.201"
                      ],
                      "mac": "02:00:00:00:00:01"
                    }
                  ]
                }
              ]
            }

            """, h.Ok("export").Stdout);
    }

    [Fact]
    public void Export_then_import_elsewhere_gives_the_same_state()
    {
        using var a = new HostnetSandbox().WithSeed();
        a.Ok("adapter", "add", "vm2", "--network", "Bridged", "--ip", "192.168.200.203/24", "--gateway", "192.168.200.1");
        var exported = a.Ok("export").Stdout;
        using var b = new HostnetSandbox();
        var r = HostnetSandbox.RunRaw(["--state-dir", b.StateDir, "import", "-"], stdin: exported);
        Assert.Equal("imported 2 networks and 2 VMs\n", r.Stdout);
        Assert.Equal(exported, b.Ok("export").Stdout);
    }

    [Fact]
    public void Omitted_UUIDs_and_MACs_are_generated()
    {
        using var h = new HostnetSandbox();
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "import", "-"], stdin: """
            {"networks":[{"name":"R","mode":"host-routed","uplink":"eth0"}],
             "vms":[{"name":"a","adapters":[{"network":"R","ips":["10.0.0.1"]}]},{"name":"b","guest":"netns"}]}
            """);
        Assert.Equal(0, r.ExitCode);
        var show = h.Ok("vm", "show", "a").Stdout;
        Assert.Contains("guest:  tap", show, StringComparison.Ordinal);
        Assert.Contains("addresses 10.0.0.1, via 169.255.30.1", show, StringComparison.Ordinal);
        Assert.Contains("guest:  netns:hostnet-b", h.Ok("vm", "show", "b").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"vms":[{"name":"vm1"},{"name":"vm2","uuid":"nope"}]}""",
        "vms[1] (vm2): 'nope' is not a UUID: give one as 7b9a73a1-5c2e-4d1a-9f3b-000000000001, or leave --uuid out to generate one")]
    [InlineData("""{"networks":[{"name":"R","mode":"host-routed","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"R","ips":["10.0.0.1"]}]},{"name":"vm2","adapters":[{"network":"R","ips":["10.0.0.1"]}]}]}""",
        "vms[1] (vm2): 10.0.0.1 is already held by vm1 net0: choose another address, or remove it there first")]
    [InlineData("""{"networks":[{"name":"R","mode":"host-routed","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"R"}]}]}""",
        "vms[0] (vm1) adapters[0]: an adapter on host-routed network R needs an address: give --ip ADDR")]
    [InlineData("""{"networks":[{"name":"R","mode":"routed","uplink":"eth0"}]}""",
        "networks[0] (R): 'routed' is not a mode: give bridged or host-routed")]
    [InlineData("""{"networks":[{"name":"R","mode":"host-routed","uplink":"eth0"},{"name":"R","mode":"host-routed","uplink":"eth1"}]}""",
        "networks[1] (R): a network named R already exists: choose another name, or remove it first with 'hostnet network rm R'")]
    [InlineData("""{"vms":[{"uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001"}]}""",
        "vms[0]: \"name\" is missing")]
    [InlineData("""{"networks":[{"name":"B","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"B","mac":"fe:1e:b7:92:67:7a"}]}]}""",
        "vms[0] (vm1) adapters[0]: fe:1e:b7:92:67:7a begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02), or leave --mac out to generate one")]
    [InlineData("""{"networks":[{"name":"B","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"B","mac":"02:00:00:00:00:01"},{"network":"B","mac":"06:00:00:00:00:01"}]}]}""",
        "vms[0] (vm1): MAC 06:00:00:00:00:01 differs from vm1 net0's 02:00:00:00:00:01 only in its first byte, so both server sides would get fe:00:00:00:00:01: give another --mac, or leave --mac out to generate one")]
    [InlineData("""{"networks":[{"name":"B","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"B","ips":["10.0.0.5/24"],"gateway":"10.0.0.255"}]}]}""",
        "vms[0] (vm1) adapters[0]: gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24, not a host: give the LAN router's address")]
    [InlineData("""{"networks":[{"name":"B","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[{"name":"vm1","adapters":[{"network":"B","ips":["10.0.0.5/0"]}]}]}""",
        "vms[0] (vm1) adapters[0]: 10.0.0.5/0: /0 would put every address on the LAN of bridged network B: give the LAN's prefix length, e.g. 10.0.0.5/24")]
    [InlineData("""{"networks":[{"name":"B","mode":"bridged","bridge":"br1","uplink":"eth0"},{"name":"B2","mode":"bridged","bridge":"br2","uplink":"eth0"}]}""",
        "networks[1] (B2): uplink eth0 is already a port of bridge br1 (network B): give network B2 bridge br1 too, or another uplink")]
    [InlineData("""{"networks":[{"name":"R","mode":"host-routed","uplink":"all"}]}""",
        "networks[0] (R): uplink name 'all' is the kernel's name for the settings of every interface (net.ipv4.conf.all), not an interface: give the interface's own name")]
    [InlineData("""[1, 2]""",
        "- is not a Hostnet state: give an object {\"networks\": [...], \"vms\": [...]}")]
    public void A_bad_entry_is_named_and_nothing_is_taken(string json, string refusal)
    {
        using var h = new HostnetSandbox();
        h.Ok("network", "add", "Other", "--mode", "host-routed", "--uplink", "eth9");
        var before = h.Dump();
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "import", "-"], stdin: json);
        Assert.Equal("hostnet: error: " + refusal + "\n", r.Stderr);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(before, h.Dump());
    }

    [Fact]
    public void Malformed_JSON_is_one_line()
    {
        using var h = new HostnetSandbox();
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "import", "-"], stdin: "{\"vms\": [");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("hostnet: error: - is not valid JSON: ", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Ten_thousand_VMs_import_in_one_go_and_take_one_more_change()
    {
        using var h = new HostnetSandbox();
        var json = new StringBuilder("""{"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0"},{"name":"Bridged","mode":"bridged","bridge":"br1","uplink":"eth0"}],"vms":[""");
        for (var i = 0; i < 10_000; i++)
        {
            if (i > 0) json.Append(',');
            var ip = string.Create(CultureInfo.InvariantCulture, $"10.{i >> 16 & 255}.{i >> 8 & 255}.{(i & 255) + 0}");
            var bridged = string.Create(CultureInfo.InvariantCulture, $"172.16.{i >> 8 & 255}.{i & 255}/16");
            json.Append(CultureInfo.InvariantCulture, $$"""{"name":"vm{{i}}","adapters":[{"network":"Routed","ips":["{{ip.Replace("10.0.0.0", "10.99.0.0", StringComparison.Ordinal)}}"]},{"network":"Bridged","ips":["{{bridged.Replace("172.16.0.0/16", "172.17.0.1/16", StringComparison.Ordinal)}}"]}]}""");
        }
        json.Append("]}");
        // Speed is measured in bench/, not asserted here: this is about correctness at scale.
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "import", "-"], stdin: json.ToString());
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("imported 2 networks and 10000 VMs\n", r.Stdout);
        h.Ok("adapter", "add", "vm5000", "--network", "Routed", "--ip", "10.200.0.1");
        Assert.Equal(10_001, h.Ok("vm", "list").Stdout.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public void Import_takes_running_vms_into_the_state_and_leaves_the_kernel_to_apply()
    {
        using var h = new HostnetSandbox();
        // The server named here does not exist: any reach for the kernel would fail the import.
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "import", "-"], stdin: Example);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("\"running\": true", h.Ok("--json", "vm", "show", "vm1").Stdout, StringComparison.Ordinal);

        var apply = h.Run("apply");
        Assert.Equal(1, apply.ExitCode);
        Assert.Equal($"hostnet: error: network namespace {HostnetSandbox.NoServer} does not exist (--netns names one under /run/netns)\n", apply.Stderr);
    }
}

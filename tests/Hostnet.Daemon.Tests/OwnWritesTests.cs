using System.Globalization;
using System.Text;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The daemon's loop tells the requests' own writes to the state from another process's: a request's change
/// (already followed by the kernel, or pending until <c>apply</c> by its contract) is told as <c>changed</c> but
/// costs no apply of the whole server; a change the CLI makes while the daemon runs is applied at once, as before.
/// Applies are counted by cause at <c>/metrics</c>; the kernel is read with <c>ip</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OwnWritesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hnDW-own-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Vm(Lab lab, string name, int n, bool running) => $$"""
        {"name":"{{name}}","uuid":"1c0de0{{n:D2}}-5c2e-4d1a-9f3b-0000000000{{n:D2}}","guest":"netns:{{lab.Guest(name)}}","running":{{(running ? "true" : "false")}},
         "adapters":[{"network":"Routed","ips":["192.168.200.2{{n:D2}}"]}]}
        """;

    private static async Task Post(RunningDaemon daemon, string path, string? body)
    {
        using var response = await daemon.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body ?? "", Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The watch loop's applies for a change of the state database alone.</summary>
    private static async Task<double> StateChangeApplies(RunningDaemon daemon)
    {
        var text = await daemon.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        const string sample = "hostnet_applies_total{cause=\"state change\"} ";
        var line = text.Split('\n').Single(l => l.StartsWith(sample, StringComparison.Ordinal));
        return double.Parse(line[sample.Length..], NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static Func<JsonElement, bool> Names(string vm) => d => d.GetProperty("vms").EnumerateArray().Any(v => v.GetString() == vm);

    private static string Route(Lab lab, string address) => Sh.Ip("-n", lab.ServerNs, "route", "show", address).Trim();

    [PrivilegedFact]
    public async Task The_requests_writes_cost_the_loop_no_apply_and_the_CLIs_are_applied_at_once()
    {
        using var lab = Lab.Create(prefix: "hnDW");
        RoutedLab.ImportRunningVm1(lab);
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));
        using var events = await EventStream.Subscribe(daemon);
        var before = await StateChangeApplies(daemon);

        // A stopped VM posted: the loop sees it (changed), with nothing to apply.
        await Post(daemon, "/v1/vms", Vm(lab, "vm2", 2, running: false));
        (await events.Until("changed", Names("vm2"))).Data.Dispose();
        // Started: the request applies it itself.
        await Post(daemon, "/v1/vms/vm2/start?probe=false", null);
        (await events.Until("changed", Names("vm2"))).Data.Dispose();
        Assert.Contains("proto 77", Route(lab, "192.168.200.202"), StringComparison.Ordinal);
        // A running VM posted, then the apply a panel sends after its posts.
        await Post(daemon, "/v1/vms", Vm(lab, "vm4", 4, running: true));
        (await events.Until("changed", Names("vm4"))).Data.Dispose();
        await Post(daemon, "/v1/apply?probe=false", null);
        Assert.Contains("proto 77", Route(lab, "192.168.200.204"), StringComparison.Ordinal);

        Assert.Equal(before, await StateChangeApplies(daemon));

        // Another process's write: the CLI imports a running VM, which only the loop can apply.
        var state = $$"""{"vms":[{{Vm(lab, "vm3", 3, running: true)}}]}""";
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        var (repaired, seen) = await events.Until("repaired", d =>
            d.GetProperty("steps").EnumerateArray().Any(s => s.GetProperty("object").GetString()!.StartsWith("route 192.168.200.203", StringComparison.Ordinal)));
        using (repaired)
        {
            // Woken by the write (and perhaps the kernel's echoes gathered with it), not found at the periodic resync.
            Assert.NotEqual("periodic", repaired.RootElement.GetProperty("why").GetString());
        }
        Assert.Contains("proto 77", Route(lab, "192.168.200.203"), StringComparison.Ordinal);
        Assert.DoesNotContain(seen, f => f.StartsWith("error:", StringComparison.Ordinal));
        using var vm3 = JsonDocument.Parse(await daemon.Http.GetStringAsync(new Uri("/v1/vms/vm3", UriKind.Relative)));
        Assert.True(vm3.RootElement.GetProperty("running").GetBoolean());
    }
}

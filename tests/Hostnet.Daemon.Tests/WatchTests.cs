using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The watch loop inside the daemon: the state restored before it serves, a hand-made deletion put back and
/// told as <c>repaired</c>, a CLI change seen at once, a daemon killed in the middle of an apply that converges
/// once started again, and a restart that costs a running VM no packet. The kernel is read with <c>ip</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WatchTests : IDisposable
{
    private const string Vm1Ip = RoutedLab.Vm1Ip;

    private readonly string _dir = Directory.CreateTempSubdirectory("hnwat-daemon-").FullName;

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The server's route to <paramref name="address"/> as <c>ip route</c> prints it (empty: none).</summary>
    private static string Route(Lab lab, string address) => Sh.Ip("-n", lab.ServerNs, "route", "show", address).Trim();

    private static string Proxy(Lab lab) => Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim();

    private static async Task<JsonElement> Plan(RunningDaemon daemon)
    {
        using var response = await daemon.Http.GetAsync(new Uri("/v1/plan", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    [PrivilegedFact]
    public async Task The_state_is_restored_before_the_daemon_serves()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        Assert.Equal("", Route(lab, Vm1Ip));

        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);

        // The first answer already finds the kernel as the state wants it.
        Assert.True((await Plan(daemon)).GetProperty("in_sync").GetBoolean());
        Assert.Contains("proto 77", Route(lab, Vm1Ip));
        Assert.Contains(Vm1Ip, Proxy(lab));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }

    [PrivilegedFact]
    public async Task A_route_deleted_by_hand_is_put_back_and_told_as_repaired()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        using var events = await EventStream.Subscribe(daemon);
        var before = Route(lab, Vm1Ip);
        Assert.Contains("proto 77", before);

        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip);

        var (repaired, seen) = await events.Until("repaired", d =>
            d.GetProperty("steps").EnumerateArray().Any(s => s.GetProperty("change").GetString() == "add"
                && s.GetProperty("object").GetString()!.StartsWith("route " + Vm1Ip, StringComparison.Ordinal)));
        using (repaired)
            Assert.Equal("kernel change", repaired.RootElement.GetProperty("why").GetString());
        Assert.Equal(before, Route(lab, Vm1Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.DoesNotContain(seen, f => f.StartsWith("error:", StringComparison.Ordinal));
    }

    [PrivilegedFact]
    public async Task A_vm_the_CLI_starts_while_the_daemon_runs_is_seen_at_once()
    {
        using var lab = Lab.Create();
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":false,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"]}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        using var events = await EventStream.Subscribe(daemon);

        HostnetCli.Ok(lab, "vm", "start", "vm1", "--no-probe");

        var (changed, seen) = await events.Until("changed", d => d.GetProperty("vms").EnumerateArray().Any(v => v.GetString() == "vm1"));
        changed.Dispose();
        Assert.Contains("proto 77", Route(lab, Vm1Ip));
        using var vm = JsonDocument.Parse(await daemon.Http.GetStringAsync(new Uri("/v1/vms/vm1", UriKind.Relative)));
        Assert.True(vm.RootElement.GetProperty("running").GetBoolean());
        Assert.True((await Plan(daemon)).GetProperty("in_sync").GetBoolean());
        Assert.DoesNotContain(seen, f => f.StartsWith("error:", StringComparison.Ordinal));
    }

    [PrivilegedFact]
    public async Task A_daemon_killed_in_the_middle_of_its_apply_converges_once_started_again()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        // SIGKILL after the third kernel operation of the first apply: the state restored by half.
        using (var killed = RunningDaemon.LaunchProcess(lab.ServerNs, lab.StateDir, SocketPath, new Dictionary<string, string> { ["HOSTNET_KILL_AFTER_OPS"] = "3" }))
        {
            Assert.True(killed.WaitForExit(TimeSpan.FromMinutes(2)), "the daemon was not killed by its fault injection");
            Assert.Equal(128 + 9, killed.ExitCode);
        }
        // Killed half-way: the CLI, reading the kernel, finds work left.
        using (var plan = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "plan")))
            Assert.False(plan.RootElement.GetProperty("in_sync").GetBoolean());

        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);

        Assert.True((await Plan(daemon)).GetProperty("in_sync").GetBoolean());
        Assert.Contains("proto 77", Route(lab, Vm1Ip));
        Assert.Contains(Vm1Ip, Proxy(lab));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        using var vm = JsonDocument.Parse(await daemon.Http.GetStringAsync(new Uri("/v1/vms/vm1", UriKind.Relative)));
        Assert.False(vm.RootElement.GetProperty("pendingApply").GetBoolean());
    }

    [PrivilegedFact]
    public void Restarting_the_daemon_loses_no_packet_of_a_running_vm()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        var first = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));

        // Computer X pings the VM every 10 ms, for long enough to span the restart many times over.
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", lab.ComputerXNs, "ping", "-n", "-q", "-i", "0.01", "-c", "1500", Vm1Ip }) psi.ArgumentList.Add(a);
        using var ping = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ping");
        var output = ping.StandardOutput.ReadToEndAsync();
        try
        {
            Thread.Sleep(500);
            var (exitCode, _, _) = first.Terminate();
            Assert.Equal(0, exitCode);
            using var second = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
            Assert.False(ping.HasExited, "the restart outlasted the pings: it is not covered by them");
            Assert.True(ping.WaitForExit(TimeSpan.FromMinutes(2)), "ping did not end");
        }
        finally
        {
            if (!ping.HasExited) ping.Kill();
            first.Dispose();
        }

        var stats = output.Result;
        var line = stats.Split('\n').Single(l => l.Contains("packets transmitted", StringComparison.Ordinal));
        var numbers = line.Split(',').Take(2).Select(p => int.Parse(p.Trim().Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(1500, numbers[0]);
        Assert.True(numbers[0] == numbers[1], stats);
    }
}

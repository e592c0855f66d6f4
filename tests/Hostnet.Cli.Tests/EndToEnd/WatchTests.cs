using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hostnet.TestKit;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// <c>hostnet watch</c> keeps the kernel true to the state when something else changes it, and only a
/// signal stops it: faults injected while it runs are one line each on stderr, and it converges once they pass.
/// </summary>
public class WatchTests(ITestOutputHelper output)
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vme1 = "vme7b9a73a1.0";

    private static bool Eventually(Func<bool> condition, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (condition()) return true;
            Thread.Sleep(100);
        }
        return condition();
    }

    private static bool InSync(Lab lab) => HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode == 0;

    private static bool RouteIsBack(Lab lab) =>
        Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77").Contains($"{Vm1Ip} dev {Vme1}", StringComparison.Ordinal);

    private static bool ProxyIsBack(Lab lab) =>
        Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Contains(Vm1Ip, StringComparison.Ordinal);

    /// <summary>A lab server with one running host-routed VM (vm1, 192.168.200.201 on vme7b9a73a1.0).</summary>
    private static void StartRoutedVm(Lab lab)
    {
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
    }

    /// <summary>The real CLI process running <c>watch</c> on a lab's server, its output collected as it comes.</summary>
    internal sealed class RunningWatch : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();

        private RunningWatch(Process process) => _process = process;

        public static RunningWatch Start(Lab lab, int resyncSeconds = 2)
        {
            var psi = new ProcessStartInfo(HostnetCli.Launcher)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "--state-dir", lab.StateDir, "--netns", lab.ServerNs, "watch", "--resync-seconds", resyncSeconds.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
            var watch = new RunningWatch(Process.Start(psi)!);
            // Data is null once at the end of each stream.
            watch._process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (watch._out) watch._out.AppendLine(e.Data); };
            watch._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (watch._err) watch._err.AppendLine(e.Data); };
            watch._process.BeginOutputReadLine();
            watch._process.BeginErrorReadLine();
            Assert.True(Eventually(() => watch.Out.Contains("watching server", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), watch.Report);
            return watch;
        }

        public string Out { get { lock (_out) return _out.ToString(); } }

        public string Err { get { lock (_err) return _err.ToString(); } }

        public bool Running => !_process.HasExited;

        public string Report => $"stdout:\n{Out}\nstderr:\n{Err}";

        /// <summary>SIGTERM, as a service manager stops it (a background job may have SIGINT ignored from its parent); the exit code.</summary>
        public int Stop()
        {
            if (_process.HasExited) return _process.ExitCode;
            Sh.Run("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            return _process.ExitCode;
        }

        /// <summary>What a user reads on stderr: one <c>hostnet: warning:</c> line per fault, never a stack trace.</summary>
        public void AssertStderrIsOneLineWarnings()
        {
            foreach (var line in Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Assert.StartsWith("hostnet: warning: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", Err, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled", Err, StringComparison.Ordinal);
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }
    }

    [PrivilegedFact]
    public void Watch_mends_what_is_deleted_by_hand_and_what_a_link_flap_flushes()
    {
        using var lab = Lab.Create();
        StartRoutedVm(lab);
        using var watch = RunningWatch.Start(lab);

        // A route deleted by hand: the kernel reports it, the watch puts it back.
        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32");
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Assert.True(RouteIsBack(lab), watch.Report);

        // The uplink down and up again flushes its proxy entries: they come back.
        Sh.Ip("-n", lab.ServerNs, "link", "set", "eth0", "down");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "eth0", "up");
        Assert.True(Eventually(() => Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Contains(Vm1Ip, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), watch.Report);

        // A proxy entry deleted by hand sends no event on this kernel: the periodic resync mends it.
        Sh.Ip("-n", lab.ServerNs, "neigh", "del", "proxy", Vm1Ip, "dev", "eth0");
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.Contains("kernel change: applied 1 to add", watch.Out, StringComparison.Ordinal);

        Assert.Equal(0, watch.Stop());
        Assert.Contains("stopped watching", watch.Out, StringComparison.Ordinal);
        Assert.Equal("", watch.Err);
    }

    [PrivilegedFact]
    public void Watch_mends_an_IPv6_route_deleted_by_hand()
    {
        using var lab = Lab.Create();
        const string vm1Ip6 = "2001:db8:200::201";
        Sh.Ip("-n", lab.ServerNs, "addr", "add", "2001:db8:200::1/64", "dev", "eth0", "nodad");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", vm1Ip6);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        using var watch = RunningWatch.Start(lab);

        Sh.Ip("-n", lab.ServerNs, "-6", "route", "del", vm1Ip6 + "/128", "dev", Vme1);
        Assert.True(Eventually(() => Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "proto", "77").Contains($"{vm1Ip6} dev {Vme1}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10)), watch.Report);
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);

        Assert.Equal(0, watch.Stop());
        Assert.Equal("", watch.Err);
    }

    [PrivilegedFact]
    public void Watch_puts_back_an_IPv6_proxy_entry_deleted_or_moved_to_another_interface()
    {
        using var lab = Lab.Create();
        const string vm1Ip6 = "2001:db8:200::201";
        lab.AddIpv6();
        Sh.Ip("-n", lab.ServerNs, "link", "add", "other0", "type", "veth", "peer", "name", "other1");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "other0", "up");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", vm1Ip6);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        using var watch = RunningWatch.Start(lab);
        bool OnUplink() => Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy", "dev", "eth0").Contains(vm1Ip6 + " proxy", StringComparison.Ordinal);

        // Deleted by hand (no event on this kernel: the periodic resync mends it).
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "del", "proxy", vm1Ip6, "dev", "eth0");
        Assert.True(Eventually(OnUplink, TimeSpan.FromSeconds(10)), watch.Report);
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, vm1Ip6));

        // Moved to another interface of the server: back on the uplink, and the LAN reaches the VM again.
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "del", "proxy", vm1Ip6, "dev", "eth0");
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "add", "proxy", vm1Ip6, "dev", "other0");
        Assert.True(Eventually(OnUplink, TimeSpan.FromSeconds(10)), watch.Report);
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, vm1Ip6));

        Assert.Equal(0, watch.Stop());
        Assert.Equal("", watch.Err);
    }

    [PrivilegedFact]
    public void Watch_keeps_running_and_repairing_when_a_bridge_with_vlan_filtering_and_a_port_appear()
    {
        using var lab = Lab.Create();
        StartRoutedVm(lab);
        using var watch = RunningWatch.Start(lab);

        // The bridge announces its view of each port (AF_BRIDGE RTM_NEWLINK, with the port's VLANs where the
        // kernel filters VLANs) and an AF_BRIDGE RTM_DELLINK when a port leaves. A kernel built without
        // CONFIG_BRIDGE_VLAN_FILTERING refuses vlan_filtering (EOPNOTSUPP): there the bridge is made without it.
        bool filtering = Sh.Run("ip", ["-n", lab.ServerNs, "link", "add", "hnwtbr0", "type", "bridge", "vlan_filtering", "1"]).ExitCode == 0;
        if (!filtering) Sh.Ip("-n", lab.ServerNs, "link", "add", "hnwtbr0", "type", "bridge");
        Sh.Ip("-n", lab.ServerNs, "link", "add", "hnwtp0", "type", "veth", "peer", "name", "hnwtp1");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "hnwtp0", "master", "hnwtbr0");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "hnwtbr0", "up");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "hnwtp0", "up");
        if (filtering) Sh.Run("bridge", ["-n", lab.ServerNs, "vlan", "add", "vid", "10", "dev", "hnwtp0"]).EnsureSuccess("bridge vlan add");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "hnwtp0", "nomaster");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "hnwtp0", "master", "hnwtbr0");

        // Still watching, still repairing: a Hostnet route deleted by hand afterwards comes back.
        Thread.Sleep(500);
        Assert.True(watch.Running, watch.Report);
        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32");
        Assert.True(Eventually(() => RouteIsBack(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.True(watch.Running, watch.Report);

        Assert.Equal(0, watch.Stop());
        // Nothing of this was an error: the bridge's messages were read, not skipped as unreadable.
        Assert.Equal("", watch.Err);
    }

    [PrivilegedFact]
    public void Watch_survives_its_interface_being_deleted_again_and_again_while_it_applies_and_converges()
    {
        using var lab = Lab.Create();
        StartRoutedVm(lab);
        using var watch = RunningWatch.Start(lab);

        // Delete the VM's vme (and with it the guest's end) for 8 s, as fast as ip can: the watch re-creates it
        // each time, and some deletions land between its steps (the route or the neighbour then has no device).
        var clock = Stopwatch.StartNew();
        int deleted = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(8))
        {
            if (Sh.Run("ip", ["-n", lab.ServerNs, "link", "del", Vme1]).ExitCode == 0) deleted++;
            Assert.True(watch.Running, watch.Report);
        }
        Assert.True(deleted >= 5, $"deleted the vme only {deleted} times: the watch did not re-create it\n{watch.Report}");
        output.WriteLine($"deleted the vme {deleted} times in 8 s; the watch logged {watch.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} failed cycles");

        // Once the deleting stops, the watch converges by itself.
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(20)), watch.Report);
        Assert.True(RouteIsBack(lab), watch.Report);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.True(watch.Running, watch.Report);
        Assert.Equal(0, watch.Stop());
        watch.AssertStderrIsOneLineWarnings();
        output.WriteLine(watch.Err);
    }

    [PrivilegedFact]
    public void Watch_waits_out_a_locked_state_database_and_converges_once_the_lock_goes()
    {
        using var lab = Lab.Create();
        StartRoutedVm(lab);
        using var watch = RunningWatch.Start(lab);

        // Another process holds the database's write lock (BEGIN EXCLUSIVE, as sqlite3 would; in WAL mode readers
        // go on) for longer than the store waits for it, while the kernel drifts: a proxy entry deleted by hand.
        // Putting it back writes the ledger before the kernel, so nothing can come back while the lock is held.
        using (var holder = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(lab.StateDir, "state.db"),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString()))
        {
            holder.Open();
            using (var lockIt = holder.CreateCommand())
            {
                lockIt.CommandText = "BEGIN EXCLUSIVE";
                lockIt.ExecuteNonQuery();
            }
            Sh.Ip("-n", lab.ServerNs, "neigh", "del", "proxy", Vm1Ip, "dev", "eth0");

            // The watch gives up waiting after the store's 30 s, says so in one line and keeps trying.
            Assert.True(Eventually(() => watch.Err.Contains("stayed locked by another process", StringComparison.Ordinal), TimeSpan.FromSeconds(45)), watch.Report);
            Assert.True(watch.Running, watch.Report);
            Assert.False(ProxyIsBack(lab), "the proxy entry came back while the database was locked\n" + watch.Report);
            using var unlock = holder.CreateCommand();
            unlock.CommandText = "ROLLBACK";
            unlock.ExecuteNonQuery();
        }

        // The lock gone, the next try repairs the kernel; nobody had to restart anything.
        Assert.True(Eventually(() => ProxyIsBack(lab), TimeSpan.FromSeconds(40)), watch.Report);
        Assert.True(Eventually(() => InSync(lab), TimeSpan.FromSeconds(10)), watch.Report);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.True(watch.Running, watch.Report);
        Assert.Equal(0, watch.Stop());
        watch.AssertStderrIsOneLineWarnings();
        // The periodic resync finds the missing entry (this kernel sends no event for it).
        Assert.Matches(@"(?m)^hostnet: warning: (periodic|kernel change|state change|retry): the state database \S+ stayed locked by another process for 30 s: .*; retrying in \d+\.\d s$", watch.Err.Replace("\r", "", StringComparison.Ordinal));
    }
}

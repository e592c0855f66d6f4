using System.Diagnostics;
using System.Globalization;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>One lab for the class: a host-routed network on the server's eth0. Each test names its own VMs.</summary>
public sealed class KernelWriterLab : IDisposable
{
    public KernelWriterLab()
    {
        if (Privilege.SkipReason is not null) return;
        Lab = TestKit.Lab.Create();
        HostnetCli.Ok(Lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
    }

    public Lab Lab { get; } = null!;

    /// <summary>A tap VM and a netns VM, started, each with one routed address.</summary>
    public (string Tap, string Netns) TwoRunningVms(string prefix, int hexId, int firstHost)
    {
        var tap = prefix + "-tap";
        var netns = prefix + "-ns";
        Define(tap, hexId, "tap", firstHost);
        Define(netns, hexId + 1, "netns:" + Lab.Guest(prefix), firstHost + 1);
        HostnetCli.Ok(Lab, "vm", "start", tap, "--no-probe");
        HostnetCli.Ok(Lab, "vm", "start", netns, "--no-probe");
        return (tap, netns);
    }

    private void Define(string vm, int hexId, string guest, int host)
    {
        var uuid = string.Create(CultureInfo.InvariantCulture, $"{hexId:x8}-0000-4000-8000-000000000001");
        HostnetCli.Ok(Lab, "vm", "add", vm, "--uuid", uuid, "--guest", guest);
        HostnetCli.Ok(Lab, "adapter", "add", vm, "--network", "Routed", "--ip", Lab.LanPrefix + host.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The server end of a VM's first adapter, for a VM made by <see cref="TwoRunningVms"/>.</summary>
    public static string HostInterface(int hexId) => string.Create(CultureInfo.InvariantCulture, $"vme{hexId:x8}.0");

    public void Dispose() => Lab?.Dispose();
}

/// <summary>
/// One kernel writer per server at a time, with the CLI as a process on a real kernel: commands that
/// program the kernel at the same moment take turns and all succeed (before the lock two applies at
/// once failed with <c>add tap vme…: File exists (EEXIST)</c>), readers never wait, and a holder that
/// is killed blocks nobody.
/// </summary>
public sealed class KernelWriterTests(KernelWriterLab fixture) : IClassFixture<KernelWriterLab>
{
    private const int Rounds = 20;

    private Lab Lab => fixture.Lab;

    private static async Task<ShResult[]> Together(Lab lab, params string[][] commands) =>
        await Task.WhenAll(commands.Select(c => Task.Run(() => HostnetCli.OnLab(lab, c))));

    private static void AllSucceeded(int round, ShResult[] results, string[][] commands)
    {
        for (var i = 0; i < results.Length; i++)
        {
            // A command that waited more than a moment for the other one's turn says so; nothing else.
            var said = string.Concat(results[i].Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.StartsWith("hostnet: waiting for another hostnet (pid ", StringComparison.Ordinal)));
            Assert.True(results[i].ExitCode == 0 && said.Length == 0,
                $"round {round}: hostnet {string.Join(' ', commands[i])} exited {results[i].ExitCode}: {results[i].Stderr.Trim()}");
        }
    }

    private void InSync(int round)
    {
        var plan = HostnetCli.OnLab(Lab, "plan", "--exit-code");
        Assert.True(plan.ExitCode == 0, $"round {round}: plan --exit-code exited {plan.ExitCode}:\n{plan.Stdout}{plan.Stderr}");
    }

    private void DeleteLink(string dev) => Sh.Ip("-n", Lab.ServerNs, "link", "del", dev);

    [PrivilegedFact]
    public async Task Two_applies_at_once_both_succeed()
    {
        fixture.TwoRunningVms("ap", 0x1a000001, 211);
        string[][] applies = [["apply", "--no-probe"], ["apply", "--no-probe"]];
        for (var round = 1; round <= Rounds; round++)
        {
            // Drift for both to mend: the VMs' links (and with them their addresses, routes and neighbours, and the guest end) deleted by hand.
            DeleteLink(KernelWriterLab.HostInterface(0x1a000001));
            DeleteLink(KernelWriterLab.HostInterface(0x1a000002));
            AllSucceeded(round, await Together(Lab, applies), applies);
            InSync(round);
        }
    }

    [PrivilegedFact]
    public async Task Two_vm_starts_at_once_both_succeed()
    {
        var (tap, netns) = fixture.TwoRunningVms("st", 0x2b000001, 213);
        string[][] starts = [["vm", "start", tap, "--no-probe"], ["vm", "start", netns, "--no-probe"]];
        for (var round = 1; round <= Rounds; round++)
        {
            HostnetCli.Ok(Lab, "vm", "stop", tap);
            HostnetCli.Ok(Lab, "vm", "stop", netns);
            AllSucceeded(round, await Together(Lab, starts), starts);
            InSync(round);
        }
        Assert.NotNull(Lab.Ping(Lab.ComputerXNs, Lab.LanPrefix + "214"));
    }

    [PrivilegedFact]
    public async Task The_cli_racing_a_running_watch_succeeds_and_so_does_the_watch()
    {
        var (tap, _) = fixture.TwoRunningVms("wa", 0x3c000001, 215);
        var psi = new ProcessStartInfo(HostnetCli.Launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, "watch", "--resync-seconds", "1" }) psi.ArgumentList.Add(a);
        using var watch = Process.Start(psi)!;
        var stdout = watch.StandardOutput.ReadToEndAsync();
        var stderr = watch.StandardError.ReadToEndAsync();
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                // The watch hears of the deleted route and mends it, and hears of every change the CLI makes
                // meanwhile, while the CLI stops or starts the other VM and applies.
                Sh.Ip("-n", Lab.ServerNs, "route", "del", Lab.LanPrefix + "216/32");
                string[][] commands = round % 2 == 1
                    ? [["apply", "--no-probe"], ["vm", "stop", tap]]
                    : [["apply", "--no-probe"], ["vm", "start", tap, "--no-probe"]];
                AllSucceeded(round, await Together(Lab, commands), commands);
                InSync(round);
            }

            // With the CLI quiet, the watch itself mends a route deleted by hand (under load the CLI's
            // applies may have mended every earlier one first).
            Sh.Ip("-n", Lab.ServerNs, "route", "del", Lab.LanPrefix + "216/32");
            var mended = Stopwatch.StartNew();
            while (!Sh.Ip("-n", Lab.ServerNs, "route", "show", Lab.LanPrefix + "216/32").Contains("dev", StringComparison.Ordinal) && mended.Elapsed < TimeSpan.FromSeconds(15))
                await Task.Delay(50);
        }
        finally
        {
            Sh.Run("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!watch.WaitForExit(10_000)) watch.Kill(entireProcessTree: true);
        }
        await watch.WaitForExitAsync();
        // Every apply of the watch succeeded too: a failed one is a warning on its stderr.
        Assert.Equal("", await stderr);
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains("kernel change: applied", await stdout, StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void Readers_never_wait_writers_wait_and_a_killed_holder_blocks_nobody()
    {
        fixture.TwoRunningVms("rd", 0x4d000001, 217);
        var lockFile = Path.Combine(Lab.StateDir, "kernel.lock");
        Assert.Equal("600", Sh.Run("stat", ["-c", "%a", lockFile]).EnsureSuccess("stat").Stdout.Trim());

        // util-linux's flock(1) holds the lock: the same flock(2) the CLI takes.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", lockFile, "sleep", "120"]) { UseShellExecute = false })!;
        Process? writer = null;
        try
        {
            var clock = Stopwatch.StartNew();
            while (Sh.Run("flock", ["--nonblock", "--exclusive", lockFile, "true"]).ExitCode == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
                Thread.Sleep(20);
            }

            string[][] readers =
            [
                ["plan", "--exit-code"], ["arp"], ["route"], ["trace", Lab.LanPrefix + "218"],
                ["vm", "list"], ["vm", "show", "rd-tap"], ["export"], ["network", "list"],
            ];
            foreach (var r in readers)
            {
                var result = HostnetCli.Run(["--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, .. r], timeout: TimeSpan.FromSeconds(20));
                Assert.True(result.ExitCode == 0, $"hostnet {string.Join(' ', r)} exited {result.ExitCode}: {result.Stderr}");
            }
            Assert.False(holder.HasExited, "the holder let go while the readers ran");

            var psi = new ProcessStartInfo(HostnetCli.Launcher) { UseShellExecute = false, RedirectStandardError = true };
            foreach (var a in new[] { "--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, "apply", "--no-probe" }) psi.ArgumentList.Add(a);
            writer = Process.Start(psi)!;
            Assert.False(writer.WaitForExit(1_000), "apply did not wait for the lock");
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        Assert.True(writer.WaitForExit(20_000), "apply still waits after the holder was killed");
        Assert.Equal(0, writer.ExitCode);
        writer.Dispose();

        // A hostnet killed in the middle of its apply, lock held: the next one goes ahead and finishes the work.
        DeleteLink(KernelWriterLab.HostInterface(0x4d000002));
        var killed = HostnetCli.Run(["--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, "apply", "--no-probe"],
            env: new Dictionary<string, string> { ["HOSTNET_KILL_AFTER_OPS"] = "1" });
        Assert.Equal(128 + 9, killed.ExitCode);
        var next = HostnetCli.Run(["--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, "apply", "--no-probe"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(next.ExitCode == 0, next.Stderr);
        InSync(0);
    }

    /// <summary>
    /// A writer behind a hung one: says once which process it waits for, and gives up after
    /// <c>HOSTNET_LOCK_TIMEOUT</c> seconds (0: at once) with one line naming it, exit 1, nothing changed.
    /// </summary>
    [PrivilegedFact]
    public void A_writer_behind_a_hung_one_says_whom_it_waits_for_and_gives_up_after_the_timeout()
    {
        fixture.TwoRunningVms("hu", 0x5e000001, 219);
        var lockFile = Path.Combine(Lab.StateDir, "kernel.lock");
        // The hung writer: holds the lock and says its pid in the file, as hostnet does.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", lockFile, "sh", "-c", $"echo $$ > {lockFile}; exec sleep 120"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(lockFile) || new FileInfo(lockFile).Length == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the holder never said its pid");
                Thread.Sleep(20);
            }
            // Read by cat(1): .NET would take a shared flock to read it, refused while the holder has it.
            var pid = Sh.Run("cat", [lockFile]).EnsureSuccess("cat").Stdout.Trim();
            var busy = $"hostnet: error: another hostnet (pid {pid}) is changing this server; try again when it is done\n";
            string[] apply = ["--state-dir", Lab.StateDir, "--netns", Lab.ServerNs, "apply", "--no-probe"];

            clock.Restart();
            var now = HostnetCli.Run(apply, new Dictionary<string, string> { ["HOSTNET_LOCK_TIMEOUT"] = "0" }, timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(1, now.ExitCode);
            Assert.Equal(busy, now.Stderr);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"HOSTNET_LOCK_TIMEOUT=0 waited {clock.Elapsed}");

            clock.Restart();
            var later = HostnetCli.Run(apply, new Dictionary<string, string> { ["HOSTNET_LOCK_TIMEOUT"] = "3" }, timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(1, later.ExitCode);
            Assert.Equal($"hostnet: waiting for another hostnet (pid {pid}) that is changing this server…\n" + busy, later.Stderr);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"HOSTNET_LOCK_TIMEOUT=3 gave up after {clock.Elapsed}");
            Assert.Equal("", later.Stdout);

            var refused = HostnetCli.Run(apply, new Dictionary<string, string> { ["HOSTNET_LOCK_TIMEOUT"] = "soon" }, timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith("hostnet: error: HOSTNET_LOCK_TIMEOUT=soon is not a number of seconds", refused.Stderr, StringComparison.Ordinal);
            Assert.False(holder.HasExited, "the holder let go while the writers waited");
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        InSync(0);
    }
}

using System.Diagnostics;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary><c>hostnet watch</c> keeps the kernel true to the state when something else changes it.</summary>
public class WatchTests
{
    private const string Vm1Ip = "192.168.200.201";

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

    [PrivilegedFact]
    public void Watch_mends_what_is_deleted_by_hand_and_what_a_link_flap_flushes()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip);
        HostnetCli.Ok(lab, "vm", "start", "vm1");

        var psi = new ProcessStartInfo(HostnetCli.Launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--state-dir", lab.StateDir, "--netns", lab.ServerNs, "watch", "--resync-seconds", "2" }) psi.ArgumentList.Add(a);
        using var watch = Process.Start(psi)!;
        var stdout = new System.Text.StringBuilder();
        watch.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        watch.BeginOutputReadLine();
        var stderr = watch.StandardError.ReadToEndAsync();
        bool InSync() => HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode == 0;
        string Out() { lock (stdout) return stdout.ToString(); }
        try
        {
            Assert.True(Eventually(() => Out().Contains("watching server", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Out());

            // A route deleted by hand: the kernel reports it, the watch puts it back.
            Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32");
            Assert.True(Eventually(InSync, TimeSpan.FromSeconds(10)), Out());
            Assert.Contains($"{Vm1Ip} dev vme7b9a73a1.0", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77"), StringComparison.Ordinal);

            // The uplink down and up again flushes its proxy entries: they come back.
            Sh.Ip("-n", lab.ServerNs, "link", "set", "eth0", "down");
            Sh.Ip("-n", lab.ServerNs, "link", "set", "eth0", "up");
            Assert.True(Eventually(() => Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Contains(Vm1Ip, StringComparison.Ordinal), TimeSpan.FromSeconds(10)), Out());

            // A proxy entry deleted by hand sends no event on this kernel: the periodic resync mends it.
            Sh.Ip("-n", lab.ServerNs, "neigh", "del", "proxy", Vm1Ip, "dev", "eth0");
            Assert.True(Eventually(InSync, TimeSpan.FromSeconds(10)), Out());
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
            Assert.Contains("kernel change: applied 1 to add", Out(), StringComparison.Ordinal);
        }
        finally
        {
            // SIGTERM, as a service manager stops it (a background job may have SIGINT ignored from its parent).
            Sh.Run("kill", ["-TERM", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!watch.WaitForExit(10_000)) watch.Kill(entireProcessTree: true);
        }
        watch.WaitForExit();
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains("stopped watching", Out(), StringComparison.Ordinal);
        Assert.Equal("", stderr.Result);
    }
}

using System.Diagnostics;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The project's QEMU test guest booted with no address at all (<c>hn.dhcp0=1</c>: busybox udhcpc, see
/// tests/guest/init) on a host-routed tap and on a bridged one whose network has <c>--dhcp</c>: hostnetd's
/// answers configure both, and computer X reaches both.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DhcpQemuTests(ITestOutputHelper output) : IDisposable
{
    private const string RoutedIp = "192.168.200.201";
    private const string BridgedIp = "192.168.200.203";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("hndh-qemu-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(500);
        }
        return condition();
    }

    private static QemuGuest Boot(Lab lab, string vm) =>
        QemuGuest.Start(lab.ServerNs, HostnetCli.Ok(lab, "vm", "qemu-args", vm, "--args-only").Trim().Split(' '), "hn.dhcp0=1", BootTimeout);

    [PrivilegedFact]
    public void Stock_guests_on_a_routed_and_a_bridged_tap_configure_themselves_by_dhcp()
    {
        using var lab = Lab.Create(prefix: "hndh");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--dns", "192.0.2.53");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0", "--dhcp");
        HostnetCli.Ok(lab, "vm", "add", "qr", "--guest", "tap", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        HostnetCli.Ok(lab, "adapter", "add", "qr", "--network", "Routed", "--ip", RoutedIp);
        HostnetCli.Ok(lab, "vm", "add", "qb", "--guest", "tap", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097");
        // Its router is computer X: a renewal, sent to the router as the server that answered, would cross the LAN to X.
        HostnetCli.Ok(lab, "adapter", "add", "qb", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ComputerXAddress);
        HostnetCli.Ok(lab, "vm", "start", "qb");
        HostnetCli.Ok(lab, "vm", "start", "qr");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));

        // Computer X listens for DHCP on the LAN while the guests take and renew their leases: none of it reaches the LAN.
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", lab.ComputerXNs, "tcpdump", "-i", "eth0", "-n", "-l", "udp port 67 or udp port 68" }) psi.ArgumentList.Add(a);
        using var observer = Process.Start(psi)!;
        var seen = observer.StandardOutput.ReadToEndAsync();
        var listening = new TaskCompletionSource();
        observer.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) listening.TrySetResult(); };
        observer.BeginErrorReadLine();
        QemuGuest? routed = null, bridged = null;
        try
        {
            try
            {
                Assert.True(listening.Task.Wait(TimeSpan.FromSeconds(20)), "tcpdump did not start listening");
                routed = Boot(lab, "qr");
                output.WriteLine($"routed guest: {routed.BootTime.TotalSeconds:F1} s to ready");
                bridged = Boot(lab, "qb");
                output.WriteLine($"bridged guest: {bridged.BootTime.TotalSeconds:F1} s to ready");
                // The bridged guest renews at once (SIGUSR1): unicast to its server identifier, X's address. Hostnet
                // reads it off the vme and answers; the isolation filter keeps it off the LAN.
                Assert.Equal(0, bridged.Exec("kill -USR1 $(cat /run/udhcpc-eth0.pid)", CommandTimeout).ExitCode);
                Assert.True(WaitFor(() => bridged.Run("cat /run/dhcp-eth0", CommandTimeout).Contains($"renew ip={BridgedIp}", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(30)), bridged.Run("cat /run/dhcp-eth0", CommandTimeout));
            }
            finally
            {
                // `ip netns exec` execs tcpdump: the process is tcpdump itself.
                observer.Kill();
                observer.WaitForExit();
            }
            Assert.Equal("", seen.Result);

            // What each lease said, as the guest's udhcpc script recorded it.
            var routedLease = routed.Run("cat /run/dhcp-eth0", CommandTimeout);
            Assert.Contains($"bound ip={RoutedIp} mask=32 router=169.255.30.1 dns=192.0.2.53 staticroutes=169.255.30.1/32 0.0.0.0 0.0.0.0/0 169.255.30.1",
                routedLease, StringComparison.Ordinal);
            var bridgedLease = bridged.Run("cat /run/dhcp-eth0", CommandTimeout);
            Assert.Contains($"bound ip={BridgedIp} mask=24 router={Lab.ComputerXAddress} dns= staticroutes= serverid={Lab.ComputerXAddress}", bridgedLease, StringComparison.Ordinal);
            Assert.Contains("default via 169.255.30.1 dev eth0", routed.Run("ip route", CommandTimeout), StringComparison.Ordinal);
            Assert.Contains($"inet {BridgedIp}/24", bridged.Run("ip addr show dev eth0", CommandTimeout), StringComparison.Ordinal);

            // A TCG guest on a loaded machine answers late: waited for generously.
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, RoutedIp, waitSeconds: 5));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, BridgedIp, waitSeconds: 5));
        }
        finally
        {
            routed?.Dispose();
            bridged?.Dispose();
        }
    }
}

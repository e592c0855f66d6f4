using System.Net.Sockets;
using System.Text;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// systemd's watchdog fed by the watch loop's life, seen on a notify socket the test binds: pings while the loop
/// waits and applies, none while it hangs (the test seam <c>HOSTNET_WATCH_HANG_FILE</c> blocks it), pings again
/// once it goes on. Each wait is for an event (a datagram, or a silence ten times systemd's whole interval), bounded
/// generously against a hang.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WatchdogTests : IDisposable
{
    /// <summary>systemd's <c>WatchdogSec</c> for these tests: 0.2 s, pings every 0.1 s.</summary>
    private const string WatchdogUsec = "200000";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnDW-watchdog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Waits for <paramref name="count"/> <c>WATCHDOG=1</c> datagrams, each within 30 s; how many came.</summary>
    private static int Pings(Socket systemd, int count)
    {
        var buffer = new byte[4096];
        systemd.ReceiveTimeout = 30_000;
        var pings = 0;
        while (pings < count)
        {
            try
            {
                if (Encoding.UTF8.GetString(buffer, 0, systemd.Receive(buffer)) == "WATCHDOG=1") pings++;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                break;
            }
        }
        return pings;
    }

    /// <summary>Whether the datagrams stop: a silence of 2 s (ten watchdog intervals) comes within two minutes.</summary>
    private static bool FallsSilent(Socket systemd)
    {
        var buffer = new byte[4096];
        systemd.ReceiveTimeout = 2_000;
        var within = System.Diagnostics.Stopwatch.StartNew();
        while (within.Elapsed < TimeSpan.FromMinutes(2))
        {
            try
            {
                systemd.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, for at most a minute.</summary>
    private static bool WaitFor(Func<bool> condition)
    {
        var within = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (within.Elapsed > TimeSpan.FromMinutes(1)) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    [PrivilegedFact]
    public void The_watchdog_is_fed_while_the_watch_loop_lives_and_not_while_it_hangs()
    {
        using var lab = Lab.Create(prefix: "hnDW");
        RoutedLab.ImportRunningVm1(lab);
        var notify = Path.Combine(_dir, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(notify));
        var hang = Path.Combine(_dir, "hang");
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify, ["WATCHDOG_USEC"] = WatchdogUsec, ["HOSTNET_WATCH_HANG_FILE"] = hang };
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"), env);
        try
        {
            // A live loop, idle between kernel events (its resync is 30 s away): pinged all along, twenty intervals and more.
            Assert.Equal(20, Pings(systemd, 20));

            File.WriteAllText(hang, "");
            Assert.True(FallsSilent(systemd), "systemd was still told WATCHDOG=1 while the watch loop hung");

            File.Delete(hang);
            Assert.Equal(5, Pings(systemd, 5));
            // The loop goes on where it hung: a route deleted by hand is put back.
            Sh.Ip("-n", lab.ServerNs, "route", "del", RoutedLab.Vm1Ip);
            Assert.True(WaitFor(() => Sh.Ip("-n", lab.ServerNs, "route", "show", RoutedLab.Vm1Ip).Contains("proto 77", StringComparison.Ordinal)),
                "the watch loop did not go on once it no longer hung");
        }
        finally
        {
            File.Delete(hang);
        }
        Assert.Equal(0, daemon.Terminate().ExitCode);
    }
}

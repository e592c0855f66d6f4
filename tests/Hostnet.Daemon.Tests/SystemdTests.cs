using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// systemd's side of the daemon, seen as systemd sees it: the notifications on a datagram socket the test binds
/// (a path, and an abstract name), and <c>hostnet daemon install</c>'s unit, written into a temporary directory.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdTests : IDisposable
{
    private const string NoServer = "hnops-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnops-systemd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Datagrams until every one of <paramref name="wanted"/> has come (or 30 s without them): what came.</summary>
    private static List<string> Receive(Socket socket, params string[] wanted)
    {
        var seen = new List<string>();
        var buffer = new byte[4096];
        socket.ReceiveTimeout = 30_000;
        while (!wanted.All(w => seen.Any(s => s.Split('\n').Contains(w))))
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                break;
            }
            seen.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return seen;
    }

    private void NotifiesReadyWatchdogAndStopping(string notifySocket, EndPoint bound)
    {
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(bound);
        var socket = Path.Combine(_dir, "h.sock");
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notifySocket, ["WATCHDOG_USEC"] = "200000" };
        using var daemon = RunningDaemon.Launch(HostnetCli.Launcher, ["--netns", NoServer, "--state-dir", Path.Combine(_dir, "state"), "daemon", "--socket", socket], socket, env);

        var started = Receive(systemd, "READY=1", "WATCHDOG=1");
        Assert.Contains(started, s => s.Split('\n').Contains("READY=1"));
        Assert.Contains(started, s => s == "WATCHDOG=1");

        var (exit, _, _) = daemon.Terminate();
        Assert.Equal(0, exit);
        Assert.Contains(Receive(systemd, "STOPPING=1"), s => s == "STOPPING=1");
    }

    [Fact]
    public void The_daemon_tells_a_notify_socket_ready_watchdog_and_stopping()
    {
        var path = Path.Combine(_dir, "notify");
        NotifiesReadyWatchdogAndStopping(path, new UnixDomainSocketEndPoint(path));
    }

    [Fact]
    public void An_abstract_notify_socket_written_with_an_at_sign_is_told_too()
    {
        var name = "hnops-notify-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        NotifiesReadyWatchdogAndStopping("@" + name, new UnixDomainSocketEndPoint("\0" + name));
    }

    [Fact]
    public void A_watchdog_meant_for_another_process_is_not_fed()
    {
        var path = Path.Combine(_dir, "notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));
        var socket = Path.Combine(_dir, "h.sock");
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "200000", ["WATCHDOG_PID"] = "1" };
        using var daemon = RunningDaemon.Launch(HostnetCli.Launcher, ["--netns", NoServer, "--state-dir", Path.Combine(_dir, "state"), "daemon", "--socket", socket], socket, env);

        var told = Receive(systemd, "READY=1");
        daemon.Terminate();
        told.AddRange(Receive(systemd, "STOPPING=1"));

        Assert.Contains(told, s => s.Split('\n').Contains("READY=1"));
        Assert.Contains("STOPPING=1", told);
        Assert.DoesNotContain("WATCHDOG=1", told);
    }

    [Fact]
    public void Install_writes_the_repositorys_unit_running_this_binary_and_says_what_to_run()
    {
        var units = Path.Combine(_dir, "units");

        var run = HostnetCli.Run(["daemon", "install", "--unit-dir", units]).EnsureSuccess("daemon install");

        var written = Path.Combine(units, "hostnetd.service");
        var binary = Path.Combine(HostnetCli.RepositoryRoot, ".build", "hostnet", "hostnet");
        Assert.Equal($"wrote {written} (ExecStart={binary} daemon)\nnow run: systemctl daemon-reload && systemctl enable --now hostnetd\n", run.Stdout);
        var unit = File.ReadAllText(written);
        var repository = File.ReadAllText(Path.Combine(HostnetCli.RepositoryRoot, "dist", "hostnetd.service"));
        Assert.Equal(repository.Replace("ExecStart=/usr/local/bin/hostnet daemon", $"ExecStart={binary} daemon", StringComparison.Ordinal), unit);
        foreach (var line in new[] { "Type=notify", "WatchdogSec=30", "Restart=on-failure", "RuntimeDirectory=hostnet", "RuntimeDirectoryMode=0755" })
            Assert.Contains(line, unit.Split('\n'));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(written));
    }
}

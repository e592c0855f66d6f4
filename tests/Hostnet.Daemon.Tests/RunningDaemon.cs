using System.Diagnostics;
using System.Net.Sockets;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// <c>hostnet --netns SERVER --state-dir DIR daemon --socket DIR/h.sock</c>: the real built binary as a
/// process, and an <see cref="HttpClient"/> that talks to it over its unix socket. Stopped (SIGTERM, then
/// SIGKILL) on dispose.
/// </summary>
internal sealed class RunningDaemon : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private RunningDaemon(Process process, string socket)
    {
        _process = process;
        Socket = socket;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket), cancel);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = new Uri("http://hostnet"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public string Socket { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>Starts the daemon of <paramref name="netns"/> with its state in <paramref name="stateDir"/>; returns once it answers.</summary>
    public static RunningDaemon Start(string netns, string stateDir, string socket) => Start(netns, stateDir, socket, null);

    /// <summary>As <see cref="Start(string, string, string)"/>, with variables added to the daemon's environment.</summary>
    public static RunningDaemon Start(string netns, string stateDir, string socket, IDictionary<string, string>? env) =>
        Launch(HostnetCli.Launcher, ["--netns", netns, "--state-dir", stateDir, "daemon", "--socket", socket], socket, env);

    /// <summary>
    /// Starts <paramref name="file"/> <paramref name="args"/> (the launcher, or a command that execs it, such as
    /// <c>ip netns exec NS</c>) with <paramref name="env"/> added; returns once <paramref name="socket"/> answers.
    /// </summary>
    public static RunningDaemon Launch(string file, IEnumerable<string> args, string socket, IDictionary<string, string>? env = null)
    {
        var daemon = new RunningDaemon(StartProcess(file, args, env), socket);
        try
        {
            daemon.WaitUntilServing();
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary>The daemon of <paramref name="netns"/> as a process, started and not waited for (it may die before it serves).</summary>
    public static Process LaunchProcess(string netns, string stateDir, string socket, IDictionary<string, string>? env) =>
        StartProcess(HostnetCli.Launcher, ["--netns", netns, "--state-dir", stateDir, "daemon", "--socket", socket], env);

    private static Process StartProcess(string file, IEnumerable<string> args, IDictionary<string, string>? env)
    {
        // Build first (once, or after a source change): the launcher then execs the binary, whose pid is the process's.
        HostnetCli.Run(["--version"], timeout: TimeSpan.FromMinutes(15)).EnsureSuccess("build the CLI");
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start hostnet daemon");
    }

    private void WaitUntilServing()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"hostnet daemon exited {_process.ExitCode}: {_stderr.Result.Trim()}");
            try
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                probe.Connect(new UnixDomainSocketEndPoint(Socket));
                return;
            }
            catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit: the exit code, and what the daemon printed.</summary>
    public (int ExitCode, string Stdout, string Stderr) Terminate()
    {
        Sh.Run("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]).EnsureSuccess("kill -TERM");
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException("hostnet daemon did not stop on SIGTERM");
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    /// <summary>SIGKILL: the daemon has no chance to remove its socket.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            Sh.Run("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill();
        }
        _process.Dispose();
    }
}

using Hostnet.TestKit;

namespace Hostnet.Cli.Tests;

/// <summary>
/// The real, built CLI run as a process through the repository's <c>./hostnet</c> launcher, with a state
/// directory of the test's own (removed after it).
/// </summary>
internal sealed class HostnetSandbox : IDisposable
{
    private static readonly Lazy<string> LauncherPath = new(FindLauncher);

    public HostnetSandbox()
    {
        StateDir = Path.Combine(Path.GetTempPath(), "hostnet-cli-" + Guid.NewGuid().ToString("N"));
    }

    public string StateDir { get; }

    /// <summary>The launcher at the repository root, built once (it rebuilds only when sources changed).</summary>
    public static string Launcher => LauncherPath.Value;

    /// <summary>
    /// A network namespace that does not exist: every sandbox command names it as the server, so a
    /// command that reaches for the kernel fails instead of touching this machine's own network.
    /// </summary>
    public const string NoServer = "hostnet-cli-sandbox-no-server";

    /// <summary><c>hostnet --state-dir DIR --netns NoServer ARGS</c>: the state only, never this machine's kernel.</summary>
    public ShResult Run(params string[] args) => RunRaw(["--state-dir", StateDir, "--netns", NoServer, .. args]);

    /// <summary><c>hostnet ARGS</c>, nothing added.</summary>
    public static ShResult RunRaw(string[] args, IDictionary<string, string>? env = null, string? stdin = null) =>
        Sh.Run(Launcher, args, env, TimeSpan.FromSeconds(120), stdin);

    public ShResult Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0, $"hostnet {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        Assert.Equal("", r.Stderr);
        return r;
    }

    /// <summary>The whole state as the CLI prints it for scripts.</summary>
    public string Dump() => Ok("--json", "network", "list").Stdout + Ok("--json", "vm", "list").Stdout;

    /// <summary>
    /// Runs a command that must be refused: exit 1, exactly <c>hostnet: error: REFUSAL</c> on stderr,
    /// nothing on stdout, and the state as it was.
    /// </summary>
    public void Refused(string refusal, params string[] args)
    {
        var before = Dump();
        var r = Run(args);
        Assert.Equal("hostnet: error: " + refusal + "\n", r.Stderr);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(before, Dump());
    }

    /// <summary>The seed's mixed server: networks Routed and Bridged on eth0, vm1 routed at 192.168.200.201.</summary>
    public HostnetSandbox WithSeed()
    {
        Ok("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        Ok("network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        Ok("vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        Ok("adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201");
        Ok("vm", "add", "vm2", "--uuid", "4980d06a-0000-4000-8000-000000000002", "--guest", "netns");
        return this;
    }

    public void Dispose()
    {
        if (Directory.Exists(StateDir)) Directory.Delete(StateDir, recursive: true);
    }

    private static string FindLauncher()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var launcher = Path.Combine(dir.FullName, "hostnet");
            if (File.Exists(launcher) && File.Exists(Path.Combine(dir.FullName, "Hostnet.slnx")))
            {
                // The first run may build the native CLI: give it time, once.
                Sh.Run(launcher, ["--version"], timeout: TimeSpan.FromMinutes(15)).EnsureSuccess("building the CLI");
                return launcher;
            }
        }
        throw new InvalidOperationException($"no ./hostnet launcher above {AppContext.BaseDirectory}");
    }
}

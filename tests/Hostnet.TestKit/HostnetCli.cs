namespace Hostnet.TestKit;

/// <summary>Runs the real built CLI (through the repository's <c>./hostnet</c> launcher) as a process.</summary>
public static class HostnetCli
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root: the folder with Hostnet.slnx above the test binaries.</summary>
    public static string RepositoryRoot => Root.Value;

    public static string Launcher => Path.Combine(RepositoryRoot, "hostnet");

    public static ShResult Run(IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdin = null, TimeSpan? timeout = null) =>
        Sh.Run(Launcher, args, env, timeout ?? TimeSpan.FromMinutes(5), stdin);

    /// <summary>Runs hostnet against a lab's server: <c>--state-dir LAB --netns SERVER ARGS</c>.</summary>
    public static ShResult OnLab(Lab lab, params string[] args) =>
        Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, .. args]);

    /// <summary>As <see cref="OnLab"/>, failing the test when the command fails.</summary>
    public static string Ok(Lab lab, params string[] args)
    {
        var r = OnLab(lab, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"hostnet {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return r.Stdout;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hostnet.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Hostnet.slnx) above " + AppContext.BaseDirectory);
    }
}

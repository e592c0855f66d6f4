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

    /// <summary>
    /// The built CLI copied into a new directory that every user may enter, for a test that runs it as
    /// another user: the checkout may sit where only its owner can (a clone under <c>/root</c>, 0700), and
    /// there the launcher is out of that user's reach (exit 126, before Hostnet says anything).
    /// </summary>
    public static CliCopy CopyForOtherUsers()
    {
        Run(["--version"]).EnsureSuccess("build the CLI");
        var built = Path.Combine(RepositoryRoot, ".build", "hostnet");
        var dir = Directory.CreateTempSubdirectory("hostnet-cli-copy-").FullName;
        try
        {
            // The native binary and the native library it loads beside it; not the debug files.
            foreach (var file in Directory.EnumerateFiles(built).Where(f => Path.GetExtension(f) is not (".dbg" or ".pdb" or ".xml")))
            {
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            }
            // CreateTempSubdirectory makes it 0700; the temp folder above it (/tmp, 1777) lets everyone in.
            Sh.Run("chmod", ["-R", "a+rX", dir]).EnsureSuccess("chmod -R a+rX " + dir);
            return new CliCopy(dir);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
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

/// <summary>A copy of the built CLI that other users can run (<see cref="HostnetCli.CopyForOtherUsers"/>); removed on dispose.</summary>
public sealed class CliCopy(string directory) : IDisposable
{
    public string Directory { get; } = directory;

    /// <summary>The native <c>hostnet</c> binary in the copy.</summary>
    public string Binary => Path.Combine(Directory, "hostnet");

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}

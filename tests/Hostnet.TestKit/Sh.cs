using System.Diagnostics;

namespace Hostnet.TestKit;

/// <summary>The result of an external command run by a test.</summary>
public sealed record ShResult(int ExitCode, string Stdout, string Stderr)
{
    public ShResult EnsureSuccess(string what) =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{what} exited {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}");
}

/// <summary>
/// Runs independent observers (<c>ip</c>, <c>ping</c>, <c>arp</c>) and the built CLI.
/// Arguments are passed as a list, never through a shell.
/// </summary>
public static class Sh
{
    public static ShResult Run(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        p.WaitForExit();
        return new ShResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary><c>ip ARGS</c>, throwing when it fails.</summary>
    public static string Ip(params string[] args) => Run("ip", args).EnsureSuccess("ip " + string.Join(' ', args)).Stdout;

    /// <summary><c>ip netns exec NS CMD ARGS</c>.</summary>
    public static ShResult InNetns(string netns, string file, params string[] args) =>
        Run("ip", ["netns", "exec", netns, file, .. args]);
}

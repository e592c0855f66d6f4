using System.Net;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The socket's mode is its access control: 0660, owned by root and by the group <c>hostnet</c> when it exists
/// (root's group here otherwise). curl as an unprivileged user is the independent client: refused without the
/// socket's group, answered with it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SocketAccessTests : IDisposable
{
    private const string NoServer = "hnops-no-server";

    private const string Nobody = "65534";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnops-socket-").FullName;

    public SocketAccessTests() =>
        // The directory is the socket's (as /run/hostnet is, 0755): the socket's own mode decides who gets in.
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ShResult CurlAs(string socket, params string[] setpriv) =>
        // -v: curl says why it could not connect (connect(2)'s error) only in its verbose lines.
        Sh.Run("setpriv", ["--reuid=" + Nobody, "--regid=" + Nobody, .. setpriv, "curl", "-v", "-sS", "--unix-socket", socket, "http://hostnet/v1/vms", "-w", "\n%{http_code}"]);

    [PrivilegedFact]
    public async Task A_user_outside_the_sockets_group_is_refused_and_a_member_is_answered()
    {
        using var daemon = RunningDaemon.Start(NoServer, Path.Combine(_dir, "state"), Path.Combine(_dir, "h.sock"));
        var hostnetGroup = Sh.Run("getent", ["group", "hostnet"]);
        var expectedGroup = hostnetGroup.ExitCode == 0 ? "hostnet" : "root";

        var stat = Sh.Run("stat", ["-c", "%a %U %G %F", daemon.Socket]).EnsureSuccess("stat").Stdout.Trim();
        Assert.Equal($"660 root {expectedGroup} socket", stat);
        var gid = Sh.Run("stat", ["-c", "%g", daemon.Socket]).EnsureSuccess("stat").Stdout.Trim();

        var outsider = CurlAs(daemon.Socket, "--clear-groups");
        Assert.NotEqual(0, outsider.ExitCode);
        Assert.Contains($"Immediate connect fail for {daemon.Socket}: Permission denied", outsider.Stderr, StringComparison.Ordinal);

        var member = CurlAs(daemon.Socket, "--groups", gid);
        Assert.True(member.ExitCode == 0, member.Stderr);
        Assert.EndsWith("\n200", member.Stdout, StringComparison.Ordinal);
        using var root = await daemon.Http.GetAsync(new Uri("/v1/vms", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal(await root.Content.ReadAsStringAsync(), member.Stdout[..member.Stdout.LastIndexOf('\n')]);
    }
}

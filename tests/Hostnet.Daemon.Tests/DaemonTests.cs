using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The API served by <c>hostnet daemon</c>, end to end over its unix socket: the same documents as the CLI's
/// <c>--json</c> for the same state, the CLI's lines as problem details, the kernel changed as <c>apply</c>
/// changes it (seen with <c>ip</c>), the socket's mode and its removal at SIGTERM.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DaemonTests : IDisposable
{
    /// <summary>A namespace that does not exist: a test that only reads the state never reaches a kernel.</summary>
    private const string NoServer = "hostnet-daemon-test-no-server";

    private const string Vm1Ip = RoutedLab.Vm1Ip;

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Cli(string netns, string stateDir, params string[] args)
    {
        var r = HostnetCli.Run(["--netns", netns, "--state-dir", stateDir, .. args]);
        Assert.True(r.ExitCode == 0, $"hostnet {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    private void DefineState()
    {
        Cli(NoServer, StateDir, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        Cli(NoServer, StateDir, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        Cli(NoServer, StateDir, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip);
        Cli(NoServer, StateDir, "vm", "add", "vm2", "--uuid", "4980d06a-0000-4000-8000-000000000002", "--guest", "netns");
    }

    private static async Task<(HttpStatusCode Status, string? ContentType, string Body)> Get(RunningDaemon daemon, string path)
    {
        using var response = await daemon.Http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected\n{expected}\nbut the daemon answered\n{actual}");

    [Fact]
    public async Task Vms_and_networks_answer_what_the_CLIs_json_prints()
    {
        DefineState();
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);

        var vms = await Get(daemon, "/v1/vms");
        Assert.Equal(HttpStatusCode.OK, vms.Status);
        Assert.Equal("application/json", vms.ContentType);
        var printed = Cli(NoServer, StateDir, "--json", "vm", "list");
        Assert.Contains("vm2", printed);
        AssertSameJson(printed, vms.Body);

        AssertSameJson(Cli(NoServer, StateDir, "--json", "vm", "show", "vm1"), (await Get(daemon, "/v1/vms/vm1")).Body);
        AssertSameJson(Cli(NoServer, StateDir, "--json", "network", "list"), (await Get(daemon, "/v1/networks")).Body);
        AssertSameJson(Cli(NoServer, StateDir, "--json", "network", "show", "Routed"), (await Get(daemon, "/v1/networks/Routed")).Body);

        // A change made by the CLI while the daemon runs is in its next answer: they share the state, not a copy.
        Cli(NoServer, StateDir, "vm", "add", "vm3");
        AssertSameJson(Cli(NoServer, StateDir, "--json", "vm", "list"), (await Get(daemon, "/v1/vms")).Body);
    }

    [Theory]
    [InlineData("/v1/vms/nosuch", "vm", "nosuch", "vm-not-found")]
    [InlineData("/v1/networks/nosuch", "network", "nosuch", "network-not-found")]
    public async Task An_unknown_name_is_a_404_problem_with_the_CLIs_line(string path, string resource, string name, string code)
    {
        DefineState();
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        var cli = HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, resource, "show", name]);
        Assert.Equal(1, cli.ExitCode);
        const string prefix = "hostnet: error: ";
        Assert.StartsWith(prefix, cli.Stderr);

        var (status, contentType, body) = await Get(daemon, path);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", contentType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(cli.Stderr[prefix.Length..].TrimEnd('\n'), problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Not Found", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("'" + name + "'", body);
    }

    [Fact]
    public async Task A_request_the_API_does_not_know_is_a_problem_too()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);

        var (status, contentType, body) = await Get(daemon, "/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", contentType);
        using (var problem = JsonDocument.Parse(body))
            Assert.Equal("no-such-route", problem.RootElement.GetProperty("code").GetString());

        using var wrongMethod = await daemon.Http.GetAsync(new Uri("/v1/apply", UriKind.Relative));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("application/problem+json", wrongMethod.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_socket_is_mode_0660_and_SIGTERM_removes_it_and_exits_0()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(SocketPath));
        Assert.Equal(HttpStatusCode.OK, (await Get(daemon, "/v1/vms")).Status);

        var (exitCode, stdout, stderr) = daemon.Terminate();

        Assert.Equal(0, exitCode);
        // The server's namespace does not exist: the daemon says that its watch loop cannot start, and nothing worse.
        Assert.DoesNotContain("fail:", stderr);
        Assert.DoesNotContain("Exception", stderr);
        Assert.Contains("serving server " + NoServer + " on " + SocketPath, stdout);
        Assert.False(File.Exists(SocketPath), "the socket outlived its daemon");
    }

    [Fact]
    public void A_live_socket_is_refused_in_one_line_and_a_stale_one_is_replaced()
    {
        using (var first = RunningDaemon.Start(NoServer, StateDir, SocketPath))
        {
            var second = HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, "daemon", "--socket", SocketPath]);
            Assert.Equal(1, second.ExitCode);
            Assert.Equal($"hostnet: error: a hostnet daemon already serves {SocketPath}: stop it first, or give another --socket\n", second.Stderr);
            Assert.True(File.Exists(SocketPath), "the refused daemon removed the live one's socket");
        }

        // What a daemon killed with SIGKILL leaves: a socket file nobody listens on.
        using (var killed = RunningDaemon.Start(NoServer, StateDir, SocketPath)) killed.Kill();
        Assert.True(File.Exists(SocketPath), "no stale socket to replace");
        using var next = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        Assert.Equal(0, next.Terminate().ExitCode);
    }

    [PrivilegedFact]
    public async Task Apply_answers_a_kernel_the_restore_has_made_as_the_CLI_would()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77").Trim());
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);

        using var response = await daemon.Http.PostAsync(new Uri("/v1/apply?probe=false", UriKind.Relative), new StringContent("", Encoding.UTF8));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        // The daemon restored the state before it served: nothing was left to do.
        using (var applied = JsonDocument.Parse(body))
        {
            Assert.True(applied.RootElement.GetProperty("in_sync").GetBoolean(), body);
            Assert.Empty(applied.RootElement.GetProperty("steps").EnumerateArray());
        }
        // The kernel, as an observer outside Hostnet sees it.
        Assert.Contains($"{Vm1Ip} dev vme7b9a73a1.0", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77"));
        // And the read models answer what the CLI prints for the same kernel.
        AssertSameJson(HostnetCli.Ok(lab, "--json", "route"), (await Get(daemon, "/v1/routes")).Body);
        var plan = await Get(daemon, "/v1/plan");
        using (var planned = JsonDocument.Parse(plan.Body))
            Assert.True(planned.RootElement.GetProperty("in_sync").GetBoolean(), plan.Body);
        AssertSameJson(HostnetCli.Ok(lab, "--json", "plan"), plan.Body);
    }
}

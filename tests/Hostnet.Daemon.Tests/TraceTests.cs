using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary><c>GET /v1/trace</c>: what <c>hostnet --json trace</c> prints for the same server, and the CLI's line for a bad request.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TraceTests : IDisposable
{
    private const string NoServer = "hostnet-daemon-test-no-server";
    private const string Vm1Ip = RoutedLab.Vm1Ip;

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-").FullName;

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(HttpStatusCode Status, string Body)> Get(RunningDaemon daemon, string path)
    {
        using var response = await daemon.Http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_bad_destination_is_a_400_problem_with_the_CLIs_line()
    {
        var stateDir = Path.Combine(_dir, "state");
        using var daemon = RunningDaemon.Start(NoServer, stateDir, SocketPath);
        var cli = HostnetCli.Run(["--netns", NoServer, "--state-dir", stateDir, "trace", "300.1.2.3"]);
        Assert.Equal(1, cli.ExitCode);

        var (status, body) = await Get(daemon, "/v1/trace?dest=300.1.2.3");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using (var problem = JsonDocument.Parse(body))
            Assert.Equal(cli.Stderr["hostnet: error: ".Length..].TrimEnd('\n'), problem.RootElement.GetProperty("detail").GetString());

        var (fromStatus, fromBody) = await Get(daemon, "/v1/trace?dest=" + Vm1Ip + "&from=nowhere");
        Assert.Equal(HttpStatusCode.BadRequest, fromStatus);
        Assert.Contains("'nowhere'", fromBody);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get(daemon, "/v1/trace")).Status);
    }

    [PrivilegedFact]
    public async Task Trace_answers_what_the_CLIs_json_prints_from_the_lan_and_from_a_vm()
    {
        using var lab = Lab.Create();
        // vm1 stopped: the daemon restores the state at start, and a stopped VM's path stays broken.
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":false,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"]}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);

        // Before the VM starts the path is broken: the fixes are commands for this server, as the CLI writes them.
        var broken = HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "--json", "trace", Vm1Ip]);
        Assert.Equal(1, broken.ExitCode);
        var (status, body) = await Get(daemon, "/v1/trace?dest=" + Vm1Ip);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("--netns " + lab.ServerNs, body);
        AssertSameJson(broken.Stdout, body);

        HostnetCli.Ok(lab, "vm", "start", "vm1", "--no-probe");
        AssertSameJson(HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "--json", "trace", Vm1Ip, "--from-lan"]).Stdout,
            (await Get(daemon, "/v1/trace?dest=" + Vm1Ip + "&from=lan")).Body);
        AssertSameJson(HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "--json", "trace", "192.168.200.10", "--from-vm", "vm1"]).Stdout,
            (await Get(daemon, "/v1/trace?dest=192.168.200.10&from=vm:vm1")).Body);

        Assert.Equal(HttpStatusCode.NotFound, (await Get(daemon, "/v1/trace?dest=" + Vm1Ip + "&from=vm:nosuch")).Status);
    }

    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected\n{expected}\nbut the daemon answered\n{actual}");
}

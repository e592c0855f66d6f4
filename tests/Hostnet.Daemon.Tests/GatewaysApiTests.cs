using System.Net;
using System.Text;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// IPv6 gateways through the API: a host-routed network's <c>gateway6</c> (PATCH, POST) and a dual-stack
/// adapter's <c>gateway6</c>, seen by the CLI; a refusal is the CLI's line as a problem, and changes nothing.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewaysApiTests : IDisposable
{
    private const string NoServer = "hostnet-daemon-gateway6-test-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-gw6-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Cli(params string[] args) =>
        HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, .. args]).EnsureSuccess(string.Join(' ', args)).Stdout;

    private static async Task<(HttpStatusCode Status, string Body)> Send(RunningDaemon daemon, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await daemon.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_networks_IPv6_gateway_and_a_dual_stack_adapters_two_gateways_are_set_through_the_API()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));
        var routed = await Send(daemon, HttpMethod.Post, "/v1/networks",
            """{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1","gateway6":"fe80::1"}""");
        Assert.True(routed.Status == HttpStatusCode.Created, routed.Body);
        Assert.Contains("gateway6: fe80::1", Cli("network", "show", "Routed"), StringComparison.Ordinal);

        var patched = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"gateway6":"fe80::2"}""");
        Assert.True(patched.Status == HttpStatusCode.OK, patched.Body);
        using (var doc = JsonDocument.Parse(patched.Body))
            Assert.Equal("fe80::2", doc.RootElement.GetProperty("gateway6").GetString());

        // A v4 address as the IPv6 gateway: the CLI's line, and the network as it was.
        var before = Cli("--json", "network", "show", "Routed");
        var refused = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"gateway6":"192.168.200.1"}""");
        Assert.False(refused.Status is HttpStatusCode.OK or HttpStatusCode.InternalServerError, refused.Body);
        using (var problem = JsonDocument.Parse(refused.Body))
            Assert.Equal("192.168.200.1 is an IPv4 address: a network's IPv6 gateway is an IPv6 one, e.g. fe80::ffff:1:1", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(before, Cli("--json", "network", "show", "Routed"));

        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/networks", """{"name":"Bridged","mode":"bridged","uplink":"eth0","bridge":"br1"}""")).Status);
        Cli("vm", "add", "vm3", "--uuid", "5c1f0e27-5c2e-4d1a-9f3b-000000000003");
        var added = await Send(daemon, HttpMethod.Post, "/v1/vms/vm3/adapters",
            """{"network":"Bridged","ips":["192.168.200.203/24","2001:db8:200::203/64"],"gateway":"192.168.200.1","gateway6":"2001:db8:200::1"}""");
        Assert.True(added.Status == HttpStatusCode.Created, added.Body);
        using (var shown = JsonDocument.Parse(Cli("--json", "vm", "show", "vm3")))
        {
            var net0 = shown.RootElement.GetProperty("adapters")[0];
            Assert.Equal("192.168.200.1", net0.GetProperty("gateway").GetString());
            Assert.Equal("2001:db8:200::1", net0.GetProperty("gateway6").GetString());
        }
        var twice = await Send(daemon, HttpMethod.Patch, "/v1/vms/vm3/adapters/net0", """{"gateway":"192.168.200.1","gateway6":"192.168.200.254"}""");
        using (var problem = JsonDocument.Parse(twice.Body))
            Assert.Equal("192.168.200.1 and 192.168.200.254 are both IPv4 gateways: an adapter has one gateway per family (one IPv4, one IPv6)",
                problem.RootElement.GetProperty("detail").GetString());
    }
}

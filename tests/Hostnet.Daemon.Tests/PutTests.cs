using System.Net;
using System.Text;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The idempotent writes: PUT creates or replaces with POST's body, and the same PUT again changes nothing;
/// a DELETE repeated changes nothing either (its second answer is 404). A body that cannot be read is a 400 on
/// every write route, and changes nothing. The CLI's <c>export</c> is the observer of the state.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PutTests : IDisposable
{
    private const string NoServer = "hnops-no-server";

    private const string Routed = """{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnops-put-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Export() => HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, "export"]).EnsureSuccess("export").Stdout;

    private static string Vm1(string ip) =>
        $$"""{"guest":"tap","adapters":[{"network":"Routed","ips":["{{ip}}"]}]}""";

    private static async Task<(HttpStatusCode Status, string Body)> Send(RunningDaemon daemon, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await daemon.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static void AssertProblem(HttpStatusCode status, (HttpStatusCode Status, string Body) answer, string code)
    {
        Assert.True(answer.Status == status, $"expected {status}, answered {answer.Status}: {answer.Body}");
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("\n", problem.RootElement.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_put_creates_the_same_put_again_changes_nothing_and_another_body_replaces()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));

        var created = await Send(daemon, HttpMethod.Put, "/v1/networks/Routed", Routed);
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var vm = await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", Vm1("192.168.200.201"));
        Assert.True(vm.Status == HttpStatusCode.Created, vm.Body);
        var state = Export();
        Assert.Contains("192.168.200.201", state, StringComparison.Ordinal);

        // Again: 200, the same document, nothing changed (the UUID the body leaves out is the VM's, not a new one).
        var again = await Send(daemon, HttpMethod.Put, "/v1/networks/Routed", Routed);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        var vmAgain = await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", Vm1("192.168.200.201"));
        Assert.Equal(HttpStatusCode.OK, vmAgain.Status);
        Assert.Equal(vm.Body, vmAgain.Body);
        Assert.Equal(state, Export());

        // Another body replaces the VM, keeping its UUID.
        var replaced = await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", Vm1("192.168.200.202"));
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        var after = Export();
        Assert.Contains("192.168.200.202", after, StringComparison.Ordinal);
        Assert.DoesNotContain("192.168.200.201", after, StringComparison.Ordinal);
        using (var before = JsonDocument.Parse(vm.Body))
        using (var now = JsonDocument.Parse(replaced.Body))
            Assert.Equal(before.RootElement.GetProperty("uuid").GetString(), now.RootElement.GetProperty("uuid").GetString());

        // A network some adapter uses is not replaced: the refusal of `network rm`, nothing changed.
        AssertProblem(HttpStatusCode.Conflict,
            await Send(daemon, HttpMethod.Put, "/v1/networks/Routed", Routed.Replace("169.255.30.1", "169.255.30.2", StringComparison.Ordinal)), "network-in-use");
        // A body naming another VM than the URL.
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", """{"name":"vm2","guest":"tap"}"""), "name-mismatch");
        Assert.Equal(after, Export());
    }

    [Fact]
    public async Task A_delete_repeated_changes_nothing_and_answers_404()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Put, "/v1/networks/Routed", Routed)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", Vm1("192.168.200.201"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Put, "/v1/vms/vm2", Vm1("192.168.200.202"))).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(daemon, HttpMethod.Delete, "/v1/vms/vm1")).Status);
        var state = Export();
        AssertProblem(HttpStatusCode.NotFound, await Send(daemon, HttpMethod.Delete, "/v1/vms/vm1"), "vm-not-found");
        Assert.Equal(state, Export());
        Assert.Contains("vm2", state, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_an_unknown_member_or_an_oversized_body_is_a_400_on_put_and_patch_and_changes_nothing()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Put, "/v1/networks/Routed", Routed)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Put, "/v1/vms/vm1", Vm1("192.168.200.201"))).Status);
        var state = Export();
        var oversized = """{"guest":"tap","adapters":[""" + string.Join(",", Enumerable.Repeat("""{"network":"Routed"}""", 60_000)) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(oversized) > 1024 * 1024);

        foreach (var (method, path) in new[] { (HttpMethod.Put, "/v1/vms/vm1"), (HttpMethod.Put, "/v1/networks/Routed"), (HttpMethod.Patch, "/v1/vms/vm1/adapters/net0") })
        {
            AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, method, path, """{"guest":"tap", """), "body-malformed");
            AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, method, path, """{"gest":"tap"}"""), "body-malformed");
            AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, method, path, oversized), "body-too-large");
        }
        Assert.Equal(state, Export());
    }
}

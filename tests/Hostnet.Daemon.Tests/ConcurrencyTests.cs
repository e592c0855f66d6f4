using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// 200 requests at once over the unix socket, distinct and conflicting: each is answered, none is lost (the
/// state ends with exactly the distinct ones, seen by the CLI), and each conflict is one 409 problem.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConcurrencyTests : IDisposable
{
    /// <summary>A namespace that does not exist: VMs that do not run never reach a kernel.</summary>
    private const string NoServer = "hnwat-daemon-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnwat-daemon-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A VM as export writes it; its UUID begins with <paramref name="n"/>, so that no two VMs' host interface names clash.</summary>
    private static string Vm(string name, int n) => $$"""
        {"name":"{{name}}","uuid":"{{n.ToString("x8", CultureInfo.InvariantCulture)}}-0000-4000-8000-{{n.ToString("x12", CultureInfo.InvariantCulture)}}","guest":"tap","running":false,"adapters":[]}
        """;

    [Fact]
    public async Task Two_hundred_requests_at_once_are_each_answered_none_lost_each_conflict_one_409()
    {
        // 50 VMs without adapters, for 50 adapter additions on distinct VMs.
        var vms = string.Join(',', Enumerable.Range(0, 50).Select(i => Vm($"a{i}", 1000 + i)));
        HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, "import", "-"],
            stdin: $$"""{"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],"vms":[{{vms}}]}""")
            .EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));

        // 100 creations of one name (one wins), 50 of distinct names, 50 adapters on distinct VMs: all at once.
        var requests = new List<(string Kind, Func<Task<HttpResponseMessage>> Send)>();
        for (var i = 0; i < 100; i++)
            requests.Add(("same", () => daemon.Http.PostAsync(new Uri("/v1/vms", UriKind.Relative), Json(Vm("dup", 1)))));
        for (var i = 0; i < 50; i++)
        {
            var n = i;
            requests.Add(("distinct", () => daemon.Http.PostAsync(new Uri("/v1/vms", UriKind.Relative), Json(Vm($"c{n}", 2000 + n)))));
            requests.Add(("adapter", () => daemon.Http.PostAsync(new Uri($"/v1/vms/a{n}/adapters", UriKind.Relative),
                Json($$"""{"network":"Routed","ips":["10.1.{{n / 200}}.{{n % 200 + 1}}"]}"""))));
        }
        Assert.Equal(200, requests.Count);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = requests.Select(async r =>
        {
            await go.Task;
            using var response = await r.Send();
            return (r.Kind, response.StatusCode, MediaType: response.Content.Headers.ContentType?.MediaType, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        go.SetResult();
        var answered = await Task.WhenAll(sent);

        Assert.Equal(200, answered.Length);
        Assert.All(answered.Where(a => a.Kind != "same"), a => Assert.True(a.StatusCode == HttpStatusCode.Created, $"{a.Kind}: {a.StatusCode} {a.Body}"));
        var same = answered.Where(a => a.Kind == "same").ToList();
        Assert.Equal(1, same.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var conflict in same.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            Assert.True(conflict.StatusCode == HttpStatusCode.Conflict, conflict.Body);
            Assert.Equal("application/problem+json", conflict.MediaType);
            using var problem = JsonDocument.Parse(conflict.Body);
            Assert.Equal("vm-exists", problem.RootElement.GetProperty("code").GetString());
            Assert.Equal(409, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Contains("dup", problem.RootElement.GetProperty("detail").GetString());
        }

        // The CLI, an independent reader of the state: exactly the distinct ones, each adapter once.
        using var list = JsonDocument.Parse(HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, "--json", "vm", "list"]).EnsureSuccess("vm list").Stdout);
        var names = list.RootElement.EnumerateArray().Select(v => v.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        var expected = new[] { "dup" }.Concat(Enumerable.Range(0, 50).SelectMany(i => new[] { $"a{i}", $"c{i}" })).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, names);
        Assert.All(list.RootElement.EnumerateArray().Where(v => v.GetProperty("name").GetString()!.StartsWith('a')),
            v => Assert.Equal(1, v.GetProperty("adapters").GetArrayLength()));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

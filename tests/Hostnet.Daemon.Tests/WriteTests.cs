using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The routes that change the state, end to end over the unix socket: what they did is seen by the CLI as an
/// independent observer, refusals are the CLI's lines as problems, a body that cannot be read changes nothing,
/// and start/stop change the kernel as the CLI's would (seen with <c>ip</c>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WriteTests : IDisposable
{
    /// <summary>A namespace that does not exist: a VM that does not run never reaches a kernel.</summary>
    private const string NoServer = "hostnet-daemon-write-test-no-server";

    private const string Vm1Uuid = "7b9a73a1-5c2e-4d1a-9f3b-000000000001";

    private const string Vm1Ip = RoutedLab.Vm1Ip;

    private const string RoutedNetwork = """{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}""";

    /// <summary>The daemon's body limit, 1 MiB.</summary>
    private const int WriteEndpointsLimit = 1024 * 1024;

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-write-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Vm1(string guest = "tap", bool running = false) => $$"""
        {"name":"vm1","uuid":"{{Vm1Uuid}}","guest":"{{guest}}","running":{{(running ? "true" : "false")}},
         "adapters":[{"index":0,"network":"Routed","ips":["{{Vm1Ip}}"],"mac":"52:54:00:12:34:56"}]}
        """;

    private static ShResult Cli(string netns, string stateDir, params string[] args) =>
        HostnetCli.Run(["--netns", netns, "--state-dir", stateDir, .. args]);

    private string VmList() => Cli(NoServer, StateDir, "--json", "vm", "list").EnsureSuccess("vm list").Stdout;

    private static async Task<(HttpStatusCode Status, string? ContentType, string Body)> Send(RunningDaemon daemon, HttpMethod method, string path,
        string? body = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        // Chunked: no Content-Length announces the size, the daemon learns it only by reading.
        if (chunked) request.Headers.TransferEncodingChunked = true;
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await daemon.Http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected\n{expected}\nbut the daemon answered\n{actual}");

    private static void AssertProblem(HttpStatusCode expected, (HttpStatusCode Status, string? ContentType, string Body) answer, string? detail = null)
    {
        Assert.True(answer.Status == expected, $"expected {expected}, answered {answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.ContentType);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal((int)expected, problem.RootElement.GetProperty("status").GetInt32());
        var said = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.DoesNotContain("\n", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        if (detail is not null) Assert.Equal(detail, said);
    }

    [Fact]
    public async Task A_network_and_a_vm_posted_are_what_the_CLI_then_lists_and_a_second_post_is_the_CLIs_conflict()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);

        var network = await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork);
        Assert.True(network.Status == HttpStatusCode.Created, network.Body);
        AssertSameJson(Cli(NoServer, StateDir, "--json", "network", "show", "Routed").EnsureSuccess("network show").Stdout, network.Body);

        var vm = await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1());
        Assert.True(vm.Status == HttpStatusCode.Created, vm.Body);
        AssertSameJson(Cli(NoServer, StateDir, "--json", "vm", "show", "vm1").EnsureSuccess("vm show").Stdout, vm.Body);
        using (var listed = JsonDocument.Parse(VmList()))
        {
            var only = Assert.Single(listed.RootElement.EnumerateArray());
            Assert.Equal("vm1", only.GetProperty("name").GetString());
            Assert.Equal(Vm1Uuid, only.GetProperty("uuid").GetString());
            var adapter = Assert.Single(only.GetProperty("adapters").EnumerateArray());
            Assert.Equal(Vm1Ip, Assert.Single(adapter.GetProperty("ips").EnumerateArray()).GetString());
            Assert.Equal("52:54:00:12:34:56", adapter.GetProperty("mac").GetString());
        }

        // The CLI's own refusal of the same name, as the independent measure of the problem's line.
        var cliVm = Cli(NoServer, StateDir, "vm", "add", "vm1");
        Assert.Equal(1, cliVm.ExitCode);
        AssertProblem(HttpStatusCode.Conflict, await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1()), cliVm.Stderr.Trim()["hostnet: error: ".Length..]);
        var cliNet = Cli(NoServer, StateDir, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        Assert.Equal(1, cliNet.ExitCode);
        AssertProblem(HttpStatusCode.Conflict, await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork), cliNet.Stderr.Trim()["hostnet: error: ".Length..]);
    }

    [Fact]
    public async Task Malformed_json_an_unknown_member_or_an_oversized_body_is_a_400_and_changes_nothing()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork)).Status);
        var before = VmList();

        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms", """{"name":"vm1", """));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms", """{"name":"vm1","nmae":"vm2"}"""),
            "the request body is not a VM as `hostnet export` writes it: unknown member at $.nmae");
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms", """{"name":"vm1","running":"yes"}"""),
            "the request body is not a VM as `hostnet export` writes it: a value of the wrong kind at $.running");
        var oversized = """{"name":"vm1","guest":"tap","adapters":[""" + string.Join(",", Enumerable.Repeat("""{"network":"Routed"}""", 60_000)) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(oversized) > WriteEndpointsLimit);
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms", oversized),
            "the request body is larger than 1 MiB");
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms", oversized, chunked: true),
            "the request body is larger than 1 MiB");
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/adapters", """{"network":"Routed","ip":["10.0.0.1"]}"""));

        Assert.Equal(before, VmList());
    }

    [Fact]
    public async Task Adapters_are_added_changed_and_removed_and_a_deleted_vm_is_gone()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1())).Status);

        var added = await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/adapters", """{"network":"Routed","ips":["192.168.200.202"]}""");
        Assert.True(added.Status == HttpStatusCode.Created, added.Body);
        using (var doc = JsonDocument.Parse(added.Body))
        {
            Assert.Equal(1, doc.RootElement.GetProperty("index").GetInt32());
            Assert.Equal("net1", doc.RootElement.GetProperty("name").GetString());
        }
        var changed = await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"ips":["192.168.200.203"]}""");
        Assert.True(changed.Status == HttpStatusCode.OK, changed.Body);
        using (var shown = JsonDocument.Parse(Cli(NoServer, StateDir, "--json", "vm", "show", "vm1").EnsureSuccess("vm show").Stdout))
        {
            var net1 = shown.RootElement.GetProperty("adapters")[1];
            Assert.Equal("192.168.200.203", Assert.Single(net1.GetProperty("ips").EnumerateArray()).GetString());
            AssertSameJson(net1.GetRawText(), changed.Body);
        }
        AssertProblem(HttpStatusCode.NotFound, await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net7", """{"ips":["192.168.200.204"]}"""));

        Assert.Equal(HttpStatusCode.NoContent, (await Send(daemon, HttpMethod.Delete, "/v1/vms/vm1/adapters/net1")).Status);
        using (var shown = JsonDocument.Parse(Cli(NoServer, StateDir, "--json", "vm", "show", "vm1").EnsureSuccess("vm show").Stdout))
            Assert.Single(shown.RootElement.GetProperty("adapters").EnumerateArray());

        var deleted = await Send(daemon, HttpMethod.Delete, "/v1/vms/vm1");
        Assert.True(deleted.Status == HttpStatusCode.NoContent, deleted.Body);
        Assert.Equal("", deleted.Body);
        Assert.Equal("[]", VmList().Trim());
        AssertProblem(HttpStatusCode.NotFound, await Send(daemon, HttpMethod.Delete, "/v1/vms/vm1"));
        Assert.Equal(HttpStatusCode.NoContent, (await Send(daemon, HttpMethod.Delete, "/v1/networks/Routed")).Status);
        Assert.Equal("[]", Cli(NoServer, StateDir, "--json", "network", "list").EnsureSuccess("network list").Stdout.Trim());
    }

    [PrivilegedFact]
    public async Task Start_and_stop_make_and_remove_a_routed_vms_route()
    {
        using var lab = Lab.Create();
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1(guest: "netns:" + lab.Guest("vm1")))).Status);
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77").Trim());

        var started = await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/start?probe=false");
        Assert.True(started.Status == HttpStatusCode.OK, started.Body);
        using (var doc = JsonDocument.Parse(started.Body)) Assert.True(doc.RootElement.GetProperty("running").GetBoolean());
        Assert.Contains($"{Vm1Ip} dev vme7b9a73a1.0", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77"));

        var stopped = await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/stop");
        Assert.True(stopped.Status == HttpStatusCode.OK, stopped.Body);
        using (var doc = JsonDocument.Parse(stopped.Body)) Assert.False(doc.RootElement.GetProperty("running").GetBoolean());
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77").Trim());
    }

    /// <summary>The CLI's refusal line for <paramref name="args"/>, without <c>hostnet: error: </c>: the measure of the API's.</summary>
    private string CliRefusal(params string[] args)
    {
        var refused = Cli(NoServer, StateDir, args);
        Assert.True(refused.ExitCode == 1, $"hostnet {string.Join(' ', args)} was not refused: {refused.Stdout}");
        return refused.Stderr.Trim()["hostnet: error: ".Length..];
    }

    private string VmShow() => Cli(NoServer, StateDir, "--json", "vm", "show", "vm1").EnsureSuccess("vm show").Stdout;

    /// <summary>An adapter's <c>unprotected</c>, comma-separated; empty when every protection is on (the field left out).</summary>
    private static string Names(JsonElement adapter) =>
        adapter.TryGetProperty("unprotected", out var off) ? string.Join(",", off.EnumerateArray().Select(e => e.GetString())) : "";

    [Fact]
    public async Task An_adapters_protections_are_switched_as_the_CLIs_flags_switch_them_and_an_unknown_one_is_the_CLIs_refusal()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/networks", RoutedNetwork)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1())).Status);

        var added = await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/adapters", """{"network":"Routed","ips":["192.168.200.202"],"noProtect":["addresses"]}""");
        Assert.True(added.Status == HttpStatusCode.Created, added.Body);
        using (var shown = JsonDocument.Parse(VmShow()))
        {
            var net1 = shown.RootElement.GetProperty("adapters")[1];
            Assert.Equal("addresses", Names(net1));
            Assert.Equal("", Names(shown.RootElement.GetProperty("adapters")[0]));
            AssertSameJson(net1.GetRawText(), added.Body);
        }
        var got = await Send(daemon, HttpMethod.Get, "/v1/vms/vm1");
        using (var doc = JsonDocument.Parse(got.Body)) Assert.Equal("addresses", Names(doc.RootElement.GetProperty("adapters")[1]));
        Assert.Contains(", unprotected addresses", Cli(NoServer, StateDir, "vm", "show", "vm1").EnsureSuccess("vm show").Stdout, StringComparison.Ordinal);

        // Refusals: the CLI's lines, and nothing changed (the CLI's own attempts are refused before any change too).
        var before = VmShow();
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"noProtect":["macs"]}"""),
            CliRefusal("adapter", "set", "vm1", "net1", "--no-protect", "macs"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Post, "/v1/vms/vm1/adapters", """{"network":"Routed","protect":["walls"]}"""),
            CliRefusal("adapter", "add", "vm1", "--network", "Routed", "--protect", "walls"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"protect":["mac"],"noProtect":["mac","arp"]}"""),
            CliRefusal("adapter", "set", "vm1", "net1", "--protect", "mac", "--no-protect", "mac,arp"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"noProtect":"mac"}"""),
            "the request body is not a change of an adapter: a value of the wrong kind at $.noProtect");
        Assert.Equal(before, VmShow());

        var on = await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"protect":["addresses"],"noProtect":["mac","server"]}""");
        Assert.True(on.Status == HttpStatusCode.OK, on.Body);
        using (var shown = JsonDocument.Parse(VmShow()))
        {
            var net1 = shown.RootElement.GetProperty("adapters")[1];
            Assert.Equal("mac,server", Names(net1));
            Assert.Equal("192.168.200.202", Assert.Single(net1.GetProperty("ips").EnumerateArray()).GetString());
            AssertSameJson(net1.GetRawText(), on.Body);
        }
        var all = await Send(daemon, HttpMethod.Patch, "/v1/vms/vm1/adapters/net1", """{"protect":["all"]}""");
        Assert.True(all.Status == HttpStatusCode.OK, all.Body);
        using (var shown = JsonDocument.Parse(VmShow()))
            Assert.False(shown.RootElement.GetProperty("adapters")[1].TryGetProperty("unprotected", out _), "every protection is on again");
    }

    [Fact]
    public async Task A_networks_server_ports_are_posted_replaced_and_cleared_as_network_set_does()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        string? Ports(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("serverPorts", out var p) ? string.Join(",", p.EnumerateArray().Select(e => e.GetString())) : null;
        }
        string Listed() => Cli(NoServer, StateDir, "--json", "network", "list").EnsureSuccess("network list").Stdout;
        string? ListedPorts() { using var doc = JsonDocument.Parse(Listed()); return Ports(doc.RootElement[0].GetRawText()); }

        var posted = await Send(daemon, HttpMethod.Post, "/v1/networks",
            """{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1","serverPorts":["tcp/22"]}""");
        Assert.True(posted.Status == HttpStatusCode.Created, posted.Body);
        Assert.Equal("tcp/22", Ports(posted.Body));
        Assert.Equal("tcp/22", ListedPorts());

        var set = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"serverPorts":["tcp/53","udp/53"]}""");
        Assert.True(set.Status == HttpStatusCode.OK, set.Body);
        Assert.Equal("tcp/53,udp/53", ListedPorts());
        AssertSameJson(Cli(NoServer, StateDir, "--json", "network", "show", "Routed").EnsureSuccess("network show").Stdout, set.Body);
        Assert.Equal("tcp/53,udp/53", Ports((await Send(daemon, HttpMethod.Get, "/v1/networks/Routed")).Body));

        var before = Listed();
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"serverPorts":["tcp/0"]}"""),
            CliRefusal("network", "set", "Routed", "--server-ports", "tcp/0"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"serverPorts":["tcp/80"],"noServerPorts":true}"""),
            CliRefusal("network", "set", "Routed", "--server-ports", "tcp/80", "--no-server-ports"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", "{}"),
            CliRefusal("network", "set", "Routed"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"serverPort":["tcp/80"]}"""),
            "the request body is not a change of a network: unknown member at $.serverPort");
        AssertProblem(HttpStatusCode.NotFound, await Send(daemon, HttpMethod.Patch, "/v1/networks/Bridged", """{"noServerPorts":true}"""),
            CliRefusal("network", "set", "Bridged", "--no-server-ports"));
        Assert.Equal(before, Listed());

        var cleared = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"noServerPorts":true}""");
        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.Body);
        Assert.Null(Ports(cleared.Body));
        Assert.Null(ListedPorts());
    }

    [Fact]
    public async Task A_networks_dhcp_and_dns_are_posted_and_patched_as_network_set_does_and_a_vm_has_its_cloud_init()
    {
        using var daemon = RunningDaemon.Start(NoServer, StateDir, SocketPath);
        string Listed() => Cli(NoServer, StateDir, "--json", "network", "list").EnsureSuccess("network list").Stdout;

        var posted = await Send(daemon, HttpMethod.Post, "/v1/networks",
            """{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1","dhcp":false,"dns":["192.0.2.53"]}""");
        Assert.True(posted.Status == HttpStatusCode.Created, posted.Body);
        using (var doc = JsonDocument.Parse(posted.Body))
        {
            Assert.False(doc.RootElement.GetProperty("dhcp").GetBoolean());
            Assert.Equal("192.0.2.53", doc.RootElement.GetProperty("dns")[0].GetString());
        }
        Assert.Contains("off", Cli(NoServer, StateDir, "network", "list").EnsureSuccess("network list").Stdout, StringComparison.Ordinal);

        var set = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"dhcp":true,"dns":["192.0.2.1","2001:db8::1"]}""");
        Assert.True(set.Status == HttpStatusCode.OK, set.Body);
        AssertSameJson(Cli(NoServer, StateDir, "--json", "network", "show", "Routed").EnsureSuccess("network show").Stdout, set.Body);
        Assert.Contains("dns:      192.0.2.1,2001:db8::1", Cli(NoServer, StateDir, "network", "show", "Routed").EnsureSuccess("network show").Stdout,
            StringComparison.Ordinal);

        var before = Listed();
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"dns":["192.0.2"]}"""),
            CliRefusal("network", "set", "Routed", "--dns", "192.0.2"));
        AssertProblem(HttpStatusCode.BadRequest, await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"dns":["192.0.2.9"],"noDns":true}"""),
            CliRefusal("network", "set", "Routed", "--dns", "192.0.2.9", "--no-dns"));
        Assert.Equal(before, Listed());

        var cleared = await Send(daemon, HttpMethod.Patch, "/v1/networks/Routed", """{"noDns":true}""");
        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.Body);
        Assert.DoesNotContain("\"dns\"", cleared.Body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await Send(daemon, HttpMethod.Post, "/v1/vms", Vm1())).Status);
        var cloudInit = await Send(daemon, HttpMethod.Get, "/v1/vms/vm1/cloud-init");
        Assert.Equal(HttpStatusCode.OK, cloudInit.Status);
        Assert.StartsWith("application/yaml", cloudInit.ContentType, StringComparison.Ordinal);
        Assert.Equal(Cli(NoServer, StateDir, "vm", "cloud-init", "vm1").EnsureSuccess("vm cloud-init").Stdout, cloudInit.Body);
        Assert.StartsWith("version: 2\nethernets:\n  eth0:\n", cloudInit.Body, StringComparison.Ordinal);
    }
}

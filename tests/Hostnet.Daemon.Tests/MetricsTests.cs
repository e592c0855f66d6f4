using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary><c>GET /metrics</c>: Prometheus' text format, counts that match the state, counters that move.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class MetricsTests : IDisposable
{
    private const string NoServer = "hostnet-daemon-test-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-").FullName;

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$""")]
    private static partial Regex SampleLine();

    /// <summary>Every line parsed: a sample per <c>name{labels}</c>, as the text format defines them.</summary>
    private static async Task<Dictionary<string, double>> Scrape(RunningDaemon daemon)
    {
        using var response = await daemon.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal)) continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: '{line}'");
            var value = m.Groups[3].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.True(samples.TryAdd(m.Groups[1].Value + m.Groups[2].Value, value), $"a sample twice: '{line}'");
        }
        return samples;
    }

    private void Cli(string stateDir, params string[] args) =>
        HostnetCli.Run(["--netns", NoServer, "--state-dir", stateDir, .. args]).EnsureSuccess(string.Join(' ', args));

    [Fact]
    public async Task The_vms_and_adapters_are_counted_by_mode_and_state_and_requests_by_route()
    {
        var stateDir = Path.Combine(_dir, "state");
        Cli(stateDir, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        Cli(stateDir, "vm", "add", "vm1");
        Cli(stateDir, "adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201");
        Cli(stateDir, "adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.202");
        Cli(stateDir, "vm", "add", "vm2");
        Cli(stateDir, "vm", "add", "vm3");
        Cli(stateDir, "adapter", "add", "vm3", "--network", "Routed", "--ip", "192.168.200.203");
        using var daemon = RunningDaemon.Start(NoServer, stateDir, SocketPath);
        using (var r = await daemon.Http.GetAsync(new Uri("/v1/vms", UriKind.Relative))) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await daemon.Http.GetAsync(new Uri("/v1/vms/nosuch", UriKind.Relative))) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

        var m = await Scrape(daemon);

        Assert.Equal(2, m["hostnet_vms{mode=\"host-routed\",state=\"stopped\"}"]);
        Assert.Equal(1, m["hostnet_vms{mode=\"none\",state=\"stopped\"}"]);
        Assert.Equal(3, m["hostnet_adapters{mode=\"host-routed\",state=\"stopped\"}"]);
        // The server's namespace does not exist: the watch loop cannot start, and nothing applied.
        Assert.Equal(0, m["hostnet_applies_total{cause=\"apply\"}"]);
        Assert.Equal(0, m["hostnet_applies_total{cause=\"start\"}"]);
        Assert.Equal(0, m["hostnet_apply_duration_seconds_count"]);
        Assert.Equal(1, m["hostnet_http_requests_total{route=\"/v1/vms\",status=\"200\"}"]);
        Assert.Equal(1, m["hostnet_http_requests_total{route=\"/v1/vms/{name}\",status=\"404\"}"]);

        // The state is read at each scrape: a VM the CLI adds is counted at the next.
        Cli(stateDir, "vm", "add", "vm4");
        Assert.Equal(2, (await Scrape(daemon))["hostnet_vms{mode=\"none\",state=\"stopped\"}"]);
    }

    [PrivilegedFact]
    public async Task An_apply_through_the_API_is_counted_and_timed()
    {
        using var lab = Lab.Create();
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["192.168.200.201"]}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        var before = await Scrape(daemon);
        Assert.Equal(1, before["hostnet_vms{mode=\"host-routed\",state=\"running\"}"]);
        Assert.Equal(1, before["hostnet_adapters{mode=\"host-routed\",state=\"running\"}"]);
        // The state restored at start: one apply of the watch loop, and the kernel objects it made.
        Assert.Equal(1, before["hostnet_applies_total{cause=\"start\"}"]);
        Assert.Equal(1, before["hostnet_repairs_total{cause=\"start\"}"]);
        Assert.True(before["hostnet_kernel_operations_total{change=\"add\"}"] > 0);
        Assert.Equal(0, before["hostnet_applies_total{cause=\"apply\"}"]);
        Assert.True(before.ContainsKey("hostnet_seconds_since_resync"));

        for (var i = 0; i < 2; i++)
        {
            using var response = await daemon.Http.PostAsync(new Uri("/v1/apply?probe=false", UriKind.Relative), new StringContent("", Encoding.UTF8));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = await Scrape(daemon);
        Assert.Equal(2, after["hostnet_applies_total{cause=\"apply\"}"]);
        Assert.Equal(0, after["hostnet_apply_errors_total{cause=\"apply\"}"]);
        // Every apply is in the histogram, the watch loop's too.
        var all = after.Where(kv => kv.Key.StartsWith("hostnet_applies_total{", StringComparison.Ordinal)).Sum(kv => kv.Value);
        Assert.Equal(all, after["hostnet_apply_duration_seconds_count"]);
        Assert.Equal(all, after["hostnet_apply_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.True(after["hostnet_apply_duration_seconds_count"] >= before["hostnet_apply_duration_seconds_count"] + 2);
        Assert.True(after["hostnet_apply_duration_seconds_sum"] > 0);
        Assert.Equal(2, after["hostnet_http_requests_total{route=\"/v1/apply\",status=\"200\"}"]);
    }
}

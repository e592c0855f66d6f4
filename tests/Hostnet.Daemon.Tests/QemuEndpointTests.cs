using System.Net;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary><c>GET /v1/vms/{name}/qemu</c> and <c>/libvirt</c>: what <c>hostnet vm qemu-args</c> prints, and its line when refused.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class QemuEndpointTests : IDisposable
{
    private const string NoServer = "hncon-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hncon-qemu-").FullName;

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Cli(params string[] args)
    {
        var r = HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, .. args]);
        Assert.True(r.ExitCode == 0, $"hostnet {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    [Fact]
    public async Task A_tap_guests_snippets_are_what_the_CLI_prints_and_a_netns_guest_is_refused_with_its_line()
    {
        Cli("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        Cli("vm", "add", "vm4", "--uuid", "4980d06a-0000-4000-8000-000000000004", "--guest", "tap");
        Cli("adapter", "add", "vm4", "--network", "Routed", "--ip", "192.168.200.204");
        Cli("vm", "add", "vm1", "--guest", "netns");
        Cli("adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201");
        using var daemon = RunningDaemon.Start(NoServer, StateDir, Path.Combine(_dir, "h.sock"));

        using var qemu = await daemon.Http.GetAsync(new Uri("/v1/vms/vm4/qemu", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, qemu.StatusCode);
        var printed = Cli("--json", "vm", "qemu-args", "vm4");
        Assert.Contains("ifname=vme4980d06a.0", printed, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(printed), JsonNode.Parse(await qemu.Content.ReadAsStringAsync())));

        using var libvirt = await daemon.Http.GetAsync(new Uri("/v1/vms/vm4/libvirt", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, libvirt.StatusCode);
        Assert.Equal("application/xml", libvirt.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Cli("vm", "qemu-args", "vm4", "--libvirt"), await libvirt.Content.ReadAsStringAsync());

        using var refused = await daemon.Http.GetAsync(new Uri("/v1/vms/vm1/qemu", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var line = HostnetCli.Run(["--netns", NoServer, "--state-dir", StateDir, "vm", "qemu-args", "vm1"]).Stderr.Trim();
        Assert.StartsWith("hostnet: error: ", line, StringComparison.Ordinal);
        Assert.Equal(line["hostnet: error: ".Length..], JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());
    }
}

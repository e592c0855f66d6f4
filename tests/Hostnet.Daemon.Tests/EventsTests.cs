using System.Net;
using System.Text;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary><c>GET /v1/events</c>: a subscriber reads the <c>applied</c> event of an apply made through the API.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EventsTests : IDisposable
{
    private const string Vm1Ip = RoutedLab.Vm1Ip;

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [PrivilegedFact]
    public async Task A_subscriber_reads_the_applied_events_of_a_write_and_of_an_apply()
    {
        using var lab = Lab.Create();
        RoutedLab.ImportRunningVm1(lab);
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));
        using var events = await EventStream.Subscribe(daemon);

        // A write the running VM follows: its steps.
        using (var stop = await daemon.Http.PostAsync(new Uri("/v1/vms/vm1/stop", UriKind.Relative), new StringContent("", Encoding.UTF8)))
            Assert.True(stop.StatusCode == HttpStatusCode.OK, await stop.Content.ReadAsStringAsync());
        var (stopped, _) = await events.Until("applied", _ => true);
        using (stopped)
            Assert.Contains(stopped.RootElement.GetProperty("steps").EnumerateArray(),
                s => s.GetProperty("change").GetString() == "remove" && s.GetProperty("object").GetString() == "proxy " + Vm1Ip + " dev eth0");

        // An apply: the document it answers.
        using var response = await daemon.Http.PostAsync(new Uri("/v1/apply?probe=false", UriKind.Relative), new StringContent("", Encoding.UTF8));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var (applied, _) = await events.Until("applied", _ => true);
        using (applied)
        using (var answered = JsonDocument.Parse(body))
            Assert.True(JsonElement.DeepEquals(answered.RootElement, applied.RootElement), applied.RootElement.ToString());
    }

    [Fact]
    public async Task A_failed_apply_is_an_error_event_with_its_problem()
    {
        // The server's namespace does not exist: the apply fails before it changes anything.
        using var daemon = RunningDaemon.Start("hostnet-daemon-test-no-server", Path.Combine(_dir, "state"), Path.Combine(_dir, "h.sock"));
        using var events = await EventStream.Subscribe(daemon);

        using var response = await daemon.Http.PostAsync(new Uri("/v1/apply", UriKind.Relative), new StringContent("", Encoding.UTF8));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);

        // The watch loop, which cannot start either, tells its own errors meanwhile (their detail begins with "watch: ").
        var (problem, _) = await events.Until("error", d => !d.GetProperty("detail").GetString()!.StartsWith("watch: ", StringComparison.Ordinal));
        using (problem)
        using (var answered = JsonDocument.Parse(body))
        {
            Assert.Equal(answered.RootElement.GetProperty("detail").GetString(), problem.RootElement.GetProperty("detail").GetString());
            Assert.Equal(answered.RootElement.GetProperty("code").GetString(), problem.RootElement.GetProperty("code").GetString());
        }
    }
}

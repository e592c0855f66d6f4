using System.Net;
using System.Text.Json;

namespace Hostnet.Daemon.Tests;

/// <summary><c>GET /openapi/v1.json</c>: an OpenAPI 3.1 document that lists every route the daemon serves.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OpenApiTests : IDisposable
{
    private const string NoServer = "hostnet-daemon-test-no-server";

    /// <summary>The routes of issue 15's contract (method and path); those the daemon answers must be in the document.</summary>
    private static readonly (string Method, string Path)[] Contract =
    [
        ("get", "/v1/networks"), ("post", "/v1/networks"), ("get", "/v1/networks/{name}"), ("put", "/v1/networks/{name}"), ("patch", "/v1/networks/{name}"), ("delete", "/v1/networks/{name}"),
        ("get", "/v1/vms"), ("post", "/v1/vms"), ("get", "/v1/vms/{name}"), ("put", "/v1/vms/{name}"), ("delete", "/v1/vms/{name}"),
        ("post", "/v1/vms/{name}/start"), ("post", "/v1/vms/{name}/stop"), ("post", "/v1/vms/{name}/adapters"),
        ("patch", "/v1/vms/{name}/adapters/{adapter}"), ("delete", "/v1/vms/{name}/adapters/{adapter}"),
        ("get", "/v1/plan"), ("post", "/v1/apply"), ("get", "/v1/arp"), ("get", "/v1/routes"), ("get", "/v1/trace"),
        ("get", "/v1/events"), ("get", "/metrics"), ("get", "/openapi/v1.json"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("hostnet-daemon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_document_is_openapi_3_1_and_lists_every_route_the_daemon_answers()
    {
        using var daemon = RunningDaemon.Start(NoServer, Path.Combine(_dir, "state"), Path.Combine(_dir, "h.sock"));

        using var response = await daemon.Http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.1.", doc.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("info").GetProperty("title").GetString()));
        var paths = doc.RootElement.GetProperty("paths");

        var served = 0;
        foreach (var (method, path) in Contract)
        {
            // A route the daemon maps answers anything but 404 no-such-route, and 405 when only another method is mapped on its path.
            bool mapped;
            if (path == "/v1/events")
            {
                mapped = true; // a stream does not end: asked for below only through the document
            }
            else
            {
                var probe = path.Replace("{name}", "nosuch", StringComparison.Ordinal).Replace("{adapter}", "0", StringComparison.Ordinal);
                // apply with a malformed query: refused before anything is applied.
                if (path == "/v1/apply") probe += "?probe=x";
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), new Uri(probe, UriKind.Relative));
                using var answer = await daemon.Http.SendAsync(request);
                var body = await answer.Content.ReadAsStringAsync();
                mapped = answer.StatusCode != HttpStatusCode.MethodNotAllowed
                    && !(answer.StatusCode == HttpStatusCode.NotFound && body.Contains("\"no-such-route\"", StringComparison.Ordinal));
            }
            if (!mapped) continue;
            served++;
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is served but not in the document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method.ToUpperInvariant()} {path} is served but not in the document");
            Assert.True(operation.GetProperty("responses").GetProperty("default").GetProperty("content").TryGetProperty("application/problem+json", out _));
            var parameters = operation.TryGetProperty("parameters", out var p) ? p.EnumerateArray().Select(x => x.GetProperty("name").GetString()).ToList() : [];
            foreach (var name in new[] { "name", "adapter" }.Where(n => path.Contains("{" + n + "}", StringComparison.Ordinal)))
                Assert.Contains(name, parameters);
        }
        // The routes this daemon has always served are among them.
        Assert.True(served >= 12, $"only {served} routes of the contract are served");
        foreach (var path in new[] { "/v1/vms/{name}", "/v1/apply", "/v1/trace", "/v1/events", "/metrics", "/openapi/v1.json" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        foreach (var path in new[] { "/v1/vms/{name}", "/v1/networks/{name}" })
            Assert.True(paths.GetProperty(path).TryGetProperty("put", out _), "PUT " + path);
    }
}

using System.Net;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests.Console;

/// <summary>
/// The console's page and assets as the daemon serves them from its binary: the right content types, an ETag
/// the browser revalidates with, a policy that allows nothing but the daemon itself, and a problem for a file
/// it does not have. The state needs no server: the page is the same whatever it shows.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleAssetsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hncon-assets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RunningDaemon Start() =>
        RunningDaemon.Start("hncon-no-server", Path.Combine(_dir, "state"), Path.Combine(_dir, "h.sock"));

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/vms/vm1", "text/html")]
    [InlineData("/console/app.js", "text/javascript")]
    [InlineData("/console/topology.js", "text/javascript")]
    [InlineData("/console/console.css", "text/css")]
    [InlineData("/console/icon.svg", "image/svg+xml")]
    public async Task Each_file_is_served_with_its_content_type_and_revalidated_by_its_ETag(string path, string type)
    {
        using var daemon = Start();
        using var first = await daemon.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(type, first.Content.Headers.ContentType?.MediaType);
        Assert.True((await first.Content.ReadAsByteArrayAsync()).Length > 100);
        Assert.Contains("no-cache", first.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal("nosniff", first.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.StartsWith("default-src 'self'", first.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var etag = first.Headers.ETag ?? throw new InvalidOperationException($"{path} has no ETag");

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        again.Headers.IfNoneMatch.Add(etag);
        using var second = await daemon.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public void The_page_as_curl_reads_it_loads_only_the_daemons_own_assets()
    {
        using var daemon = Start();
        var r = Sh.Run("curl", ["-sS", "--fail", "--unix-socket", daemon.Socket, "http://hostnet/"]).EnsureSuccess("curl /");
        Assert.Contains("<title>Hostnet console</title>", r.Stdout, StringComparison.Ordinal);
        // Every script and stylesheet the page names is on this daemon (no CDN: an isolated management network has none).
        var referenced = System.Text.RegularExpressions.Regex.Matches(r.Stdout, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/console/app.js", referenced);
        Assert.Contains("/console/console.css", referenced);
        Assert.All(referenced.Where(u => u != "/" && !u.StartsWith('#')), u =>
        {
            Assert.StartsWith("/console/", u, StringComparison.Ordinal);
            Sh.Run("curl", ["-sS", "--fail", "-o", "/dev/null", "--unix-socket", daemon.Socket, "http://hostnet" + u]).EnsureSuccess("curl " + u);
        });
    }

    [Fact]
    public async Task A_file_the_console_does_not_have_is_a_404_problem()
    {
        using var daemon = Start();
        using var response = await daemon.Http.GetAsync(new Uri("/console/nosuch.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("the console has no file nosuch.js", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

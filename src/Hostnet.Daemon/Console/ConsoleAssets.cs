using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon.Console;

/// <summary>
/// The console: a page and its assets, embedded in the binary (no CDN, nothing fetched from anywhere but this
/// daemon, so that it works on an isolated management network). <c>/</c> and <c>/vms/{name}</c> answer the page
/// (the VM page is a route of the page's own script), <c>/console/{file}</c> an asset. They are ordinary routes of
/// the daemon: whatever guards its API guards them.
/// </summary>
internal static class ConsoleAssets
{
    /// <summary>The prefix of the assets' manifest resource names (their LogicalName in the project file).</summary>
    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every asset by its file name, read once: a few tens of KiB.</summary>
    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html"));
        app.MapGet("/vms/{name}", (HttpContext http) => Serve(http, "index.html"));
        app.MapGet("/console/{file}", (HttpContext http, string file) => Serve(http, file));
    }

    /// <summary>The asset named <paramref name="file"/>, or a 404 problem; 304 when the browser's copy is this one.</summary>
    private static Task Serve(HttpContext http, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
            return Problems.Write(http, new ProblemDocument("about:blank", "Not Found", StatusCodes.Status404NotFound,
                $"the console has no file {file}", "no-such-route"));
        var headers = http.Response.Headers;
        // Revalidated on every load (a new binary brings new assets), answered by a 304 when unchanged.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        // Nothing but this daemon: no inline script, no other origin, no framing.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        headers["Referrer-Policy"] = "no-referrer";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Bytes.Length;
        return http.Response.Body.WriteAsync(asset.Bytes, http.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            var file = name[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(file), out var type)) continue;
            var bytes = Read(assembly, name);
            assets[file] = new Asset(bytes, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"the console asset {name} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}

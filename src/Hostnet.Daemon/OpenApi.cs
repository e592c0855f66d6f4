using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hostnet.Daemon;

/// <summary>
/// <c>GET /openapi/v1.json</c>: an OpenAPI 3.1 document of the routes this daemon maps, read from its
/// endpoints when asked (a route mapped anywhere is in it by itself): each path with its methods, its path
/// parameters, and the RFC 9457 problem every route may answer. Written with <see cref="Utf8JsonWriter"/>.
/// </summary>
internal static class OpenApi
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/openapi/v1.json", Write);

    private static async Task Write(HttpContext context)
    {
        var routes = context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                Parameters: e.RoutePattern.Parameters.Select(p => p.Name).ToList(),
                Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .GroupBy(r => r.Path, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);

        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("openapi", "3.1.0");
            json.WriteStartObject("info");
            json.WriteString("title", "Hostnet daemon");
            json.WriteString("description", "The application layer of one server: every answer the JSON of the CLI's --json, every error an RFC 9457 problem whose detail is the CLI's line.");
            json.WriteString("version", "1");
            json.WriteEndObject();
            json.WriteStartObject("paths");
            foreach (var path in routes)
            {
                json.WriteStartObject(path.Key);
                foreach (var route in path)
                    foreach (var method in route.Methods.Distinct(StringComparer.OrdinalIgnoreCase))
                        Operation(json, method, path.Key, route.Parameters);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            Components(json);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static void Operation(Utf8JsonWriter json, string method, string path, IReadOnlyList<string> parameters)
    {
        json.WriteStartObject(method.ToLowerInvariant());
        json.WriteString("operationId", method.ToLowerInvariant() + string.Concat(path.Split('/', '{', '}').Where(s => s.Length > 0).Select(s => char.ToUpperInvariant(s[0]) + s[1..])));
        if (path == "/v1/events") json.WriteString("description", Events.Description);
        if (parameters.Count > 0)
        {
            json.WriteStartArray("parameters");
            foreach (var p in parameters)
            {
                json.WriteStartObject();
                json.WriteString("name", p);
                json.WriteString("in", "path");
                json.WriteBoolean("required", true);
                json.WriteStartObject("schema");
                json.WriteString("type", "string");
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteStartObject("responses");
        json.WriteStartObject("200");
        json.WriteString("description", "The document the CLI's --json prints for the same request");
        json.WriteEndObject();
        json.WriteStartObject("default");
        json.WriteString("description", "A problem: detail is the one line the CLI prints after 'hostnet: error: '");
        json.WriteStartObject("content");
        json.WriteStartObject("application/problem+json");
        json.WriteStartObject("schema");
        json.WriteString("$ref", "#/components/schemas/Problem");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The problem of RFC 9457 as <see cref="ProblemDocument"/> writes it.</summary>
    private static void Components(Utf8JsonWriter json)
    {
        json.WriteStartObject("components");
        json.WriteStartObject("schemas");
        json.WriteStartObject("Problem");
        json.WriteString("type", "object");
        json.WriteStartArray("required");
        foreach (var r in new[] { "type", "title", "status", "detail" }) json.WriteStringValue(r);
        json.WriteEndArray();
        json.WriteStartObject("properties");
        foreach (var (name, type) in new[] { ("type", "string"), ("title", "string"), ("status", "integer"), ("detail", "string"), ("code", "string") })
        {
            json.WriteStartObject(name);
            json.WriteString("type", type);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }
}

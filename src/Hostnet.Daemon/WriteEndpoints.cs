using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Frontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace Hostnet.Daemon;

/// <summary>
/// What <c>POST /v1/vms/{name}/adapters</c> takes: <c>hostnet adapter add</c>'s options; <paramref name="Protect"/>
/// and <paramref name="NoProtect"/> are <c>--protect</c> and <c>--no-protect</c> (<c>["mac", "server"]</c>).
/// </summary>
/// <paramref name="Gateway6"/> is a dual-stack adapter's IPv6 gateway beside the IPv4 <paramref name="Gateway"/>.
public sealed record AdapterAddRequest(string Network, IReadOnlyList<string>? Ips, string? Gateway, string? Mac,
    IReadOnlyList<string>? Protect = null, IReadOnlyList<string>? NoProtect = null, string? Gateway6 = null);

/// <summary>
/// What <c>PATCH /v1/vms/{name}/adapters/{adapter}</c> takes: <c>hostnet adapter set</c>'s options. What is
/// given replaces what the adapter had (<paramref name="Ips"/> all its addresses), the rest stays;
/// <paramref name="NoIp"/> and <paramref name="NoGateway"/> are <c>--no-ip</c> and <c>--no-gateway</c>,
/// <paramref name="Protect"/> and <paramref name="NoProtect"/> <c>--protect</c> and <c>--no-protect</c>.
/// </summary>
/// <paramref name="Gateway"/> and <paramref name="Gateway6"/> given replace both gateways the adapter had.
public sealed record AdapterSetRequest(string? Network, IReadOnlyList<string>? Ips, string? Gateway, string? Mac, bool? NoIp, bool? NoGateway,
    IReadOnlyList<string>? Protect = null, IReadOnlyList<string>? NoProtect = null, string? Gateway6 = null);

/// <summary>
/// What <c>PATCH /v1/networks/{name}</c> takes: <c>hostnet network set</c>'s options, <paramref name="ServerPorts"/>
/// (<c>["tcp/53", "udp/53"]</c>, replacing the network's) or <paramref name="NoServerPorts"/>, and
/// <paramref name="Gateway6"/>, a host-routed network's IPv6 gateway.
/// </summary>
public sealed record NetworkSetRequest(IReadOnlyList<string>? ServerPorts, bool? NoServerPorts, string? Gateway6 = null)
{
    /// <summary><c>--dhcp</c> (true) or <c>--no-dhcp</c> (false); left out: unchanged.</summary>
    public bool? Dhcp { get; init; }

    /// <summary><c>--dns</c>: the DNS servers handed to the guests, replacing the network's.</summary>
    public IReadOnlyList<string>? Dns { get; init; }

    /// <summary><c>--no-dns</c>.</summary>
    public bool? NoDns { get; init; }
}

/// <summary>
/// The request bodies, read by source generation (NativeAOT) and strictly: a member the document does not
/// have is refused, never ignored, so that a misspelt field cannot pass for a default.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(NetworkDocument))]
[JsonSerializable(typeof(VmDocument))]
[JsonSerializable(typeof(AdapterAddRequest))]
[JsonSerializable(typeof(AdapterSetRequest))]
[JsonSerializable(typeof(NetworkSetRequest))]
internal sealed partial class RequestJsonContext : JsonSerializerContext;

/// <summary>
/// The routes of API version 1 that change the state: each reads its body, calls the application layer as
/// the CLI command does, and answers what GET would (or nothing, for a deletion).
/// </summary>
internal static class WriteEndpoints
{
    /// <summary>The largest body read: a VM with many adapters is a few KiB.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private static HostnetJsonContext Types => HostnetJsonContext.Default;

    private static RequestJsonContext Requests => RequestJsonContext.Default;

    public static void MapWrites(this IEndpointRouteBuilder app, HostAgent agent)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/networks", (HttpRequest http) => Read(http, Requests.NetworkDocument, "a network as `hostnet export` writes it", doc =>
        {
            var net = agent.StateFile.ImportNetwork(doc);
            return Created($"/v1/networks/{net.Name}", Documents.Network(agent.Networks.Show(net.Name)), Types.NetworkDetailsDocument);
        }));
        // PUT: create or replace with POST's body; the same body again answers 200 and changes nothing.
        v1.MapPut("/networks/{name}", (string name, HttpRequest http) => Read(http, Requests.NetworkDocument, "a network as `hostnet export` writes it", doc =>
            Named(doc.Name, name, "network") ?? Put(agent.StateFile.PutNetwork(doc with { Name = name }).Outcome, $"/v1/networks/{name}",
                Documents.Network(agent.Networks.Show(name)), Types.NetworkDetailsDocument)));
        v1.MapPatch("/networks/{name}", (string name, HttpRequest http) => Read(http, Requests.NetworkSetRequest, "a change of a network", body =>
        {
            agent.Networks.Set(name, body.ServerPorts, body.NoServerPorts ?? false, body.Gateway6, body.Dhcp, body.Dns, body.NoDns ?? false);
            return Json(Documents.Network(agent.Networks.Show(name)), Types.NetworkDetailsDocument);
        }));
        v1.MapDelete("/networks/{name}", (string name) =>
        {
            agent.Networks.Remove(name);
            return Results.NoContent();
        });

        v1.MapPost("/vms", (HttpRequest http) => Read(http, Requests.VmDocument, "a VM as `hostnet export` writes it", doc =>
        {
            var vm = agent.StateFile.ImportVm(doc);
            return Created($"/v1/vms/{vm.Name}", Documents.Vm(agent.Vms.Show(vm.Name)), Types.VmDocument);
        }));
        v1.MapPut("/vms/{name}", (string name, HttpRequest http) => Read(http, Requests.VmDocument, "a VM as `hostnet export` writes it", doc =>
            Named(doc.Name, name, "VM") ?? Put(agent.StateFile.PutVm(doc with { Name = name }).Outcome, $"/v1/vms/{name}",
                Documents.Vm(agent.Vms.Show(name)), Types.VmDocument)));
        v1.MapDelete("/vms/{name}", (string name) =>
        {
            agent.Vms.Remove(name);
            return Results.NoContent();
        });
        // ?probe=false is the CLI's --no-probe.
        v1.MapPost("/vms/{name}/start", (string name, bool? probe) =>
        {
            agent.Vms.Start(name, probe ?? true);
            return Json(Documents.Vm(agent.Vms.Show(name)), Types.VmDocument);
        });
        v1.MapPost("/vms/{name}/stop", (string name) =>
        {
            agent.Vms.Stop(name);
            return Json(Documents.Vm(agent.Vms.Show(name)), Types.VmDocument);
        });

        v1.MapPost("/vms/{name}/adapters", (string name, HttpRequest http) => Read(http, Requests.AdapterAddRequest, "an adapter", body =>
        {
            var added = agent.Adapters.Add(name, body.Network, body.Ips ?? [], body.Gateway, body.Mac, body.Protect, body.NoProtect, body.Gateway6);
            return Created($"/v1/vms/{name}/adapters/{added.Adapter.Name}", Adapter(added), Types.AdapterDocument);
        }));
        v1.MapPatch("/vms/{name}/adapters/{adapter}", (string name, string adapter, HttpRequest http) =>
            Read(http, Requests.AdapterSetRequest, "a change of an adapter", body =>
                Json(Adapter(agent.Adapters.Set(name, adapter, body.Network, body.Ips, body.Gateway, body.Mac,
                    clearAddresses: body.NoIp ?? false, clearGateway: body.NoGateway ?? false, body.Protect, body.NoProtect, body.Gateway6)), Types.AdapterDocument)));
        v1.MapDelete("/vms/{name}/adapters/{adapter}", (string name, string adapter) =>
        {
            agent.Adapters.Remove(name, adapter);
            return Results.NoContent();
        });
    }

    /// <summary>A body that names another resource than the URL does is refused; one that names none is the URL's.</summary>
    private static ProblemResult? Named(string? inBody, string inUrl, string what) =>
        inBody is null || string.Equals(inBody, inUrl, StringComparison.Ordinal)
            ? null
            : BadBody("name-mismatch", $"the body names {what} {inBody} but the URL {inUrl}: PUT a {what} to its own URL");

    /// <summary>201 with the location when PUT created it, 200 when it replaced it or found it the same.</summary>
    private static IResult Put<T>(PutOutcome outcome, string location, T document, JsonTypeInfo<T> type) =>
        outcome == PutOutcome.Created ? Created(location, document, type) : Json(document, type);

    /// <summary>An adapter as <c>GET /v1/vms/{name}</c> lists it.</summary>
    private static AdapterDocument Adapter(AdapterView view) => ToDocument.Adapter(view.Vm, view.Adapter, view.Network, details: true);

    /// <summary>
    /// The body as <paramref name="type"/>, handed to <paramref name="change"/>; a body over
    /// <see cref="MaxBodyBytes"/>, malformed or with a member the document lacks is refused with a 400
    /// problem before anything changes.
    /// </summary>
    private static async Task<IResult> Read<T>(HttpRequest http, JsonTypeInfo<T> type, string what, Func<T, IResult> change)
    {
        var body = await ReadBounded(http).ConfigureAwait(false);
        if (body is null)
            return BadBody("body-too-large", $"the request body is larger than {MaxBodyBytes / (1024 * 1024)} MiB");
        T? document;
        try
        {
            document = JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException e)
        {
            return BadBody("body-malformed", $"the request body is not {what}: {Reason(e)}");
        }
        return document is null ? BadBody("body-malformed", $"the request body is not {what}: it is null") : change(document);
    }

    /// <summary>The body's bytes, or null past the limit: a body is never read whole before it is known to fit.</summary>
    private static async Task<byte[]?> ReadBounded(HttpRequest http)
    {
        if (http.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await http.Body.ReadAsync(chunk, http.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Why the body was refused, in one line that names where and never a .NET type.</summary>
    private static string Reason(JsonException e)
    {
        var at = e.Path is { Length: > 0 } p ? p : "$";
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal)) return $"unknown member at {at}";
        if (e.Message.Contains("could not be converted", StringComparison.Ordinal)) return $"a value of the wrong kind at {at}";
        return e.LineNumber is { } line ? $"malformed JSON at {at} (line {line + 1})" : $"malformed JSON at {at}";
    }

    private static ProblemResult BadBody(string code, string detail) =>
        new(new ProblemDocument("about:blank", ReasonPhrases.GetReasonPhrase(StatusCodes.Status400BadRequest), StatusCodes.Status400BadRequest,
            detail, code));

    private static ContractJson<T> Json<T>(T document, JsonTypeInfo<T> type) => new(document, type);

    private static CreatedJson<T> Created<T>(string location, T document, JsonTypeInfo<T> type) => new(location, new ContractJson<T>(document, type));
}

/// <summary>201 Created: where the new resource is, and its document as GET answers it.</summary>
internal sealed class CreatedJson<T>(string location, ContractJson<T> document) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status201Created;
        httpContext.Response.Headers.Location = location;
        return document.ExecuteAsync(httpContext);
    }
}

/// <summary>A problem the endpoint itself found (a body it cannot read), written as the middleware writes one.</summary>
internal sealed class ProblemResult(ProblemDocument problem) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return Problems.Write(httpContext, problem);
    }
}

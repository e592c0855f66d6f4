using System.Text.Json.Serialization.Metadata;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Frontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>
/// The routes of API version 1: each a line that calls the application layer and answers the document the
/// CLI's <c>--json</c> prints for the same thing (<see cref="Documents"/>).
/// </summary>
internal static class Endpoints
{
    private static HostnetJsonContext Types => HostnetJsonContext.Default;

    public static void Map(IEndpointRouteBuilder app, HostAgent agent)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/networks", () => Json(Documents.Networks(agent.Networks.List()), Types.IReadOnlyListNetworkDocument));
        v1.MapGet("/networks/{name}", (string name) => Json(Documents.Network(agent.Networks.Show(name)), Types.NetworkDetailsDocument));
        v1.MapGet("/vms", () => Json(Documents.Vms(agent.Vms.List()), Types.IReadOnlyListVmDocument));
        v1.MapGet("/vms/{name}", (string name) => Json(Documents.Vm(agent.Vms.Show(name)), Types.VmDocument));
        v1.MapGet("/plan", () => Json(Documents.Plan(agent.Kernel.Plan()), Types.PlanDocument));
        // ?probe=false is the CLI's --no-probe.
        v1.MapPost("/apply", (bool? probe) => Json(Documents.Applied(agent.Kernel.Apply(probe ?? true)), Types.PlanDocument));
        v1.MapGet("/arp", () => Json(agent.Kernel.Arp(), Types.IReadOnlyListArpRowDocument));
        v1.MapGet("/ndp", () => Json(agent.Kernel.Ndp(), Types.IReadOnlyListArpRowDocument));
        v1.MapGet("/routes", () => Json(agent.Kernel.Routes(), Types.IReadOnlyListRouteDocument));
        app.MapWrites(agent);
        TraceEndpoint.Map(app, agent);
        Events.Map(app);
        Metrics.Map(app, agent);
        OpenApi.Map(app);
        QemuEndpoint.Map(app, agent);
        Console.ConsoleAssets.Map(app);
    }

    private static ContractJson<T> Json<T>(T document, JsonTypeInfo<T> type) => new(document, type);
}

/// <summary>
/// A contract document as the answer, in the very bytes <c>--json</c> prints (the contract's own
/// serialization, indented, a final newline): a script reads the same text from either front end.
/// </summary>
internal sealed class ContractJson<T>(T document, JsonTypeInfo<T> type) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        return httpContext.Response.WriteAsync(HostnetJson.Write(document, type) + "\n", httpContext.RequestAborted);
    }
}

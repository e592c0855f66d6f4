using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>What a <c>repaired</c> event carries: why the watch loop applied, and the steps it carried out.</summary>
public sealed record RepairedDocument(string Why, IReadOnlyList<PlanStepDocument> Steps);

/// <summary>What a <c>changed</c> event carries: the networks and VMs of the state added, changed or removed, by name.</summary>
public sealed record ChangedDocument(IReadOnlyList<string> Networks, IReadOnlyList<string> Vms);

/// <summary>
/// <c>GET /v1/events</c>: a Server-Sent Events stream of what this daemon does. The event names and their
/// data are a contract (a console reads them):
/// <list type="bullet">
/// <item><c>applied</c>: an apply a request ran (<c>POST /v1/apply</c>, or a write a running VM follows:
/// start, stop, an adapter added…) carried out; data: the plan document of its steps.</item>
/// <item><c>repaired</c>: the watch loop found the kernel apart from the state and put it back (a kernel
/// change, the periodic resync, the state restored at start); data: <see cref="RepairedDocument"/>.</item>
/// <item><c>changed</c>: the state differs from what the watch loop saw before (a request, the CLI);
/// data: <see cref="ChangedDocument"/>.</item>
/// <item><c>refused</c>: a write refused because an address answers on the LAN (the probe); data: its problem.</item>
/// <item><c>error</c>: a write, an apply or a watch cycle that failed; data: its problem.</item>
/// </list>
/// Each subscriber has a bounded queue; one that does not keep up loses its oldest events, never slows a write.
/// </summary>
internal static class Events
{
    public const string AppliedEvent = "applied";
    public const string RepairedEvent = "repaired";
    public const string ChangedEvent = "changed";
    public const string RefusedEvent = "refused";
    public const string ErrorEvent = "error";

    /// <summary>The stream as the OpenAPI document describes it.</summary>
    public const string Description =
        "text/event-stream. applied: an apply a request ran (POST /v1/apply, or a write a running VM follows); data: the plan document of its steps. "
        + "repaired: the watch loop put the kernel back to the state; data: {why: start|kernel change|state change|periodic|retry, steps}. "
        + "changed: the state differs from what the watch loop saw before; data: {networks, vms} (names added, changed or removed). "
        + "refused: a write refused because an address answers on the LAN; data: its problem. "
        + "error: a write, apply or watch cycle that failed; data: its problem.";

    /// <summary>Events a subscriber may fall behind by before the oldest are dropped.</summary>
    private const int Backlog = 256;

    private static readonly Lock Gate = new();
    private static readonly List<Channel<string>> Subscribers = [];

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/v1/events", Stream);

    /// <summary>Sends <paramref name="name"/> with <paramref name="json"/> (one document, on as many data lines as it has) to every subscriber.</summary>
    public static void Publish(string name, string json)
    {
        var frame = new StringBuilder("event: ").Append(name).Append('\n');
        foreach (var line in json.Split('\n')) frame.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        var text = frame.Append('\n').ToString();
        lock (Gate)
            foreach (var s in Subscribers) s.Writer.TryWrite(text);
    }

    /// <summary>An apply done: <c>applied</c> for a request's, <c>repaired</c> for a watch cycle that changed something.</summary>
    public static void Applied(ApplyReport report)
    {
        if (report.Failure is not null) return;
        if (!report.ByWatch)
            Publish(AppliedEvent, HostnetJson.Write(ToDocument.Plan(report.Done, []), HostnetJsonContext.Default.PlanDocument));
        else if (!report.Done.IsEmpty)
            Publish(RepairedEvent, JsonSerializer.Serialize(new RepairedDocument(report.Cause, ToDocument.Plan(report.Done, []).Steps),
                DaemonJsonContext.Readable.RepairedDocument));
    }

    public static void Changed(IReadOnlyList<string> networks, IReadOnlyList<string> vms) =>
        Publish(ChangedEvent, JsonSerializer.Serialize(new ChangedDocument(networks, vms), DaemonJsonContext.Readable.ChangedDocument));

    /// <summary>A failure: <c>refused</c> when the probe refused an address, <c>error</c> otherwise.</summary>
    public static void Failed(ProblemDocument problem) =>
        Publish(problem.Code == Problems.AddressAnswers ? RefusedEvent : ErrorEvent, JsonSerializer.Serialize(problem, DaemonJsonContext.Readable.ProblemDocument));

    /// <summary>A failure of the watch loop (<paramref name="why"/>: the cycle's cause), as a problem.</summary>
    public static void Failed(Exception e, string why)
    {
        var problem = Problems.Of(e);
        Failed(problem with { Detail = why + ": " + problem.Detail });
    }

    private static async Task Stream(HttpContext context)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Backlog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (Gate) Subscribers.Add(channel);
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            // A comment first: the subscriber knows it is subscribed before the first event.
            await context.Response.WriteAsync(": subscribed\n\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            await foreach (var frame in channel.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                await context.Response.WriteAsync(frame, context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The subscriber went away.
        }
        finally
        {
            lock (Gate) Subscribers.Remove(channel);
        }
    }
}

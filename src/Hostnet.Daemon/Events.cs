using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Hostnet.Agent.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>
/// <c>GET /v1/events</c>: a Server-Sent Events stream of what this daemon does: <c>applied</c> (the plan
/// document of what an apply carried out) and <c>error</c> (the problem of a write that failed). Each
/// subscriber has a bounded queue; one that does not keep up loses its oldest events, never slows a write.
/// </summary>
internal static class Events
{
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

/// <summary>A write of the daemon that applies: timed and counted (<see cref="Metrics"/>), and told (<see cref="Events"/>).</summary>
internal static class Applies
{
    public static PlanDocument Observe(Func<PlanDocument> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        var clock = Stopwatch.StartNew();
        PlanDocument applied;
        try
        {
            applied = apply();
        }
        catch (Exception e)
        {
            Metrics.Applied(clock.Elapsed.TotalSeconds, failed: true);
            Events.Publish("error", JsonSerializer.Serialize(Problems.Of(e), DaemonJsonContext.Readable.ProblemDocument));
            throw;
        }
        Metrics.Applied(clock.Elapsed.TotalSeconds, failed: false);
        Events.Publish("applied", HostnetJson.Write(applied, HostnetJsonContext.Default.PlanDocument));
        return applied;
    }
}

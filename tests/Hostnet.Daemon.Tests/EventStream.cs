using System.Net;
using System.Text;
using System.Text.Json;

namespace Hostnet.Daemon.Tests;

/// <summary>A subscription to <c>GET /v1/events</c>, read frame by frame.</summary>
internal sealed class EventStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>Subscribes; returns once the daemon's first comment has arrived, so that what happens after is told.</summary>
    public static async Task<EventStream> Subscribe(RunningDaemon daemon)
    {
        var response = await daemon.Http.GetAsync(new Uri("/v1/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        try
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith(":", await reader.ReadLineAsync());
            return new EventStream(response, reader);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The next frame: its event name and its data lines joined.</summary>
    public async Task<(string? Event, string Data)> Next(CancellationToken cancel)
    {
        string? name = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancel) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (name is null && data.Length == 0) continue;
                return (name, data.ToString());
            }
            if (line.StartsWith(':')) continue;
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(data.Length > 0 ? "\n" : "").Append(line["data: ".Length..]);
        }
    }

    /// <summary>
    /// Reads frames until one named <paramref name="name"/> whose data <paramref name="match"/> accepts; the frames
    /// read on the way are returned with it. Waits at most a minute: a bound on a hang, not a measured duration.
    /// </summary>
    public async Task<(JsonDocument Data, IReadOnlyList<string> Seen)> Until(string name, Func<JsonElement, bool> match)
    {
        using var within = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var seen = new List<string>();
        while (true)
        {
            var (e, data) = await Next(within.Token);
            seen.Add($"{e}: {data}");
            if (e != name) continue;
            var json = JsonDocument.Parse(data);
            if (match(json.RootElement)) return (json, seen);
            json.Dispose();
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}

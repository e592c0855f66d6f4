using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests.Console;

/// <summary>
/// Debian's headless <c>chromium</c> in a network namespace of the test's own (<c>hncon-…</c>, only lo in it),
/// driven over the Chrome DevTools Protocol: one page, attached in flat mode, commands sent and answered over
/// one WebSocket. The DevTools port is the one chromium picked and wrote into DevToolsActivePort; the
/// WebSocket's socket is made inside the namespace, where that port is. Dispose kills chromium and removes
/// the namespace and the profile.
/// </summary>
internal sealed class Browser : IDisposable
{
    private readonly Process _chromium;
    private readonly string _profile;
    private readonly ClientWebSocket _ws = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _errors = [];
    private Task _receiving = Task.CompletedTask;
    private int _id;
    private string? _session;

    private Browser(string netns, Process chromium, string profile)
    {
        Netns = netns;
        _chromium = chromium;
        _profile = profile;
    }

    /// <summary>The namespace the browser runs in.</summary>
    public string Netns { get; }

    /// <summary>Exceptions the page threw, as the DevTools protocol reported them.</summary>
    public IReadOnlyList<string> PageErrors
    {
        get
        {
            lock (_errors) return [.. _errors];
        }
    }

    /// <summary>Makes namespace <paramref name="netns"/> (lo up) and starts chromium in it with one blank page.</summary>
    public static async Task<Browser> Launch(string netns)
    {
        Sh.Ip("netns", "add", netns);
        Sh.Ip("-n", netns, "link", "set", "lo", "up");
        var profile = Directory.CreateTempSubdirectory("hncon-chromium-").FullName;
        Browser? browser = null;
        try
        {
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[]
            {
                "netns", "exec", netns, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank",
            }) psi.ArgumentList.Add(a);
            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start chromium");
            process.ErrorDataReceived += (_, _) => { };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            browser = new Browser(netns, process, profile);
            await browser.Connect();
            return browser;
        }
        catch
        {
            if (browser is not null) browser.Dispose();
            else
            {
                Sh.Run("ip", ["netns", "del", netns]);
                Directory.Delete(profile, recursive: true);
            }
            throw;
        }
    }

    private async Task Connect()
    {
        var file = Path.Combine(_profile, "DevToolsActivePort");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(file) || File.ReadAllLines(file).Length < 2)
        {
            if (_chromium.HasExited) throw new InvalidOperationException($"chromium exited {_chromium.ExitCode} before it listened");
            if (waited.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("chromium wrote no DevToolsActivePort");
            await Task.Delay(100);
        }
        var lines = File.ReadAllLines(file);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancel) =>
            {
                var s = NetnsSockets.Tcp(Netns);
                try
                {
                    await s.ConnectAsync(context.DnsEndPoint, cancel);
                    return new System.Net.Sockets.NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        await _ws.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), invoker, _stop.Token);
        _receiving = Task.Run(Receive);
        var target = await Send("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var attached = await Send("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true });
        _session = attached["sessionId"]!.GetValue<string>();
        await Send("Page.enable");
        await Send("Runtime.enable");
        await Send("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = 1280, ["height"] = 1000, ["deviceScaleFactor"] = 1, ["mobile"] = false,
        });
    }

    private async Task Receive()
    {
        var buffer = new byte[1 << 20];
        var message = new MemoryStream();
        try
        {
            while (_ws.State == WebSocketState.Open)
            {
                var r = await _ws.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var waiting))
                {
                    waiting.TrySetResult(node);
                }
                else if (node["method"]?.GetValue<string>() == "Runtime.exceptionThrown")
                {
                    lock (_errors) _errors.Add(node["params"]?["exceptionDetails"]?.ToJsonString() ?? "?");
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The browser or the test went away.
        }
        foreach (var p in _pending.Values) p.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    /// <summary>Sends a command to the page (or to the browser before one is attached) and returns its result.</summary>
    public async Task<JsonNode> Send(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _id);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (_session is not null) message["sessionId"] = _session;
        var answer = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await _ws.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
        var reply = await answer.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        return reply["result"] ?? new JsonObject();
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> Eval(string expression)
    {
        var result = await Send("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true,
        });
        if (result["exceptionDetails"] is { } thrown) throw new InvalidOperationException($"the page threw: {thrown.ToJsonString()}\nin: {expression}");
        return result["result"]?["value"];
    }

    /// <summary>Polls <paramref name="condition"/> (a JS expression) until it is true; fails with <paramref name="what"/> and the page's text.</summary>
    public async Task WaitFor(string condition, string what, int seconds = 30)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            // A condition that throws (the page between two renders) is not yet true.
            if ((await Eval($"(() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }})()"))?.GetValue<bool>() == true) return;
            if (waited.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                var text = await Eval("document.body.innerText");
                throw new TimeoutException($"{what}: not so after {seconds} s; page errors: {string.Join("; ", PageErrors)}\n{text}");
            }
            await Task.Delay(100);
        }
    }

    public async Task Navigate(string url) => await Send("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>A key pressed and released, as a person's keyboard sends it.</summary>
    public async Task Press(string key, int keyCode, string? text = null)
    {
        var down = new JsonObject { ["type"] = "keyDown", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = keyCode };
        if (text is not null) down["text"] = text;
        await Send("Input.dispatchKeyEvent", down);
        await Send("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyUp", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = keyCode });
    }

    /// <summary>The whole page as a PNG at <paramref name="path"/>.</summary>
    public async Task Screenshot(string path)
    {
        var shot = await Send("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            if (!_chromium.HasExited) _chromium.Kill(entireProcessTree: true);
            _chromium.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _ws.Dispose();
        _chromium.Dispose();
        Sh.Run("ip", ["netns", "del", Netns]);
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A child that outlived the kill may still write; the profile is in the temporary directory.
        }
        _stop.Dispose();
    }
}

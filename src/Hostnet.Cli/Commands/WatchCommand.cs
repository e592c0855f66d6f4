using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Hostnet.Engine;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet watch</c>: the host agent's loop. Applies once, then again whenever the kernel reports a
/// change that can touch what Hostnet owns — a link going down or away (which flushes its proxy
/// entries), an address, one of Hostnet's routes, a permanent neighbour — and every N seconds for what
/// the kernel does not report (this kernel sends no event when a proxy entry is deleted). Bursts of
/// events are taken together (150 ms), the way the runtime debounces address changes.
/// </summary>
internal static class WatchCommand
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(150);

    public static Command Build(TextWriter output)
    {
        var every = new Option<int>("--resync-seconds")
        {
            Description = "Also resync this often, for changes the kernel does not report (default 30)",
            DefaultValueFactory = _ => 30,
            HelpName = "N",
        };
        var command = new Command("watch", "Keep the kernel true to the state: apply now, then on every kernel change that touches what Hostnet owns, and every N seconds; stops on Ctrl-C or SIGTERM") { every };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var seconds = parse.GetValue(every);
            if (seconds < 1) throw new Model.ValidationException("--resync-seconds must be at least 1");
            return Run(ctx, TimeSpan.FromSeconds(seconds));
        });
        return command;
    }

    private static int Run(CliContext ctx, TimeSpan every)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        // What fails before the first cycle is the command line's or the state's (no such namespace, a
        // state directory that cannot be made, a database that is not Hostnet's): it exits, as any command.
        using var store = ctx.OpenStore();
        using var engine = EngineCommands.OpenEngine(ctx, store);
        using var wake = new SemaphoreSlim(0);
        var reader = new Thread(() => FollowKernel(engine.ServerNamespace, wake, stop.Token))
        {
            IsBackground = true,
            Name = "hostnet watch: kernel events",
        };
        reader.Start();

        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"watching {(ctx.Netns is null ? "this server" : "server " + ctx.Netns)}: resync on kernel changes and every {every.TotalSeconds:0} s (Ctrl-C stops)"));
        // From here on only a signal stops it: a failed cycle is logged and tried again after a backoff.
        var backoff = new RetryBackoff();
        TimeSpan? retryIn = Resync(ctx, engine, store, "start", backoff, stop.Token);
        while (!stop.IsCancellationRequested)
        {
            bool woken = false;
            try
            {
                if (retryIn is { } delay)
                {
                    // Not at the next kernel event: a fault that stays must not be retried at the rate events come.
                    stop.Token.WaitHandle.WaitOne(delay);
                    while (wake.Wait(0)) { }
                }
                else
                {
                    woken = wake.Wait(every, stop.Token);
                    if (woken)
                    {
                        // Take the rest of the burst with it; our own changes come back as events too.
                        stop.Token.WaitHandle.WaitOne(Debounce);
                        while (wake.Wait(0)) { }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (stop.IsCancellationRequested) break;
            retryIn = Resync(ctx, engine, store, retryIn is not null ? "retry" : woken ? "kernel change" : "periodic", backoff, stop.Token);
        }
        reader.Join(TimeSpan.FromSeconds(1));
        ctx.Out.WriteLine("stopped watching");
        return HostnetCli.Success;
    }

    /// <summary>
    /// The event reader: wakes the loop for every event that can touch what Hostnet owns. A monitor
    /// socket that fails is closed and opened again after a backoff, and the loop is woken once it is
    /// back, since what changed meanwhile is unknown.
    /// </summary>
    private static void FollowKernel(NetNamespace server, SemaphoreSlim wake, CancellationToken stop)
    {
        var backoff = new RetryBackoff();
        bool reopened = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var monitor = RtnlMonitor.Open(server, MonitorGroups.All);
                if (reopened) wake.Release();
                foreach (var e in monitor.Read(stop))
                {
                    backoff.Reset();
                    if (e is ResyncNeeded lost) Warn($"kernel events: {lost.Reason}; resyncing");
                    if (Touches(e)) wake.Release();
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var delay = backoff.Next();
                Warn($"kernel events: {OneLine(e)}; reopening the monitor in {Seconds(delay)}");
                stop.WaitHandle.WaitOne(delay);
                reopened = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: the loop no longer listens.
            }
        }
    }

    /// <summary>Whether an event can mean that something Hostnet owns has changed.</summary>
    private static bool Touches(RtnlEvent e) => e switch
    {
        LinkChanged or LinkRemoved or AddressChanged or AddressRemoved or ResyncNeeded => true,
        // A vme or the uplink joining or leaving its bridge.
        BridgePortChanged or BridgePortLeft => true,
        ProxyNeighborChanged or ProxyNeighborRemoved => true,
        RouteChanged r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        RouteRemoved r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        // Dynamic entries come and go with every ARP exchange on the LAN: only permanent ones are Hostnet's.
        NeighborChanged n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        NeighborRemoved n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        _ => false,
    };

    /// <summary>
    /// One cycle: load the state, apply it; null when it went through. Any failure (a kernel refusal, a
    /// link deleted while it was applied, a locked database) is one line on stderr, and the wait before
    /// the loop tries again is returned. Only a state that cannot be Hostnet's is thrown.
    /// </summary>
    private static TimeSpan? Resync(CliContext ctx, HostEngine engine, Store.StateStore store, string why, RetryBackoff backoff, CancellationToken stop)
    {
        try
        {
            Plan plan;
            using (ctx.TakeKernelLock())
                plan = EngineCommands.ConvergeAll(engine, store, new ApplyOptions());
            if (!plan.IsEmpty)
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.Now:HH:mm:ss} {why}: applied {plan.Count(Change.Add)} to add, {plan.Count(Change.Change)} to change, {plan.Count(Change.Remove)} to remove"));
            }
            backoff.Reset();
            return null;
        }
        catch (Exception e) when (!CannotBeHostnetState(e))
        {
            var delay = backoff.Next();
            if (!stop.IsCancellationRequested) Warn($"{why}: {OneLine(e)}; retrying in {Seconds(delay)}");
            if (Environment.GetEnvironmentVariable("HOSTNET_DEBUG") == "1") Console.Error.WriteLine(e);
            return delay;
        }
    }

    /// <summary>Whether a failed cycle says the state can never be Hostnet's, so that no retry can cure it.</summary>
    private static bool CannotBeHostnetState(Exception e) => e switch
    {
        // Rows the model refuses, a database that is not (or no longer) Hostnet's schema.
        Model.ValidationException => true,
        Store.StoreException s => !s.IsTransient,
        _ => false,
    };

    private static void Warn(string line) => Console.Error.WriteLine("hostnet: warning: " + line);

    private static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").Trim();

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");
}

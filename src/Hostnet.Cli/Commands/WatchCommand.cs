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

    // linux/neighbour.h
    private const ushort NUD_PERMANENT = 0x80;

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

        using var store = ctx.OpenStore();
        using var engine = EngineCommands.OpenEngine(ctx, store);
        using var monitor = RtnlMonitor.Open(engine.ServerNamespace, MonitorGroups.All);
        using var wake = new SemaphoreSlim(0);
        var reader = new Thread(() =>
        {
            foreach (var e in monitor.Read(stop.Token))
            {
                if (Touches(e)) wake.Release();
            }
        })
        {
            IsBackground = true,
            Name = "hostnet watch: kernel events",
        };
        reader.Start();

        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"watching {(ctx.Netns is null ? "this server" : "server " + ctx.Netns)}: resync on kernel changes and every {every.TotalSeconds:0} s (Ctrl-C stops)"));
        Resync(ctx, engine, store, "start");
        while (!stop.IsCancellationRequested)
        {
            bool woken;
            try
            {
                woken = wake.Wait(every, stop.Token);
                if (woken)
                {
                    // Take the rest of the burst with it; our own changes come back as events too.
                    stop.Token.WaitHandle.WaitOne(Debounce);
                    while (wake.Wait(0)) { }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (stop.IsCancellationRequested) break;
            Resync(ctx, engine, store, woken ? "kernel change" : "periodic");
        }
        reader.Join(TimeSpan.FromSeconds(1));
        ctx.Out.WriteLine("stopped watching");
        return HostnetCli.Success;
    }

    /// <summary>Whether an event can mean that something Hostnet owns has changed.</summary>
    private static bool Touches(RtnlEvent e) => e switch
    {
        LinkChanged or LinkRemoved or AddressChanged or AddressRemoved or ResyncNeeded => true,
        ProxyNeighborChanged or ProxyNeighborRemoved => true,
        RouteChanged r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        RouteRemoved r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        // Dynamic entries come and go with every ARP exchange on the LAN: only permanent ones are Hostnet's.
        NeighborChanged n => (n.Neighbor.State & NUD_PERMANENT) != 0,
        NeighborRemoved n => (n.Neighbor.State & NUD_PERMANENT) != 0,
        _ => false,
    };

    private static void Resync(CliContext ctx, HostEngine engine, Store.StateStore store, string why)
    {
        try
        {
            var plan = EngineCommands.ConvergeAll(engine, store, new ApplyOptions());
            if (!plan.IsEmpty)
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.Now:HH:mm:ss} {why}: applied {plan.Count(Change.Add)} to add, {plan.Count(Change.Change)} to change, {plan.Count(Change.Remove)} to remove"));
            }
        }
        catch (Exception e) when (e is EngineException or NetlinkException or Store.StoreException)
        {
            // The agent keeps watching: the next change or resync may well succeed (an uplink that comes later).
            Console.Error.WriteLine("hostnet: warning: " + e.Message.ReplaceLineEndings(" "));
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Hostnet.Agent;
using Hostnet.Frontend;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet watch</c>: the front end of the application layer's watch loop. It turns SIGINT and SIGTERM
/// into the loop's stop and says what the loop reports: each cycle that changed the kernel on stdout, each
/// failure as one warning on stderr.
/// </summary>
internal static class WatchCommand
{
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
            return Run(ctx, parse.GetValue(every));
        });
        return command;
    }

    private static int Run(CliContext ctx, int seconds)
    {
        var watcher = ctx.Agent.Watch(TimeSpan.FromSeconds(seconds));
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        watcher.Watching += () => ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"watching {(ctx.Netns is null ? "this server" : "server " + ctx.Netns)}: resync on kernel changes and every {watcher.Every.TotalSeconds:0} s (Ctrl-C stops)"));
        watcher.Applied += (why, plan) => ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss} {why}: applied {plan.Count(PlanChange.Add)} to add, {plan.Count(PlanChange.Change)} to change, {plan.Count(PlanChange.Remove)} to remove"));
        watcher.CycleFailed += (why, e, delay) =>
        {
            CliContext.Warn($"{why}: {ErrorText.Line(e)}; retrying in {Seconds(delay)}");
            if (Environment.GetEnvironmentVariable("HOSTNET_DEBUG") == "1") Console.Error.WriteLine(e);
        };
        watcher.EventsLost += reason => CliContext.Warn($"kernel events: {reason}; resyncing");
        watcher.MonitorFailed += (e, delay) => CliContext.Warn($"kernel events: {ErrorText.Line(e)}; reopening the monitor in {Seconds(delay)}");

        watcher.Run(stop.Token);
        ctx.Out.WriteLine("stopped watching");
        return HostnetCli.Success;
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");
}

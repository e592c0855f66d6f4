using System.CommandLine;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Cli.Output;
using Hostnet.Frontend;

namespace Hostnet.Cli.Commands;

/// <summary>
/// The commands that touch the kernel: <c>apply</c>, <c>plan</c>, <c>arp</c>,
/// <c>route</c>, <c>vm start</c>, <c>vm stop</c>, and the "take effect at once"
/// of every change to a running VM.
/// </summary>
internal static class EngineCommands
{
    /// <summary>Exit code of <c>plan --exit-code</c> when apply would change something.</summary>
    public const int PlanHasChanges = 3;

    public static readonly Option<bool> NoProbe = new("--no-probe")
    {
        Description = "Do not probe the LAN (ARP, ~100 ms) for addresses about to be published; take them even if they answer",
    };

    public static IEnumerable<Command> Build(TextWriter output)
    {
        var apply = new Command("apply", "Make the kernel match the state (idempotent)");
        apply.Options.Add(NoProbe);
        apply.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var (done, macProblems) = ctx.Agent.Kernel.Apply(probe: !parse.GetValue(NoProbe));
            ctx.Out.WriteLine(done.IsEmpty ? "Nothing to do: the kernel matches the state." : Summary(done, "Applied"));
            foreach (var p in macProblems) CliContext.Warn(RemedyText.Line(p));
            return 0;
        });

        var exitCode = new Option<bool>("--exit-code")
        {
            Description = $"Exit {PlanHasChanges} when apply would change something, 0 when in sync",
        };
        var plan = new Command("plan", "Show what apply would change; change nothing");
        plan.Options.Add(exitCode);
        plan.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            // Reads only: no state directory is made, and without a state the plan is against none.
            var planned = ctx.Agent.Kernel.Plan(withoutState: () =>
                CliContext.Warn($"no state in {ctx.StateDir} yet: planned against a state without networks or VMs"));
            var (_, plannedPlan, problems) = planned;
            if (ctx.Json) Json.Write(ctx.Out, Documents.Plan(planned), Json.Types.PlanDocument);
            else
            {
                foreach (var step in plannedPlan.Steps) ctx.Out.WriteLine(step.ToString());
                ctx.Out.WriteLine(plannedPlan.IsEmpty ? "Nothing to do: the kernel matches the state." : Summary(plannedPlan, "Plan"));
                foreach (var p in problems) CliContext.Warn(RemedyText.Line(p));
            }
            return parse.GetValue(exitCode) && !plannedPlan.IsEmpty ? PlanHasChanges : 0;
        });

        var arp = new Command("arp", "The server's neighbour table as `arp -n` prints it; proxy (published) rows as MP");
        arp.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var rows = ctx.Agent.Kernel.Arp();
            if (ctx.Json) Json.Write(ctx.Out, rows, Json.Types.IReadOnlyListArpRowDocument);
            else ctx.Out.Write(KernelTables.Arp(rows));
            return 0;
        });

        var ndp = new Command("ndp", "The server's IPv6 neighbour table in arp's columns; proxy NDP (published) rows as MP");
        ndp.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var rows = ctx.Agent.Kernel.Ndp();
            if (ctx.Json) Json.Write(ctx.Out, rows, Json.Types.IReadOnlyListArpRowDocument);
            else ctx.Out.Write(KernelTables.Ndp(rows));
            return 0;
        });

        var route = new Command("route", "The routes Hostnet owns (its route protocol), with the VM adapter behind each");
        route.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var routes = ctx.Agent.Kernel.Routes();
            if (ctx.Json) Json.Write(ctx.Out, routes, Json.Types.IReadOnlyListRouteDocument);
            else ctx.Out.Write(KernelTables.Routes(routes));
            return 0;
        });

        return [apply, plan, arp, ndp, route];
    }

    /// <summary><c>vm start NAME</c> and <c>vm stop NAME</c>: record it, probe (start), make it so.</summary>
    public static Command StartOrStop(TextWriter output, bool start)
    {
        var name = new Argument<string>("NAME") { Description = start ? "The VM to start" : "The VM to stop" };
        var command = start
            ? new Command("start", "Start a VM's networking: create its adapters on the server (and in a netns guest)")
            : new Command("stop", "Stop a VM's networking: remove everything its start made, on the server and in the guest");
        command.Arguments.Add(name);
        if (start) command.Options.Add(NoProbe);
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(name)!;
            if (start) ctx.Agent.Vms.Start(vmName, probe: !parse.GetValue(NoProbe));
            else ctx.Agent.Vms.Stop(vmName);
            output.WriteLine(start ? $"started VM {vmName}" : $"stopped VM {vmName}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static string Summary(PlannedChanges plan, string what) =>
        $"{what}: {plan.Count(PlanChange.Add)} to add, {plan.Count(PlanChange.Change)} to change, {plan.Count(PlanChange.Remove)} to remove.";
}

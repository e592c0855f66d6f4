using System.CommandLine;
using Hostnet.Cli.Output;
using Hostnet.Engine;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Model;
using Hostnet.Store;

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
            using var kernel = ctx.TakeKernelLock();
            using var store = ctx.OpenStore();
            using var engine = OpenEngine(ctx, store);
            var done = ConvergeAll(engine, store, Options(parse));
            ctx.Out.WriteLine(done.IsEmpty ? "Nothing to do: the kernel matches the state." : Summary(done, "Applied"));
            foreach (var p in store.Load().MacProblems()) Console.Error.WriteLine("hostnet: warning: " + p);
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
            using var store = ctx.OpenStoreIfExists();
            if (store is null) Console.Error.WriteLine($"hostnet: warning: no state in {ctx.StateDir} yet: planned against a state without networks or VMs");
            using var engine = OpenReader(ctx, store is null ? new MemoryLedger() : new StoreLedger(store));
            var state = store?.Load() ?? DesiredState.Empty;
            var prepared = engine.Prepare(state);
            // Guest MACs an older release accepted and the rules now refuse: said, never changed behind the guest's back.
            var problems = prepared.Problems.Concat(state.MacProblems()).ToList();
            if (ctx.Json) WritePlanJson(ctx.Out, prepared, problems);
            else
            {
                foreach (var step in prepared.Plan.Steps) ctx.Out.WriteLine(step.ToString());
                ctx.Out.WriteLine(prepared.Plan.IsEmpty ? "Nothing to do: the kernel matches the state." : Summary(prepared.Plan, "Plan"));
                foreach (var p in problems) Console.Error.WriteLine("hostnet: warning: " + p);
            }
            return parse.GetValue(exitCode) && !prepared.Plan.IsEmpty ? PlanHasChanges : 0;
        });

        var arp = new Command("arp", "The server's neighbour table as `arp -n` prints it; proxy (published) rows as MP");
        arp.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            using var engine = OpenReader(ctx, new MemoryLedger());
            var rows = Views.Arp(engine.ServerSocket);
            if (ctx.Json) Json.Write(ctx.Out, w =>
            {
                w.WriteStartArray();
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("address", r.Address);
                    w.WriteString("hwtype", r.HwType);
                    w.WriteString("hwaddress", r.HwAddress);
                    w.WriteString("flags", r.Flags);
                    w.WriteString("iface", r.Iface);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            else ctx.Out.Write(Views.FormatArp(rows));
            return 0;
        });

        var route = new Command("route", "The routes Hostnet owns (its route protocol), with the VM adapter behind each");
        route.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            using var engine = OpenReader(ctx, new MemoryLedger());
            var routes = Views.Routes(engine.ServerSocket);
            if (ctx.Json) Json.Write(ctx.Out, w =>
            {
                w.WriteStartArray();
                foreach (var r in routes)
                {
                    w.WriteStartObject();
                    w.WriteString("dst", r.Destination);
                    if (r.Gateway is not null) w.WriteString("gateway", r.Gateway);
                    w.WriteString("dev", r.Dev);
                    w.WriteString("scope", r.Scope);
                    w.WriteString("protocol", "hostnet");
                    if (r.Vm is not null) w.WriteString("vm", r.Vm);
                    if (r.Adapter is not null) w.WriteString("adapter", r.Adapter);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            else ctx.Out.Write(Views.FormatRoutes(routes));
            return 0;
        });

        return [apply, plan, arp, route];
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
            using var kernel = ctx.TakeKernelLock();
            ctx.Write(tx =>
            {
                var state = tx.Load();
                var before = state.GetVm(vmName);
                var after = state.SetRunning(vmName, start);
                tx.SetRunning(vmName, start);
                RunningVms.Changed(ctx, tx, before, after.GetVm(vmName), after, probe: start && !parse.GetValue(NoProbe));
                return 0;
            });
            output.WriteLine(start ? $"started VM {vmName}" : $"stopped VM {vmName}");
            return HostnetCli.Success;
        });
        return command;
    }

    /// <summary>After <c>network rm</c>: give an uplink back from its bridge when Hostnet had made it a port (under the caller's kernel lock).</summary>
    public static void ConvergeAfterNetworkRemoved(CliContext ctx, Network removed)
    {
        if (removed.Mode != NetworkMode.Bridged) return;
        using var store = ctx.OpenStore();
        var ledger = new StoreLedger(store);
        if (!ledger.Load().Has(LedgerEntry.Uplink(removed.Uplink, removed.Bridge!))) return;
        using var engine = OpenEngine(ctx, store);
        ConvergeAll(engine, store, new ApplyOptions());
    }

    /// <summary>At <c>vm rm</c>: removes the VM's guest namespace if Hostnet created it; leaves others alone.</summary>
    public static void RemoveCreatedNamespace(CliContext ctx, string netns)
    {
        using var store = ctx.OpenStore();
        var ledger = new StoreLedger(store);
        var entry = LedgerEntry.Namespace(netns);
        if (!ledger.Load().Has(entry)) return;
        if (Netlink.NetNamespace.Exists(netns) || Netlink.NetNamespace.IsStale(netns)) Netlink.NetNamespace.Delete(netns);
        ledger.Forget([entry]);
    }

    /// <summary>
    /// Makes the kernel match the whole state (<c>apply</c>, each resync of <c>watch</c>) and, when it has,
    /// clears the pending marks of the VM changes it saw: read in one snapshot with the state, so a change
    /// committed meanwhile stays pending.
    /// </summary>
    public static Plan ConvergeAll(HostEngine engine, StateStore store, ApplyOptions options)
    {
        var (state, pending) = store.Read(tx => (tx.Load(), tx.PendingVms()));
        var plan = Converge(engine, state, options);
        if (pending.Count > 0) store.Write(tx => tx.ClearPending(pending));
        return plan;
    }

    /// <summary>
    /// Makes the kernel match <paramref name="state"/> when that touches the
    /// kernel at all; used after state-only changes to running VMs. Returns the
    /// plan that was carried out.
    /// </summary>
    public static Plan Converge(HostEngine engine, DesiredState state, ApplyOptions options) =>
        engine.Apply(engine.Prepare(state), options);

    /// <summary>An engine for the context's server, with the ledger on its own connection to the state database.</summary>
    public static HostEngine OpenEngine(CliContext ctx) => OpenEngine(ctx, new StoreLedger(ctx.OpenStore(), ownsStore: true));

    public static HostEngine OpenEngine(CliContext ctx, StateStore store) => OpenEngine(ctx, new StoreLedger(store));

    /// <summary>An engine for a command that changes the kernel.</summary>
    private static HostEngine OpenEngine(CliContext ctx, ILedger ledger)
    {
        // A lab server (--netns) does not own this host's /etc: only the real server names the protocol there,
        // and only a command that makes routes: one that reads writes nothing anywhere.
        if (ctx.Netns is null) RouteProtocolName.EnsureNamed();
        return new HostEngine(ctx.Netns, ledger);
    }

    /// <summary>An engine for a command that only reads the kernel (<c>plan</c>, <c>arp</c>, <c>route</c>).</summary>
    private static HostEngine OpenReader(CliContext ctx, ILedger ledger) => new(ctx.Netns, ledger);

    private static ApplyOptions Options(ParseResult parse) => new() { Probe = !parse.GetValue(NoProbe) };

    private static string Summary(Plan plan, string what) =>
        $"{what}: {plan.Count(Change.Add)} to add, {plan.Count(Change.Change)} to change, {plan.Count(Change.Remove)} to remove.";

    private static void WritePlanJson(TextWriter output, PreparedApply prepared, IReadOnlyList<string> problems) => Json.Write(output, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("in_sync", prepared.Plan.IsEmpty);
        w.WriteStartArray("steps");
        foreach (var s in prepared.Plan.Steps)
        {
            w.WriteStartObject();
            w.WriteString("change", s.Change.ToString().ToLowerInvariant());
            w.WriteString("netns", s.Object.Netns);
            w.WriteString("object", s.Object.Describe());
            if (s.Change == Change.Change && s.Before is not null) w.WriteString("now", s.Before.Describe());
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("problems");
        foreach (var p in problems) w.WriteStringValue(p);
        w.WriteEndArray();
        w.WriteEndObject();
    });
}

/// <summary>Names Hostnet's route protocol for <c>ip route</c> (<c>proto hostnet</c>) where iproute2 reads rt_protos.d.</summary>
internal static class RouteProtocolName
{
    private const string Folder = "/etc/iproute2/rt_protos.d";

    public static void EnsureNamed()
    {
        var file = Path.Combine(Folder, "hostnet.conf");
        try
        {
            if (!Directory.Exists(Folder) || File.Exists(file)) return;
            File.WriteAllText(file, $"# Routes made by Hostnet (VM networking)\n{(byte)Engine.Intent.HostnetMarks.RouteProtocol}\thostnet\n");
        }
        catch (IOException)
        {
            // Only a name for `ip route` to print: without it iproute2 shows the number.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

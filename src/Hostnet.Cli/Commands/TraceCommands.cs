using System.CommandLine;
using System.Globalization;
using System.Text;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Cli.Output;
using Hostnet.Frontend;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary><c>hostnet trace DEST [--from-lan | --from-vm VM]</c>: a packet's way on the live server, step by step.</summary>
internal static class TraceCommands
{
    public static Command Build(TextWriter output)
    {
        var destination = new Argument<string>("DEST") { Description = "The IPv4 address the packet is for: a VM's, or any address with --from-vm" };
        var fromLan = new Option<bool>("--from-lan")
        {
            Description = "The packet comes from computer X on the LAN (the default): who answers ARP, where it comes in, how it reaches the VM",
        };
        var fromVm = new Option<string?>("--from-vm")
        {
            Description = "The packet comes from VM: its gateway, the server's route out, and the way into DEST's VM if it is one",
            HelpName = "VM",
        };
        var command = new Command("trace",
            "Explain a packet's way to DEST on the live server, step by step, from the kernel's own answers; exit 1 when a step is missing")
        {
            destination, fromLan, fromVm,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(fromLan) && result.GetValue(fromVm) is not null)
                result.AddError("--from-lan and --from-vm exclude each other: a packet comes from one place");
        });
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var text = parse.GetValue(destination)!;
            if (!IpAddress.TryParse(text, out var dest) || !StateRules.TakesFamily(dest))
                throw new ValidationException($"'{text}' is not an IPv4 address: trace takes one, e.g. 192.168.200.201");
            var trace = ctx.Agent.Kernel.Trace(dest, parse.GetValue(fromVm));

            var fix = FixRenderer(parse, ctx);
            if (ctx.Json) WriteJson(ctx.Out, trace, fix);
            else ctx.Out.Write(Format(trace, fix));
            return trace.Complete ? HostnetCli.Success : HostnetCli.Error;
        });
        return command;
    }

    /// <summary>
    /// A fix is shown for the server this trace looked at, so that it can be pasted as it is:
    /// a hostnet command with the global options it ran with (<c>hostnet --netns SRV apply</c>),
    /// an iproute2 one with <c>-n SRV</c>.
    /// </summary>
    private static Func<Remedy, string> FixRenderer(ParseResult parse, CliContext ctx)
    {
        var globals = new StringBuilder("hostnet");
        if (parse.GetValue(GlobalOptions.StateDir) is { } dir) globals.Append(" --state-dir ").Append(dir);
        if (ctx.Netns is { } ns) globals.Append(" --netns ").Append(ns);
        var server = new RemedyText.Globals(globals.ToString(), ctx.Netns is { } n ? " -n " + n : "");
        return fix => RemedyText.Command(fix, server);
    }

    /// <summary>What a step says: the core's detail, and where to look further in the CLI's words.</summary>
    private static string Detail(TracedStep step) => step.Detail + RemedyText.Tail(step.Hint);

    /// <summary>The text a user reads: one line per step, the fix under a missing one, then the verdict.</summary>
    internal static string Format(TracedPath trace, Func<Remedy, string> fix)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"trace {trace.Destination} from {trace.From}\n");
        foreach (var s in trace.Steps)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {(s.Ok ? "ok" : "FAIL"),-5} {s.Step,-12} {Detail(s)}\n");
            if (s.Fix is { } f) sb.Append(CultureInfo.InvariantCulture, $"  {"",-5} {"",-12} fix: {fix(f)}\n");
        }
        if (trace.Complete)
        {
            sb.Append("path complete\n");
        }
        else
        {
            var broken = trace.Broken.ToList();
            sb.Append(CultureInfo.InvariantCulture, $"path broken: {string.Join(", ", broken.Select(s => s.Step).Distinct(StringComparer.Ordinal))}");
            var fixes = broken.Select(s => s.Fix).OfType<Remedy>().Select(fix).Distinct(StringComparer.Ordinal).ToList();
            if (fixes.Count > 0) sb.Append(CultureInfo.InvariantCulture, $"; run `{string.Join("`, then `", fixes)}`");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static void WriteJson(TextWriter output, TracedPath trace, Func<Remedy, string> fix) =>
        Json.Write(output, trace.Steps.Select(s => new TraceStepDocument(s.Step, s.Ok, Detail(s), s.Fix is { } f ? fix(f) : null)).ToList(),
            HostnetJsonContext.Readable.IReadOnlyListTraceStepDocument);
}

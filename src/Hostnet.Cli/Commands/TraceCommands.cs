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
        var destination = new Argument<string>("DEST") { Description = "The IPv4 or IPv6 address the packet is for: a VM's, or any address with --from-vm" };
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
            var dest = TraceText.Destination(parse.GetValue(destination)!);
            var trace = ctx.Agent.Kernel.Trace(dest, parse.GetValue(fromVm));

            var fix = TraceText.FixRenderer(parse.GetValue(GlobalOptions.StateDir), ctx.Netns);
            if (ctx.Json) WriteJson(ctx.Out, trace, fix);
            else ctx.Out.Write(Format(trace, fix));
            return trace.Complete ? HostnetCli.Success : HostnetCli.Error;
        });
        return command;
    }

    /// <summary>The text a user reads: one line per step, the fix under a missing one, then the verdict.</summary>
    internal static string Format(TracedPath trace, Func<Remedy, string> fix)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"trace {trace.Destination} from {trace.From}\n");
        foreach (var s in trace.Steps)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {(s.Ok ? "ok" : "FAIL"),-5} {s.Step,-12} {TraceText.Detail(s)}\n");
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
        Json.Write(output, TraceText.Document(trace, fix), HostnetJsonContext.Readable.IReadOnlyListTraceStepDocument);
}

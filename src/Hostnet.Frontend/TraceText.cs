using System.Text;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Frontend;

/// <summary>
/// <c>trace</c> in a front end's words: the destination it takes, the commands its fixes print for the
/// server traced, and its <c>--json</c> document. The CLI prints it, the daemon answers it.
/// </summary>
public static class TraceText
{
    /// <summary>The destination a trace takes: an IPv4 or IPv6 address, else the one line that says so.</summary>
    public static IpAddress Destination(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IpAddress.TryParse(text, out var dest))
            throw new ValidationException($"'{text}' is not an IPv4 address nor an IPv6 one: trace takes either, e.g. 192.168.200.201 or 2001:db8:200::201");
        return dest;
    }

    /// <summary>
    /// A fix as it is pasted on the server traced: a hostnet command with the global options given
    /// (<c>hostnet --state-dir DIR --netns SRV apply</c>), an iproute2 one with <c>-n SRV</c>.
    /// </summary>
    public static Func<Remedy, string> FixRenderer(string? stateDirOption, string? netns)
    {
        var globals = new StringBuilder("hostnet");
        if (stateDirOption is { } dir) globals.Append(" --state-dir ").Append(dir);
        if (netns is { } ns) globals.Append(" --netns ").Append(ns);
        var server = new RemedyText.Globals(globals.ToString(), netns is { } n ? " -n " + n : "");
        return fix => RemedyText.Command(fix, server);
    }

    /// <summary>What a step says: the core's detail, and where to look further in a front end's words.</summary>
    public static string Detail(TracedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Detail + RemedyText.Tail(step.Hint);
    }

    /// <summary><c>trace --json</c>: each step, its detail and the fix of a missing one.</summary>
    public static IReadOnlyList<TraceStepDocument> Document(TracedPath trace, Func<Remedy, string> fix)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(fix);
        return trace.Steps.Select(s => new TraceStepDocument(s.Step, s.Ok, Detail(s), s.Fix is { } f ? fix(f) : null)).ToList();
    }
}

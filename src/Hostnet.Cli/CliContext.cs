using System.CommandLine;
using Hostnet.Agent;
using Hostnet.Frontend;
using Hostnet.Model;

namespace Hostnet.Cli;

/// <summary>The options every command takes, before or after the command's name.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> StateDir = new("--state-dir")
    {
        Description = $"Where the state database lives (default: ${HostAgent.StateDirVariable}, else {HostAgent.DefaultStateDir}, or {HostAgent.DefaultStateDir}/netns/NAME with --netns)",
        HelpName = "DIR",
        Recursive = true,
    };

    public static readonly Option<string?> Netns = new("--netns")
    {
        Description = "Manage the server that is network namespace NAME (a lab server) instead of this host",
        HelpName = "NAME",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print list and show output as JSON, for scripts",
        Recursive = true,
    };
}

/// <summary>What a command needs from the command line and the process: the server's application layer, its output.</summary>
internal sealed class CliContext
{
    private CliContext(HostAgent agent, bool json, TextWriter output)
    {
        Agent = agent;
        Json = json;
        Out = output;
    }

    /// <summary>The application layer of the server the command line names.</summary>
    public HostAgent Agent { get; }

    public string StateDir => Agent.StateDir;

    /// <summary>The network namespace that is the server, or null for this host.</summary>
    public string? Netns => Agent.Netns;

    public bool Json { get; }

    public TextWriter Out { get; }

    public static CliContext From(ParseResult parse, TextWriter output)
    {
        var netns = parse.GetValue(GlobalOptions.Netns);
        if (netns is not null) StateRules.CheckNetnsName(netns);
        var option = parse.GetValue(GlobalOptions.StateDir);
        // An empty --state-dir (an unset shell variable) would fall back to the default state: another server's,
        // or none at all, which the next apply would take for "no VMs".
        if (option is not null && string.IsNullOrWhiteSpace(option))
            throw new ValidationException("--state-dir is empty: give the state directory, or leave the option out");
        var agent = HostAgent.For(option, netns, p => Warn(RemedyText.Line(p)));
        agent.WaitingForKernelLock = Waiting;
        return new CliContext(agent, parse.GetValue(GlobalOptions.Json), output);
    }

    /// <summary>Said once on stderr when a command waits a moment for another hostnet's kernel lock.</summary>
    public static void Waiting(int? holderPid) =>
        Console.Error.WriteLine("hostnet: " + ErrorText.WaitingForKernelLock(holderPid));

    /// <summary>A line that says something went less than well without failing the command.</summary>
    public static void Warn(string line) => Console.Error.WriteLine("hostnet: warning: " + line);
}

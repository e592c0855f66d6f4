using System.CommandLine;
using System.CommandLine.Invocation;
using Hostnet.Agent;
using Hostnet.Cli.Commands;
using Hostnet.Frontend;
using Hostnet.Model;

namespace Hostnet.Cli;

/// <summary>The <c>hostnet</c> command line: the command tree and the one place errors become exit codes.</summary>
public static class HostnetCli
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;

    public static RootCommand BuildRoot(TextWriter output)
    {
        var root = new RootCommand("Hostnet: VM networking for Linux hypervisor hosts, bridged or host-routed");
        root.Options.Add(GlobalOptions.StateDir);
        root.Options.Add(GlobalOptions.Netns);
        root.Options.Add(GlobalOptions.Json);
        root.Subcommands.Add(NetworkCommands.Build(output));
        root.Subcommands.Add(VmCommands.Build(output));
        root.Subcommands.Add(AdapterCommands.Build(output));
        foreach (var command in StateFileCommands.Build(output)) root.Subcommands.Add(command);
        foreach (var command in EngineCommands.Build(output)) root.Subcommands.Add(command);
        root.Subcommands.Add(Demo.DemoCommand.Build(output));
        root.Subcommands.Add(TraceCommands.Build(output));
        root.Subcommands.Add(WatchCommand.Build(output));
        root.Subcommands.Add(DaemonCommand.Build(output));
        root.Subcommands.Add(LibvirtCommands.Build(output));
        return root;
    }

    /// <summary>
    /// Runs one command line. A user mistake is one line <c>hostnet: error: …</c> and exit 1; so is
    /// any other failure (a kernel refusal, a locked database), never a stack trace unless
    /// <c>HOSTNET_DEBUG=1</c>. A command line that does not parse exits 2.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var root = BuildRoot(output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            foreach (var e in parse.Errors) error.WriteLine("hostnet: " + OneLine(e.Message));
            error.WriteLine($"hostnet: see '{CommandPath(parse)} --help'");
            return Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (Exception e) when (e is ValidationException or RequestRefusedException)
        {
            error.WriteLine("hostnet: error: " + ErrorText.Line(e));
            return Error;
        }
        catch (Exception e) when (Failures.InterruptedExitCode(e) is { } exitCode)
        {
            error.WriteLine("hostnet: error: " + OneLine(e.Message) + "; run `hostnet apply` to finish");
            return exitCode;
        }
        catch (Exception e)
        {
            error.WriteLine("hostnet: error: " + ErrorText.Line(e));
            if (Environment.GetEnvironmentVariable("HOSTNET_DEBUG") == "1") error.WriteLine(e);
            return Error;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "hostnet" : r.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}

using System.CommandLine;
using System.Globalization;
using Hostnet.Cli.Output;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet export</c> and <c>hostnet import</c>: the whole desired state as one JSON document,
/// <c>{"networks":[…],"vms":[…]}</c>. Import takes all of a file in one transaction, through the same
/// rules as the commands, or none of it, naming the first entry it refused.
/// </summary>
internal static class StateFileCommands
{
    public static IEnumerable<Command> Build(TextWriter output)
    {
        yield return Export(output);
        yield return Import(output);
    }

    private static Command Export(TextWriter output)
    {
        var command = new Command("export", "Print the whole desired state as JSON (the format import reads)");
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            Json.Write(output, ctx.Agent.StateFile.Export(), Json.Types.StateDocument);
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Import(TextWriter output)
    {
        var file = new Argument<string>("FILE") { Description = "A file as export prints it, or - for standard input" };
        var command = new Command("import", "Add the networks and VMs of a JSON file: all of them, or none if one is refused") { file };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var path = parse.GetValue(file)!;
            var (networks, vms) = ctx.Agent.StateFile.Import(path == "-" ? Console.OpenStandardInput : () => File.OpenRead(path), path);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {networks} network{(networks == 1 ? "" : "s")} and {vms} VM{(vms == 1 ? "" : "s")}"));
            return HostnetCli.Success;
        });
        return command;
    }
}

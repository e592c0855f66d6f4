using System.CommandLine;
using Hostnet.Daemon;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary><c>hostnet daemon</c>: the server's application layer served over HTTP on a unix socket until SIGTERM or Ctrl-C.</summary>
internal static class DaemonCommand
{
    public static Command Build(TextWriter output)
    {
        var socket = new Option<string?>("--socket")
        {
            Description = $"The unix socket to serve on (default {HostnetDaemon.DefaultSocket(null)}, or {HostnetDaemon.SocketDirectory}/NAME.sock with --netns NAME)",
            HelpName = "PATH",
        };
        var command = new Command("daemon", "Serve the API (the JSON of --json, errors as problem details) on a unix socket, mode 0660, until SIGTERM or Ctrl-C") { socket };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var given = parse.GetValue(socket);
            if (given is not null && string.IsNullOrWhiteSpace(given))
                throw new ValidationException("--socket is empty: give the socket's path, or leave the option out");
            var path = given ?? HostnetDaemon.DefaultSocket(ctx.Netns);
            HostnetDaemon.Run(ctx.Agent, path, () =>
                output.WriteLine($"serving {(ctx.Netns is null ? "this server" : "server " + ctx.Netns)} on {Path.GetFullPath(path)} (SIGTERM or Ctrl-C stops)"));
            output.WriteLine("stopped serving");
            return HostnetCli.Success;
        });
        return command;
    }
}

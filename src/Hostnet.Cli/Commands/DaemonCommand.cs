using System.CommandLine;
using Hostnet.Daemon;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet daemon</c>: the server's application layer served over HTTP on a unix socket (and, when asked, on
/// TCP with TLS and a bearer token) until SIGTERM or Ctrl-C; <c>hostnet daemon install</c> writes its systemd unit.
/// </summary>
internal static class DaemonCommand
{
    public static Command Build(TextWriter output)
    {
        var socket = new Option<string?>("--socket")
        {
            Description = $"The unix socket to serve on (default {HostnetDaemon.DefaultSocket(null)}, or {HostnetDaemon.SocketDirectory}/NAME.sock with --netns NAME)",
            HelpName = "PATH",
        };
        var listen = new Option<string?>("--listen")
        {
            Description = "Also serve on TCP at ADDR:PORT, with TLS and a bearer token (needs --tls-cert, --tls-key and --token-file)",
            HelpName = "ADDR:PORT",
        };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "The TLS certificate for --listen (PEM)", HelpName = "FILE" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The TLS certificate's private key for --listen (PEM)", HelpName = "FILE" };
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = "The bearer token a request on --listen must send, one line in a file only its owner may read (chmod 600)",
            HelpName = "FILE",
        };
        var command = new Command("daemon",
            "Serve the API (the JSON of --json, errors as problem details) on a unix socket, mode 0660, and with --listen on TCP with TLS and a token, until SIGTERM or Ctrl-C")
        {
            socket, listen, tlsCert, tlsKey, tokenFile,
        };
        Option<string?>[] tcp = [listen, tlsCert, tlsKey, tokenFile];
        command.Validators.Add(result =>
        {
            var given = tcp.Where(o => result.GetResult(o) is not null).ToList();
            if (given.Count is > 0 and < 4)
            {
                var missing = tcp.Except(given).Select(o => o.Name).ToList();
                var names = missing.Count == 1 ? missing[0] + " is" : string.Join(", ", missing[..^1]) + " and " + missing[^1] + " are";
                result.AddError($"--listen, --tls-cert, --tls-key and --token-file go together: {names} missing");
            }
        });
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var given = parse.GetValue(socket);
            if (given is not null && string.IsNullOrWhiteSpace(given))
                throw new ValidationException("--socket is empty: give the socket's path, or leave the option out");
            var path = given ?? HostnetDaemon.DefaultSocket(ctx.Netns);
            // Everything TCP needs is read and checked before anything listens.
            using var endpoint = parse.GetValue(listen) is { } address
                ? TcpEndpoint.Load(address, parse.GetValue(tlsCert)!, parse.GetValue(tlsKey)!, parse.GetValue(tokenFile)!)
                : null;
            var where = Path.GetFullPath(path) + (endpoint is null ? "" : " and https://" + TcpEndpoint.Format(endpoint.EndPoint));
            HostnetDaemon.Run(ctx.Agent, path, () =>
                output.WriteLine($"serving {(ctx.Netns is null ? "this server" : "server " + ctx.Netns)} on {where} (SIGTERM or Ctrl-C stops)"), endpoint);
            output.WriteLine("stopped serving");
            return HostnetCli.Success;
        });
        command.Subcommands.Add(Install(output));
        return command;
    }

    /// <summary><c>hostnet daemon install [--unit-dir DIR]</c>: the systemd unit, running this binary, and what to run next.</summary>
    private static Command Install(TextWriter output)
    {
        var unitDir = new Option<string?>("--unit-dir")
        {
            Description = $"Where to write {SystemdUnit.FileName} (default {SystemdUnit.DefaultDirectory})",
            HelpName = "DIR",
        };
        var command = new Command("install", $"Write the systemd unit {SystemdUnit.FileName} (Type=notify, WatchdogSec=30) that runs this binary's daemon") { unitDir };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(unitDir);
            if (dir is not null && string.IsNullOrWhiteSpace(dir))
                throw new ValidationException("--unit-dir is empty: give the directory, or leave the option out");
            var binary = Environment.ProcessPath ?? throw new ValidationException("cannot tell where this binary is: copy dist/hostnetd.service by hand");
            var written = SystemdUnit.Install(dir ?? SystemdUnit.DefaultDirectory, binary);
            output.WriteLine($"wrote {written} (ExecStart={binary} daemon)");
            output.WriteLine("now run: systemctl daemon-reload && systemctl enable --now hostnetd");
            return HostnetCli.Success;
        });
        return command;
    }
}

using System.Net.Sockets;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Hostnet.Daemon;

/// <summary>
/// <c>hostnet daemon</c>: the application layer of one server, served over HTTP on a unix socket. Every
/// answer is a document of the CLI's <c>--json</c>, every error an RFC 9457 problem whose detail is the
/// CLI's one line. It runs the watch loop (<see cref="DaemonWatch"/>): restores the state at start, before
/// it says it serves, and keeps the kernel true to it. It serves until SIGTERM or SIGINT, then removes its socket.
/// </summary>
public static class HostnetDaemon
{
    /// <summary>Where the sockets live when <c>--socket</c> does not say.</summary>
    public const string SocketDirectory = "/run/hostnet";

    /// <summary>The socket of this host's daemon, or of the daemon of lab server <paramref name="netns"/>.</summary>
    public static string DefaultSocket(string? netns) => Path.Combine(SocketDirectory, (netns ?? "hostnet") + ".sock");

    /// <summary>
    /// Serves <paramref name="agent"/> on <paramref name="socketPath"/> (mode 0660) until SIGTERM or SIGINT.
    /// A socket a live daemon answers on is refused (<see cref="DaemonRefusedException"/>); one left by a
    /// daemon that died is replaced.
    /// </summary>
    /// <param name="agent">The application layer of the server to serve.</param>
    /// <param name="socketPath">The unix socket.</param>
    /// <param name="serving">
    /// Called once the daemon accepts requests, which is after its first apply of the whole state (done or
    /// failed); then systemd is told READY=1.
    /// </param>
    /// <param name="tcp">Also serve on TCP with TLS and a bearer token, when given.</param>
    public static void Run(HostAgent agent, string socketPath, Action serving, TcpEndpoint? tcp = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        ArgumentNullException.ThrowIfNull(serving);
        serving = Systemd.Ready(serving);
        var path = Path.GetFullPath(socketPath);
        var listener = UnixSocket.Bind(path);
        Socket? tcpListener = null;
        try
        {
            tcpListener = tcp?.Bind();
            var heartbeat = new LoopHeartbeat();
            using var watchdog = Systemd.Watchdog(heartbeat);
            // The loop tells the requests' writes from other processes': it need not apply again what a request applied.
            agent.RecordOwnWrites();
            using var app = Build(agent, path, listener, tcp, tcpListener);
            agent.Applied += Metrics.Applied;
            agent.Applied += Events.Applied;
            // Restore: the whole state applied (or its failure said) before the daemon says it serves.
            using var watch = new DaemonWatch(agent, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hostnet.Daemon.Watch"), heartbeat);
            watch.Start();
            app.Lifetime.ApplicationStarted.Register(serving);
            app.Lifetime.ApplicationStopping.Register(() => Systemd.Notify("STOPPING=1"));
            app.Run();
        }
        finally
        {
            tcpListener?.Dispose();
            listener.Dispose();
            UnixSocket.Remove(path);
        }
    }

    private static WebApplication Build(HostAgent agent, string path, Socket listener, TcpEndpoint? tcp, Socket? tcpListener)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // The daemon is configured by its command line only: no appsettings.json, no ASPNETCORE_URLS reaching past it.
        builder.Configuration.Sources.Clear();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        // Under systemd, with stderr the journal's stream: entries with structured fields instead of lines.
        if (JournalLoggerProvider.WhenStderrIsJournal() is { } journal)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(journal);
        }
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, HostnetJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, DaemonJsonContext.Default);
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(path);
            if (tcp is not null) k.Listen(tcp.EndPoint, l => l.UseHttps(tcp.Certificate));
        });
        if (tcp is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        // Kestrel listens on the sockets bound here: the unix one never reachable with another mode, the TCP one
        // bound before anything else starts, so that a port taken is one line.
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint => endpoint switch
        {
            UnixDomainSocketEndPoint => listener,
            System.Net.IPEndPoint when tcpListener is not null => tcpListener,
            _ => SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint),
        });

        var app = builder.Build();
        app.Use(Metrics.Count);
        app.Use(Problems.Catch);
        if (tcp is not null) app.Use(tcp.Authorize);
        Endpoints.Map(app, agent);
        return app;
    }
}

/// <summary>The daemon cannot start: its message is the one line a person reads.</summary>
public sealed class DaemonRefusedException : Exception
{
    public DaemonRefusedException()
    {
    }

    public DaemonRefusedException(string message) : base(message)
    {
    }

    public DaemonRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

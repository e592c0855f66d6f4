using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Frontend;
using Hostnet.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>
/// <c>GET /v1/trace?dest=ADDR[&amp;from=lan|vm:NAME]</c>: what <c>hostnet --json trace ADDR [--from-lan|--from-vm NAME]</c>
/// prints for this server, its fixes written as commands to paste on it.
/// </summary>
internal static class TraceEndpoint
{
    public static void Map(IEndpointRouteBuilder app, HostAgent agent) =>
        app.MapGet("/v1/trace", (string? dest, string? from) =>
            new ContractJson<IReadOnlyList<TraceStepDocument>>(Trace(agent, dest, from), HostnetJsonContext.Readable.IReadOnlyListTraceStepDocument));

    private static IReadOnlyList<TraceStepDocument> Trace(HostAgent agent, string? dest, string? from)
    {
        if (string.IsNullOrEmpty(dest))
            throw new ValidationException("trace needs dest=ADDR: the IPv4 or IPv6 address the packet is for, e.g. dest=192.168.200.201");
        var destination = TraceText.Destination(dest);
        var trace = agent.Kernel.Trace(destination, FromVm(from));
        return TraceText.Document(trace, TraceText.FixRenderer(StateDirOption(agent), agent.Netns));
    }

    /// <summary><c>from=lan</c> (or none) is the CLI's <c>--from-lan</c>, <c>from=vm:NAME</c> its <c>--from-vm NAME</c>.</summary>
    private static string? FromVm(string? from) => from switch
    {
        null or "" or "lan" => null,
        _ when from.StartsWith("vm:", StringComparison.Ordinal) && from.Length > 3 => from[3..],
        _ => throw new ValidationException($"'{from}' is not where a packet comes from: give from=lan or from=vm:NAME"),
    };

    /// <summary>The <c>--state-dir</c> a pasted fix needs: none when the daemon's state is where the CLI looks by default.</summary>
    private static string? StateDirOption(HostAgent agent) => agent.HasDefaultStateDir ? null : agent.StateDir;
}

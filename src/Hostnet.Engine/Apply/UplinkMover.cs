using Hostnet.Engine.Kernel;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Moves the server's own addresses and routes between an uplink and its
/// bridge — the one step that can cut an admin off a real server. The order
/// keeps the server reachable: the addresses are on the new side before they
/// leave the old one, then the routes follow. Each step is one request; when
/// one fails, the steps done are undone in reverse and the server is as before.
/// </summary>
internal sealed class UplinkMover
{
    private readonly RtnlSocket _server;
    private readonly FaultInjection _faults;

    public UplinkMover(RtnlSocket server, FaultInjection faults)
    {
        _server = server;
        _faults = faults;
    }

    /// <param name="moves">From the uplink to the bridge (enslave) or from the bridge back to the uplink.</param>
    /// <param name="enslave">True: make the uplink a port of the bridge; false: release it.</param>
    /// <param name="links">The server's links by name.</param>
    public void Move(UplinkMoves moves, bool enslave, IReadOnlyDictionary<string, Link> links)
    {
        var from = links[moves.From];
        var to = links[moves.To];
        var (uplink, bridge) = enslave ? (from, to) : (to, from);
        var steps = new List<(RtnlRequest Do, RtnlRequest[] Undo)>();
        foreach (var a in moves.Addresses)
        {
            var ip = NetlinkValues.ToIp(a.Address);
            steps.Add((new AddAddress(to.Index, to.Name, ip, a.PrefixLength, Replace: true), [new DeleteAddress(to.Index, to.Name, ip, a.PrefixLength)]));
        }
        steps.Add((
            new SetLink(uplink.Index, uplink.Name) { MasterIndex = enslave ? bridge.Index : 0 },
            [new SetLink(uplink.Index, uplink.Name) { MasterIndex = enslave ? 0 : bridge.Index }]));
        foreach (var a in moves.Addresses)
        {
            var ip = NetlinkValues.ToIp(a.Address);
            // Taking the address off the old side drops its routes there: undoing puts both back.
            steps.Add((new DeleteAddress(from.Index, from.Name, ip, a.PrefixLength),
                [new AddAddress(from.Index, from.Name, ip, a.PrefixLength, Replace: true), .. moves.Routes.Select(r => (RtnlRequest)new AddRoute(Spec(r, from), Replace: true))]));
        }
        foreach (var r in moves.Routes)
            steps.Add((new AddRoute(Spec(r, to), Replace: true), [new DeleteRoute(Spec(r, to))]));

        var done = new List<RtnlRequest[]>();
        try
        {
            foreach (var (step, undo) in steps)
            {
                _faults.Step();
                _faults.UplinkStep(done.Count + 1);
                _server.Execute(step);
                done.Add(undo);
            }
        }
        catch (Exception e)
        {
            for (var i = done.Count - 1; i >= 0; i--)
            {
                foreach (var u in done[i])
                {
                    try
                    {
                        _server.Execute(u);
                    }
                    catch (NetlinkException)
                    {
                        // Best effort: the rest of the undo still runs.
                    }
                }
            }
            throw new EngineException(
                $"moving the server's addresses from {moves.From} to {moves.To} failed ({e.Message}); undone: {moves.From} keeps them. Fix the cause, then run `hostnet apply`", e);
        }
    }

    private static RouteSpec Spec(MovedRoute r, Link dev) =>
        new(NetlinkValues.ToIp(r.Destination.Network), r.Destination.PrefixLength, dev.Index, dev.Name,
            r.Gateway is { } g ? NetlinkValues.ToIp(g) : null, 254, r.Protocol, r.Scope,
            r.PreferredSource is { } src ? NetlinkValues.ToIp(src) : null, r.Metric);
}

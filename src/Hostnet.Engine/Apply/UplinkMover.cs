using Hostnet.Engine.Observe;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Moves the server's own network between an uplink and its bridge — the one step that can cut
/// an admin off a real server. Before the first step the complete before-state goes into the
/// journal (<see cref="ILedger.BeginMove"/>). Then: the addresses go on the new side while the
/// old still has them, the uplink joins (or leaves) the bridge, the nexthop objects and the routes
/// follow — each one replaced onto the new side, host and link routes first so that every
/// gateway is reachable when its route is added — then the policy rules that name the old side are
/// made naming the new one, and only then do those rules and the addresses leave the old side.
/// Every step is idempotent, so the same steps from the journal finish a move that was killed
/// anywhere; one that fails is put back the other way.
/// </summary>
internal sealed class UplinkMover
{
    private readonly RtnlSocket _server;
    private readonly FaultInjection _faults;
    private readonly ILedger _ledger;
    private int _step;

    public UplinkMover(RtnlSocket server, FaultInjection faults, ILedger ledger)
    {
        _server = server;
        _faults = faults;
        _ledger = ledger;
    }

    /// <summary>Records the before-state, then moves; a failure puts everything back and throws.</summary>
    public void Move(string uplink, string bridge, bool enslave)
    {
        var move = UplinkMove.Read(_server, uplink, bridge, enslave);
        using (SignalHold.Begin())
            MoveHeld(move);
        SignalHold.ThrowIfReceived($"the server's own network was whole on {move.To}");
    }

    private void MoveHeld(UplinkMove move)
    {
        _ledger.BeginMove(move);
        try
        {
            Forward(move);
        }
        catch (Exception e) when (e is NetlinkException or InvalidOperationException)
        {
            try
            {
                Back(move);
            }
            catch (NetlinkException)
            {
                // The journal keeps the move: the next apply finishes it.
                throw new EngineException(new Problem("uplink-move-failed",
                    $"moving the server's addresses from {move.From} to {move.To} failed ({e.Message}), and so did putting them back", new Remedy.ApplyToFinishMove()), e);
            }
            _ledger.EndMove(move);
            throw new EngineException(new Problem("uplink-move-undone",
                $"moving the server's addresses from {move.From} to {move.To} failed ({e.Message}); undone: {move.From} keeps them", new Remedy.MendThenApply()), e);
        }
        _ledger.EndMove(move);
    }

    /// <summary>
    /// Finishes a move the journal holds (the process that began it died): forward when the
    /// uplink and the side it goes to are there (a bridge gone half-way through giving the uplink
    /// back is no reason to leave the uplink without its addresses), else back onto the side it left.
    /// </summary>
    public void Finish(UplinkMove move)
    {
        using (SignalHold.Begin())
            FinishHeld(move);
        SignalHold.ThrowIfReceived($"the server's own network was whole on {move.To}");
    }

    private void FinishHeld(UplinkMove move)
    {
        var links = Links();
        if (links.ContainsKey(move.Uplink) && links.ContainsKey(move.To)) Forward(move);
        else if (links.ContainsKey(move.From)) Back(move);
        if (move.Enslave) _ledger.Record([LedgerEntry.Uplink(move.Uplink, move.Bridge)]);
        else _ledger.Forget([LedgerEntry.Uplink(move.Uplink, move.Bridge)]);
        _ledger.EndMove(move);
    }

    private void Forward(UplinkMove move) => Run(move, move.From, move.To, enslave: move.Enslave);

    /// <summary>Everything back on the interface it left; the uplink out of (or back into) the bridge as before.</summary>
    private void Back(UplinkMove move) => Run(move, move.To, move.From, enslave: !move.Enslave);

    /// <summary>
    /// The steps: addresses onto <paramref name="toName"/>, the uplink's master, nexthops, routes (the recorded
    /// interface swapped for it), the rules naming it; then the rules naming <paramref name="fromName"/>
    /// (which outlive the interface they name) and its addresses, when it is there, off it.
    /// </summary>
    private void Run(UplinkMove move, string fromName, string toName, bool enslave)
    {
        var links = Links();
        var from = links.GetValueOrDefault(fromName);
        var to = links[toName];
        foreach (var a in move.Addresses) Do(new PutAddress(a, to.Index, to.Name, move.From == to.Name ? null : fromName));
        if (links.TryGetValue(move.Uplink, out var uplink))
        {
            int master = enslave && links.TryGetValue(move.Bridge, out var bridge) ? bridge.Index : 0;
            if ((uplink.MasterIndex ?? 0) != master) Do(new SetLink(uplink.Index, uplink.Name) { MasterIndex = master });
        }
        foreach (var n in move.Nexthops) Do(new PutNexthop(n, to.Index, to.Name));
        var map = new Dictionary<int, int> { [move.FromIndex] = to.Index };
        PutRoutes(move.RoutesInOrder().Select(r => new PutRoute(r, map, to.Name)).ToList());
        foreach (var r in move.Rules) Do(new PutRule(r, move.From, to.Name), there: true);
        foreach (var r in move.Rules) Do(new TakeRule(r, move.From, fromName), gone: true);
        if (from is null) return;
        foreach (var a in move.Addresses) Do(new TakeAddress(a, from.Index, from.Name), gone: true);
    }

    /// <summary>
    /// Each route in turn; one whose gateway is not reachable yet (it hangs off another route
    /// of the move) is tried again after the others, as long as a round makes progress.
    /// </summary>
    private void PutRoutes(List<PutRoute> routes)
    {
        while (routes.Count > 0)
        {
            var waiting = new List<PutRoute>();
            NetlinkException? last = null;
            foreach (var r in routes)
            {
                try
                {
                    Do(r);
                }
                catch (NetlinkException e) when (e.IsGatewayUnreachable)
                {
                    waiting.Add(r);
                    last = e;
                }
            }
            if (waiting.Count == routes.Count) throw last!;
            routes = waiting;
        }
    }

    private void Do(RtnlRequest request, bool gone = false, bool there = false)
    {
        _faults.Step();
        _faults.UplinkStep(++_step);
        try
        {
            _server.Execute(request);
        }
        catch (NetlinkException e) when ((gone && e.IsNotFound) || (there && e.IsAlreadyExists))
        {
            // Already off, or already on: a finished step of a move that died after it.
        }
    }

    private Dictionary<string, Link> Links() => _server.DumpLinks().ToDictionary(l => l.Name, StringComparer.Ordinal);
}

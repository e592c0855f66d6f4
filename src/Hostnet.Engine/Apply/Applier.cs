using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Handlers;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Carries out a plan with as few netlink round trips as its dependencies
/// allow: removals, then links, then one dump to learn the new interface
/// indices, then everything that hangs off them in one batch per namespace.
/// Each object's handler (<see cref="KernelObjectHandlers"/>) says what it is
/// recorded as, what is made apart from the batches and the requests that make
/// or remove it; the applier keeps the order, the batches and the ledger.
/// A failure stops the apply and leaves a state the next apply completes: the
/// ledger holds every link and proxy entry before it is made.
/// </summary>
public sealed class Applier
{
    private readonly NetNamespace _serverNs;
    private readonly RtnlSocket _server;
    private readonly ILedger _ledger;
    private readonly FaultInjection _faults;

    public Applier(NetNamespace serverNs, RtnlSocket server, ILedger ledger, FaultInjection? faults = null)
    {
        _serverNs = serverNs;
        _server = server;
        _ledger = ledger;
        _faults = faults ?? FaultInjection.FromEnvironment();
    }

    /// <summary>Finishes the moves of the server's own network that a dead process left half-way (the journal's).</summary>
    public void FinishInterruptedMoves()
    {
        foreach (var move in _ledger.PendingMoves()) new UplinkMover(_server, _faults, _ledger).Finish(move);
    }

    /// <summary>Runs the plan; returns the objects it added (among them the addresses to announce).</summary>
    public IReadOnlyList<KernelObject> Apply(Plan plan)
    {
        if (plan.IsEmpty) return [];
        var removals = plan.Steps.Where(s => s.Change == Change.Remove).ToList();
        var upserts = plan.Steps.Where(s => s.Change != Change.Remove).ToList();

        _ledger.Record(upserts.Select(s => KernelObjectHandlers.For(s.Object).Record(s)).OfType<LedgerEntry>().ToList());

        var context = new ApplyContext(this, _serverNs, _server, _ledger, _faults);
        Remove(removals, context);

        // What is made apart from the batches, rank by rank: namespaces, bridges and the uplink's move,
        // the server's sysctls, the links, the links' own sysctls.
        foreach (var rank in upserts.GroupBy(s => s.Object.Rank).OrderBy(g => g.Key))
        {
            foreach (var kind in rank.GroupBy(s => KernelObjectHandlers.For(s.Object)))
            {
                if (kind.Key.MakeApart(kind.ToList(), context)) context.LinksChanged();
            }
        }

        // One dump to learn the new interface indices, then everything that hangs off them in one batch.
        context.LinksChanged();
        var links = context.Links;
        var serverRequests = new List<RtnlRequest>();
        foreach (var step in upserts.Where(s => s.Object.Netns == KernelObject.Server))
        {
            if (KernelObjectHandlers.For(step.Object).Create(step, links) is { } r) serverRequests.Add(r);
        }
        Send(_server, serverRequests, tolerateGone: false);

        var guests = upserts.Where(s => s.Object.Netns != KernelObject.Server).GroupBy(s => s.Object.Netns).ToList();
        if (guests.Count > 0)
        {
            using var sockets = GuestSockets.Open(guests.Select(g => g.Key).ToList());
            for (int i = 0; i < guests.Count; i++)
            {
                var guestLinks = IndexLinks(sockets[i].DumpLinks());
                var requests = guests[i].Select(s => KernelObjectHandlers.For(s.Object).Create(s, guestLinks)).OfType<RtnlRequest>().ToList();
                Send(sockets[i], requests, tolerateGone: false);
            }
        }

        return upserts.Where(s => s.Change == Change.Add).Select(s => s.Object).ToList();
    }

    /// <summary>
    /// What goes in the batches first (the server's, then each guest's), then what goes apart, most
    /// dependent rank first: the uplink's network back, the bridges, the namespaces. The ledger forgets
    /// what is removed once all of it is gone.
    /// </summary>
    private void Remove(List<PlanStep> removals, ApplyContext context)
    {
        if (removals.Count == 0) return;
        var links = context.Links;
        var server = new List<RtnlRequest>();
        foreach (var step in removals.Where(s => s.Object.Netns == KernelObject.Server))
        {
            if (KernelObjectHandlers.For(step.Object).Delete(step.Object, links) is { } request) server.Add(request);
        }
        Send(_server, server, tolerateGone: true);
        context.LinksChanged();

        var guests = removals.Where(s => s.Object.Netns != KernelObject.Server).GroupBy(s => s.Object.Netns)
            .Where(g => NetNamespace.Exists(g.Key)).ToList();
        if (guests.Count > 0)
        {
            using var sockets = GuestSockets.Open(guests.Select(g => g.Key).ToList());
            for (int i = 0; i < guests.Count; i++)
            {
                var guestLinks = IndexLinks(sockets[i].DumpLinks());
                var requests = guests[i].Select(s => KernelObjectHandlers.For(s.Object).Delete(s.Object, guestLinks)).OfType<RtnlRequest>().ToList();
                Send(sockets[i], requests, tolerateGone: true);
            }
        }

        foreach (var rank in removals.Where(s => s.Object.Netns == KernelObject.Server).GroupBy(s => s.Object.Rank).OrderByDescending(g => g.Key))
        {
            foreach (var kind in rank.GroupBy(s => KernelObjectHandlers.For(s.Object)))
                kind.Key.RemoveApart(kind.Select(s => s.Object).ToList(), context);
        }
        _ledger.Forget(removals.Select(s => KernelObjectHandlers.For(s.Object).Forget(s.Object)).OfType<LedgerEntry>().ToList());
    }

    internal void Send(RtnlSocket sock, List<RtnlRequest> requests, bool tolerateGone)
    {
        if (requests.Count == 0) return;
        if (_faults.Enabled)
        {
            foreach (var r in requests)
            {
                _faults.Step();
                Check(sock, sock.CreateBatch().Add(r).Send(stopOnError: true), tolerateGone);
            }
            return;
        }
        IReadOnlyList<RtnlRequest> remaining = requests;
        while (remaining.Count > 0)
        {
            var results = sock.CreateBatch().AddRange(remaining).Send(stopOnError: !tolerateGone);
            Check(sock, results, tolerateGone);
            // The batch stopped at an add that met what it wanted (results stop there): send the rest.
            if (results.Count == 0) throw new InvalidOperationException("netlink batch sent nothing");
            remaining = remaining.Skip(results.Count).ToList();
        }
    }

    private static void Check(RtnlSocket sock, IReadOnlyList<RtnlResult> results, bool tolerateGone)
    {
        foreach (var r in results)
        {
            if (r.Error is not { } e) continue;
            if (tolerateGone ? e.IsNotFound : ExistingObject.IsWanted(sock, r.Request, e)) continue;
            throw e;
        }
    }

    internal static Dictionary<string, Link> IndexLinks(IReadOnlyList<Link> links) =>
        links.ToDictionary(l => l.Name, StringComparer.Ordinal);
}

using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Carries out a plan with as few netlink round trips as its dependencies
/// allow: removals, then links, then one dump to learn the new interface
/// indices, then everything that hangs off them in one batch per namespace.
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

        _ledger.Record(upserts.Select(s => s.Object switch
        {
            HostLink l => LedgerEntry.Link(l.Name),
            ProxyNeighborObject p => LedgerEntry.Proxy(p.Dev, p.Address),
            NamespaceObject n when s.Change == Change.Add => LedgerEntry.Namespace(n.Name),
            BridgeObject b when s.Change == Change.Add => LedgerEntry.Bridge(b.Name),
            UplinkPort u => LedgerEntry.Uplink(u.Uplink, u.Bridge),
            _ => (LedgerEntry?)null,
        }).OfType<LedgerEntry>().ToList());

        var links = IndexLinks(_server.DumpLinks());
        Remove(removals, links);

        foreach (var ns in upserts.Select(s => s.Object).OfType<NamespaceObject>())
        {
            _faults.Step();
            // A file left half-made by a kill: planned only for a namespace Hostnet created (HostEngine.Prepare).
            if (NetNamespace.IsStale(ns.Name)) NetNamespace.Delete(ns.Name);
            if (!NetNamespace.Exists(ns.Name)) NetNamespace.Create(ns.Name).Dispose();
        }

        if (upserts.Any(s => s.Object is BridgeObject or UplinkPort))
        {
            MakeBridges(upserts, links);
            links = IndexLinks(_server.DumpLinks());
        }
        WriteSysctls(upserts, Rank.Sysctl);
        CreateLinks(upserts, links);
        links = IndexLinks(_server.DumpLinks());
        WriteSysctls(upserts, Rank.LinkSysctl);

        var serverRequests = new List<RtnlRequest>();
        foreach (var step in upserts.Where(s => s.Object.Netns == KernelObject.Server))
        {
            if (ToUpsert(step, links) is { } r) serverRequests.Add(r);
        }
        Send(_server, serverRequests, tolerateGone: false);

        var guests = upserts.Where(s => s.Object.Netns != KernelObject.Server).GroupBy(s => s.Object.Netns).ToList();
        if (guests.Count > 0)
        {
            using var sockets = GuestSockets.Open(guests.Select(g => g.Key).ToList());
            for (int i = 0; i < guests.Count; i++)
            {
                var guestLinks = IndexLinks(sockets[i].DumpLinks());
                var requests = guests[i].Select(s => ToUpsert(s, guestLinks)).OfType<RtnlRequest>().ToList();
                Send(sockets[i], requests, tolerateGone: false);
            }
        }

        return upserts.Where(s => s.Change == Change.Add).Select(s => s.Object).ToList();
    }

    private void Remove(List<PlanStep> removals, Dictionary<string, Link> links)
    {
        var server = new List<RtnlRequest>();
        var forgotten = new List<LedgerEntry>();
        var givenBack = new List<UplinkPort>();
        var bridges = new List<BridgeObject>();
        var namespaces = new List<NamespaceObject>();
        foreach (var step in removals.Where(s => s.Object.Netns == KernelObject.Server))
        {
            switch (step.Object)
            {
                case NamespaceObject n:
                    namespaces.Add(n);
                    continue;
                case UplinkPort u:
                    givenBack.Add(u);
                    continue;
                case BridgeObject b:
                    bridges.Add(b);
                    continue;
                case HostLink l:
                    forgotten.Add(LedgerEntry.Link(l.Name));
                    break;
                case ProxyNeighborObject p:
                    forgotten.Add(LedgerEntry.Proxy(p.Dev, p.Address));
                    break;
            }
            if (ToDelete(step.Object, links) is { } request) server.Add(request);
        }
        Send(_server, server, tolerateGone: true);

        // After the vme ports are gone: the uplink gets its addresses and routes back, then the bridge goes.
        foreach (var u in givenBack)
        {
            new UplinkMover(_server, _faults, _ledger).Move(u.Uplink, u.Bridge, enslave: false);
            forgotten.Add(LedgerEntry.Uplink(u.Uplink, u.Bridge));
        }
        if (bridges.Count > 0)
        {
            var now = IndexLinks(_server.DumpLinks());
            Send(_server, bridges.Where(b => now.ContainsKey(b.Name)).Select(b => (RtnlRequest)new DeleteLink(now[b.Name].Index, b.Name)).ToList(), tolerateGone: true);
            forgotten.AddRange(bridges.Select(b => LedgerEntry.Bridge(b.Name)));
        }

        var guests = removals.Where(s => s.Object.Netns != KernelObject.Server).GroupBy(s => s.Object.Netns)
            .Where(g => NetNamespace.Exists(g.Key)).ToList();
        if (guests.Count > 0)
        {
            using var sockets = GuestSockets.Open(guests.Select(g => g.Key).ToList());
            for (int i = 0; i < guests.Count; i++)
            {
                var guestLinks = IndexLinks(sockets[i].DumpLinks());
                var requests = guests[i].Select(s => ToDelete(s.Object, guestLinks)).OfType<RtnlRequest>().ToList();
                Send(sockets[i], requests, tolerateGone: true);
            }
        }

        // Guest namespaces Hostnet created that no VM wants any more (a vm rm that died after its commit).
        foreach (var n in namespaces)
        {
            _faults.Step();
            if (NetNamespace.Exists(n.Name) || NetNamespace.IsStale(n.Name)) NetNamespace.Delete(n.Name);
            forgotten.Add(LedgerEntry.Namespace(n.Name));
        }
        _ledger.Forget(forgotten);
    }

    /// <summary>Bridges first (made down, pinned to the uplink's MAC, then up), then each uplink into its bridge with its addresses and routes.</summary>
    private void MakeBridges(List<PlanStep> upserts, Dictionary<string, Link> links)
    {
        var requests = new List<RtnlRequest>();
        foreach (var step in upserts)
        {
            if (step.Object is not BridgeObject b) continue;
            if (step.Change == Change.Add)
                requests.Add(new CreateBridge(b.Name, b.Mac, StpOff: true, ForwardDelayCentiseconds: 0, Up: b.Up));
            else if (links.TryGetValue(b.Name, out var l))
                requests.Add(new SetLink(l.Index, b.Name) { Mac = b.Mac, Up = b.Up });
        }
        Send(_server, requests, tolerateGone: false);

        var ports = upserts.Where(s => s.Object is UplinkPort).ToList();
        if (ports.Count == 0) return;
        foreach (var step in ports)
        {
            var u = (UplinkPort)step.Object;
            new UplinkMover(_server, _faults, _ledger).Move(u.Uplink, u.Bridge, enslave: true);
        }
    }

    private void CreateLinks(List<PlanStep> upserts, Dictionary<string, Link> links)
    {
        var veths = new List<RtnlRequest>();
        var peerNamespaces = new Dictionary<string, NetNamespace>(StringComparer.Ordinal);
        try
        {
            // All taps from one thread in the server's namespace: a thread (and a socket) per tap
            // was most of the time it took to start 1,000 tap VMs.
            var taps = upserts.Select(s => s is { Change: Change.Add, Object: HostLink { Kind: LinkKind.Tap } t } ? t : null).OfType<HostLink>().ToList();
            if (taps.Count > 0) _serverNs.Invoke(() => CreateTaps(taps));
            foreach (var step in upserts)
            {
                if (step is not { Change: Change.Add, Object: HostLink l }) continue;
                if (l.Kind == LinkKind.Tap) continue;
                if (l.Peer is { } peer)
                {
                    if (!peerNamespaces.TryGetValue(peer.Netns, out var peerNs))
                        peerNamespaces[peer.Netns] = peerNs = NetNamespace.Open(peer.Netns);
                    veths.Add(new CreateVeth(l.Name, peer.Name, peerNs, l.Mac, peer.Mac, l.Alias, Up: false));
                }
            }
            Send(_server, veths, tolerateGone: false);
        }
        finally
        {
            foreach (var ns in peerNamespaces.Values) ns.Dispose();
        }
    }

    /// <summary>Persistent taps, in the server's namespace (the calling thread's); one that exists already with its alias is done.</summary>
    private void CreateTaps(List<HostLink> taps)
    {
        var remaining = taps;
        while (remaining.Count > 0)
        {
            string? current = null;
            try
            {
                Tap.CreatePersistent(remaining.Select(t => t.Name), name =>
                {
                    current = name;
                    _faults.Step();
                });
                return;
            }
            catch (NetlinkException e) when (current is { } name
                && ExistingObject.IsWantedTap(_server, e, name, remaining.First(t => t.Name == name).Alias))
            {
                remaining = remaining.SkipWhile(t => t.Name != name).Skip(1).ToList();
            }
        }
    }

    private void WriteSysctls(List<PlanStep> upserts, Rank rank)
    {
        var writes = upserts.Select(s => s.Object).OfType<SysctlObject>().Where(s => s.Rank == rank).ToList();
        if (writes.Count == 0) return;
        _faults.Step(writes.Count);
        Sysctl.WriteMany(_serverNs, writes.Select(w => (w.Path, w.Value)));
    }

    /// <summary>The request that removes an object; null when there is nothing left to remove (its link is gone).</summary>
    private static RtnlRequest? ToDelete(KernelObject o, Dictionary<string, Link> links) => o switch
    {
        HostLink l when links.TryGetValue(l.Name, out var link) => new DeleteLink(link.Index, l.Name),
        ProxyNeighborObject p when links.TryGetValue(p.Dev, out var dev) => new DeleteProxyNeighbor(dev.Index, p.Dev, p.Address),
        NeighborObject n when links.TryGetValue(n.Dev, out var dev) => new DeleteNeighbor(dev.Index, n.Dev, n.Address),
        RouteObject r => new DeleteRoute(ToRouteSpec(r, links.TryGetValue(r.Dev, out var dev) ? dev.Index : null)),
        AddressObject a when links.TryGetValue(a.Dev, out var dev) => new DeleteAddress(dev.Index, a.Dev, a.Address.Address, a.Address.PrefixLength),
        RuleObject r => new DeleteRule(ToRuleSpec(r)),
        _ => null,
    };

    private static RtnlRequest? ToUpsert(PlanStep step, Dictionary<string, Link> links)
    {
        int Index(string dev) => links.TryGetValue(dev, out var l)
            ? l.Index
            : throw new EngineException(new Problem("interface-gone", $"interface {dev} is missing", new Remedy.ApplyAgain()));
        var replace = step.Change == Change.Change;
        switch (step.Object)
        {
            case HostLink l:
                // Made down (or by TUNSETIFF): set its MAC, alias, bridge and state now, in the batch.
                return new SetLink(Index(l.Name), l.Name)
                {
                    Up = l.Up,
                    Mac = NewMac(links[l.Name], l.Mac),
                    Alias = l.Alias,
                    MasterIndex = l.Master is null ? (step.Before is HostLink { Master: not null } ? 0 : null) : Index(l.Master),
                };
            case BridgeObject or UplinkPort:
                return null;
            case GuestLinkState g:
                return new SetLink(Index(g.Name), g.Name) { Up = g.Up };
            case AddressObject a:
                return new AddAddress(Index(a.Dev), a.Dev, a.Address.Address, a.Address.PrefixLength, RouteScope.Universe);
            case RouteObject r:
                return new AddRoute(ToRouteSpec(r, Index(r.Dev)), Replace: replace);
            case NeighborObject n:
                return new AddNeighbor(Index(n.Dev), n.Dev, n.Address, n.Mac, Replace: replace);
            case ProxyNeighborObject p:
                return new AddProxyNeighbor(Index(p.Dev), p.Dev, p.Address);
            case RuleObject r:
                return new AddRule(ToRuleSpec(r));
            default:
                return null;
        }
    }

    /// <summary>
    /// The MAC to set, or null when the link has it already: setting a MAC, even the one a link has,
    /// flushes the link's neighbour entries, permanent ones included (a link change — brought up again,
    /// its alias mended — cost a routed VM its ARP entry).
    /// </summary>
    private static MacAddress? NewMac(Link link, MacAddress wanted) =>
        wanted == link.Mac ? null : wanted;

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

    private static RuleSpec ToRuleSpec(RuleObject r) =>
        new(r.Source, IpPrefix.Host(r.Source).PrefixLength, r.Table, r.Priority, HostnetMarks.RouteProtocol);

    private static RouteSpec ToRouteSpec(RouteObject r, int? ifIndex) =>
        new(r.Destination.Network, r.Destination.PrefixLength, ifIndex, r.Dev,
            r.Gateway, r.Table, HostnetMarks.RouteProtocol,
            r.Gateway is null ? RouteScope.Link : RouteScope.Universe);

    private static Dictionary<string, Link> IndexLinks(IReadOnlyList<Link> links) =>
        links.ToDictionary(l => l.Name, StringComparer.Ordinal);
}

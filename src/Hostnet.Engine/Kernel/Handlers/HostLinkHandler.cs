using Hostnet.Engine.Apply;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// The server's vme interfaces: Hostnet's when named as Hostnet names them and marked by their
/// alias, or in the ledger (recorded before they are made, so a crash leaves none unknown). Made
/// apart (veths in one batch, taps from one thread), then set in the batch: MAC, alias, bridge, state.
/// </summary>
internal sealed class HostLinkHandler : KernelObjectHandler<HostLink>
{
    /// <summary>Whether a server link is a vme interface Hostnet owns.</summary>
    public static bool IsOwned(Link l, LedgerContents ledger) =>
        HostnetMarks.IsHostInterfaceName(l.Name) && (HostnetMarks.ParseAlias(l.Alias) is not null || ledger.Has(LedgerEntry.Link(l.Name)));

    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        foreach (var l in view.Owned.Values)
        {
            into.Add(new HostLink(l.Name, l.Kind == "veth" ? LinkKind.Veth : LinkKind.Tap, l.Mac ?? default,
                l.Alias ?? "", view.NameOf(l.MasterIndex), l.AdminUp));
        }
    }

    protected override LedgerEntry? Record(PlanStep step, HostLink o) => LedgerEntry.Link(o.Name);

    protected override LedgerEntry? Forget(HostLink o) => LedgerEntry.Link(o.Name);

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        var veths = new List<RtnlRequest>();
        var peerNamespaces = new Dictionary<string, NetNamespace>(StringComparer.Ordinal);
        try
        {
            // All taps from one thread in the server's namespace: a thread (and a socket) per tap
            // was most of the time it took to start 1,000 tap VMs.
            var taps = steps.Select(s => s is { Change: Change.Add, Object: HostLink { Kind: LinkKind.Tap } t } ? t : null).OfType<HostLink>().ToList();
            if (taps.Count > 0) context.ServerNs.Invoke(() => CreateTaps(taps, context));
            foreach (var step in steps)
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
            context.Send(veths, tolerateGone: false);
        }
        finally
        {
            foreach (var ns in peerNamespaces.Values) ns.Dispose();
        }
        return true;
    }

    /// <summary>Persistent taps, in the server's namespace (the calling thread's); one that exists already with its alias is done.</summary>
    private static void CreateTaps(List<HostLink> taps, ApplyContext context)
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
                    context.Faults.Step();
                });
                return;
            }
            catch (NetlinkException e) when (current is { } name
                && ExistingObject.IsWantedTap(context.Server, e, name, remaining.First(t => t.Name == name).Alias))
            {
                remaining = remaining.SkipWhile(t => t.Name != name).Skip(1).ToList();
            }
        }
    }

    /// <summary>Made down (or by TUNSETIFF): its MAC, alias, bridge and state are set now, in the batch.</summary>
    protected override RtnlRequest? Create(PlanStep step, HostLink l, IReadOnlyDictionary<string, Link> links) =>
        new SetLink(Index(links, l.Name), l.Name)
        {
            Up = l.Up,
            Mac = NewMac(links[l.Name], l.Mac),
            Alias = l.Alias,
            MasterIndex = l.Master is null ? (step.Before is HostLink { Master: not null } ? 0 : null) : Index(links, l.Master),
        };

    /// <summary>
    /// The MAC to set, or null when the link has it already: setting a MAC, even the one a link has,
    /// flushes the link's neighbour entries, permanent ones included (a link change — brought up again,
    /// its alias mended — cost a routed VM its ARP entry).
    /// </summary>
    private static MacAddress? NewMac(Link link, MacAddress wanted) =>
        wanted == link.Mac ? null : wanted;

    protected override RtnlRequest? Delete(HostLink l, IReadOnlyDictionary<string, Link> links) =>
        links.TryGetValue(l.Name, out var link) ? new DeleteLink(link.Index, l.Name) : null;

    /// <summary>A link whose bridge is missing is made without it, and the missing bridge said.</summary>
    protected override KernelObject? Reachable(HostLink o, Reachability reach)
    {
        if (o.Master is not { } m || reach.Has(m)) return o;
        reach.Report(m);
        return o with { Master = null };
    }
}

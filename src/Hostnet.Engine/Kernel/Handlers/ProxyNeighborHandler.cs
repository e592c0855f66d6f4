using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// Proxy entries on the L3 uplink: the kernel cannot mark them, so Hostnet's are those the intent
/// wants and those the ledger holds (recorded before they are made).
/// </summary>
internal sealed class ProxyNeighborHandler : KernelObjectHandler<ProxyNeighborObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        var wanted = scope.Intent.Objects.OfType<ProxyNeighborObject>().ToHashSet();
        foreach (var p in view.Dump.ProxyNeighbors)
        {
            if (view.NameOf(p.IfIndex) is not { } dev) continue;
            var o = new ProxyNeighborObject(dev, p.Address);
            if (wanted.Contains(o) || scope.Ledger.Has(LedgerEntry.Proxy(dev, o.Address))) into.Add(o);
        }
    }

    protected override LedgerEntry? Record(PlanStep step, ProxyNeighborObject o) => LedgerEntry.Proxy(o.Dev, o.Address);

    protected override LedgerEntry? Forget(ProxyNeighborObject o) => LedgerEntry.Proxy(o.Dev, o.Address);

    protected override RtnlRequest? Create(PlanStep step, ProxyNeighborObject p, IReadOnlyDictionary<string, Link> links) =>
        new AddProxyNeighbor(Index(links, p.Dev), p.Dev, p.Address);

    protected override RtnlRequest? Delete(ProxyNeighborObject p, IReadOnlyDictionary<string, Link> links) =>
        links.TryGetValue(p.Dev, out var dev) ? new DeleteProxyNeighbor(dev.Index, p.Dev, p.Address) : null;

    /// <summary>An entry on an uplink that is missing waits for it, and the uplink is said to be missing.</summary>
    protected override KernelObject? Reachable(ProxyNeighborObject o, Reachability reach)
    {
        if (reach.Has(o.Dev)) return o;
        reach.Report(o.Dev);
        return null;
    }
}

using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// A bridged network's bridge: Hostnet's when the intent wants it or the ledger says Hostnet made
/// it. Made down, pinned to the uplink's MAC, then up; removed after the uplink has its network back.
/// </summary>
internal sealed class BridgeHandler : KernelObjectHandler<BridgeObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        var wanted = scope.Intent.Objects.OfType<BridgeObject>().Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        wanted.UnionWith(scope.Ledger.Keys(LedgerKind.Bridge));
        foreach (var l in view.Dump.Links)
        {
            if (l.Kind == "bridge" && wanted.Contains(l.Name))
                into.Add(new BridgeObject(l.Name, l.Mac ?? default, l.AdminUp));
        }
    }

    protected override LedgerEntry? Record(PlanStep step, BridgeObject o) =>
        step.Change == Change.Add ? LedgerEntry.Bridge(o.Name) : null;

    protected override LedgerEntry? Forget(BridgeObject o) => LedgerEntry.Bridge(o.Name);

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        var requests = new List<RtnlRequest>();
        foreach (var step in steps)
        {
            var b = (BridgeObject)step.Object;
            if (step.Change == Change.Add)
                requests.Add(new CreateBridge(b.Name, b.Mac, StpOff: true, ForwardDelayCentiseconds: 0, Up: b.Up));
            else if (context.Links.TryGetValue(b.Name, out var l))
                requests.Add(new SetLink(l.Index, b.Name) { Mac = b.Mac, Up = b.Up });
        }
        context.Send(requests, tolerateGone: false);
        return true;
    }

    /// <summary>After the uplink has its addresses and routes back (its handler ranks after this one).</summary>
    protected override void RemoveApart(IReadOnlyList<BridgeObject> objects, ApplyContext context)
    {
        context.LinksChanged();
        var now = context.Links;
        context.Send(objects.Where(b => now.ContainsKey(b.Name)).Select(b => (RtnlRequest)new DeleteLink(now[b.Name].Index, b.Name)).ToList(), tolerateGone: true);
        context.LinksChanged();
    }

    protected override void Contribute(BridgeObject o, Reachability reach) => reach.AddBridge(o.Name);

    /// <summary>A bridge is made only with its uplink.</summary>
    protected override KernelObject? Reachable(BridgeObject o, Reachability reach) => reach.IsDropped(o.Name) ? null : o;
}

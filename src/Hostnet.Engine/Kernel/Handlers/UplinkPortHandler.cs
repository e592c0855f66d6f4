using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// The uplink as its bridge's port: Hostnet's when wanted or in the ledger and the uplink's master
/// is that bridge. Making or removing it is the move of the server's own network (<see cref="UplinkMover"/>).
/// </summary>
internal sealed class UplinkPortHandler : KernelObjectHandler<UplinkPort>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        var ports = scope.Intent.Objects.OfType<UplinkPort>().Select(u => u.Uplink + " " + u.Bridge).ToHashSet(StringComparer.Ordinal);
        ports.UnionWith(scope.Ledger.Keys(LedgerKind.Uplink));
        foreach (var port in ports)
        {
            var parts = port.Split(' ');
            if (view.Find(parts[0]) is { } uplink && view.NameOf(uplink.MasterIndex) == parts[1])
                into.Add(new UplinkPort(parts[0], parts[1]));
        }
    }

    protected override LedgerEntry? Record(PlanStep step, UplinkPort o) => LedgerEntry.Uplink(o.Uplink, o.Bridge);

    protected override LedgerEntry? Forget(UplinkPort o) => LedgerEntry.Uplink(o.Uplink, o.Bridge);

    /// <summary>Each uplink into its bridge, with its addresses and routes (after the bridges: they rank before).</summary>
    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        foreach (var step in steps)
        {
            var u = (UplinkPort)step.Object;
            context.Mover().Move(u.Uplink, u.Bridge, enslave: true);
        }
        return true;
    }

    /// <summary>After the vme ports are gone: the uplink gets its addresses and routes back, then the bridge goes.</summary>
    protected override void RemoveApart(IReadOnlyList<UplinkPort> objects, ApplyContext context)
    {
        foreach (var u in objects) context.Mover().Move(u.Uplink, u.Bridge, enslave: false);
    }

    /// <summary>A missing uplink holds its bridge back.</summary>
    protected override void Contribute(UplinkPort o, Reachability reach)
    {
        if (!reach.IsLink(o.Uplink)) reach.DropBridge(o.Bridge);
    }

    protected override KernelObject? Reachable(UplinkPort o, Reachability reach)
    {
        if (reach.IsLink(o.Uplink)) return o;
        reach.Report(o.Uplink);
        return null;
    }
}

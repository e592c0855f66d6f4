using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>Guest network namespaces: there when the snapshot holds their dumps; recorded when Hostnet creates them, removed only as orphans.</summary>
internal sealed class NamespaceHandler : KernelObjectHandler<NamespaceObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        var present = scope.Snapshot.Guests.Select(g => g.Netns).ToHashSet(StringComparer.Ordinal);
        into.AddRange(scope.Intent.Objects.OfType<NamespaceObject>().Where(ns => present.Contains(ns.Name)));
    }

    protected override LedgerEntry? Record(PlanStep step, NamespaceObject o) =>
        step.Change == Change.Add ? LedgerEntry.Namespace(o.Name) : null;

    protected override LedgerEntry? Forget(NamespaceObject o) => LedgerEntry.Namespace(o.Name);

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        foreach (var ns in steps.Select(s => (NamespaceObject)s.Object))
        {
            context.Faults.Step();
            // A file left half-made by a kill: planned only for a namespace Hostnet created (HostEngine.Prepare).
            if (NetNamespace.IsStale(ns.Name)) NetNamespace.Delete(ns.Name);
            if (!NetNamespace.Exists(ns.Name)) NetNamespace.Create(ns.Name).Dispose();
        }
        return false;
    }

    /// <summary>Guest namespaces Hostnet created that no VM wants any more (a vm rm that died after its commit).</summary>
    protected override void RemoveApart(IReadOnlyList<NamespaceObject> objects, ApplyContext context)
    {
        foreach (var n in objects)
        {
            context.Faults.Step();
            if (NetNamespace.Exists(n.Name) || NetNamespace.IsStale(n.Name)) NetNamespace.Delete(n.Name);
        }
    }
}

using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>Permanent neighbour entries on the vme links Hostnet owns; the kernel's learnt ones are not Hostnet's.</summary>
internal sealed class NeighborHandler : KernelObjectHandler<NeighborObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        foreach (var n in view.Dump.Neighbors)
        {
            if (view.Owned.TryGetValue(n.IfIndex, out var l) && n.State.HasFlag(NeighborState.Permanent) && n.Mac is not null)
                into.Add(new NeighborObject(l.Name, n.Address, n.Mac ?? default));
        }
    }

    protected override RtnlRequest? Create(PlanStep step, NeighborObject n, IReadOnlyDictionary<string, Link> links) =>
        new AddNeighbor(Index(links, n.Dev), n.Dev, n.Address, n.Mac, Replace: step.Change == Change.Change);

    protected override RtnlRequest? Delete(NeighborObject n, IReadOnlyDictionary<string, Link> links) =>
        links.TryGetValue(n.Dev, out var dev) ? new DeleteNeighbor(dev.Index, n.Dev, n.Address) : null;

    protected override string? DevOf(NeighborObject o) => o.Dev;
}

using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>The state of the links the intent names in a guest (<c>lo</c>, <c>ethN</c>); never removed.</summary>
internal sealed class GuestLinkStateHandler : KernelObjectHandler<GuestLinkState>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (view.IsServer) return;
        foreach (var l in view.Owned.Values) into.Add(new GuestLinkState(view.Netns, l.Name, l.AdminUp));
    }

    protected override RtnlRequest? Create(PlanStep step, GuestLinkState g, IReadOnlyDictionary<string, Link> links) =>
        new SetLink(Index(links, g.Name), g.Name) { Up = g.Up };
}

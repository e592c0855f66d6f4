using Hostnet.Engine.Intent;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>Policy-routing rules in a guest: Hostnet's protocol number, from one address (/32).</summary>
internal sealed class RuleHandler : KernelObjectHandler<RuleObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (view.IsServer) return;
        foreach (var r in view.Dump.Rules)
        {
            if (r.Protocol == HostnetMarks.RouteProtocol && r.Source is { } source && r.SourcePrefix == IpPrefix.Host(source).PrefixLength)
                into.Add(new RuleObject(view.Netns, source, r.Table, r.Priority));
        }
    }

    protected override RtnlRequest? Create(PlanStep step, RuleObject r, IReadOnlyDictionary<string, Link> links) => new AddRule(ToRuleSpec(r));

    protected override RtnlRequest? Delete(RuleObject r, IReadOnlyDictionary<string, Link> links) => new DeleteRule(ToRuleSpec(r));

    private static RuleSpec ToRuleSpec(RuleObject r) =>
        new(r.Source, IpPrefix.Host(r.Source).PrefixLength, r.Table, r.Priority, HostnetMarks.RouteProtocol);
}

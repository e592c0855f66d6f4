using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Frontend;

/// <summary>
/// The documents of <c>--json</c>, built once from what the application layer answers: the CLI prints them,
/// the daemon answers them, and so both say the same thing for the same state.
/// </summary>
public static class Documents
{
    /// <summary><c>network list</c>.</summary>
    public static IReadOnlyList<NetworkDocument> Networks(IEnumerable<Network> networks) => networks.Select(ToDocument.Network).ToList();

    /// <summary><c>network show NAME</c>.</summary>
    public static NetworkDetailsDocument Network((Network Network, IReadOnlyList<(Vm Vm, Adapter Adapter)> Adapters) shown) =>
        ToDocument.NetworkDetails(shown.Network, shown.Adapters);

    /// <summary><c>vm list</c>: each VM with its pending mark.</summary>
    public static IReadOnlyList<VmDocument> Vms(IEnumerable<VmView> vms) =>
        vms.Select(v => ToDocument.Vm(v.Vm, v.State, details: false, pendingApply: v.PendingApply)).ToList();

    /// <summary><c>vm show NAME</c>: the VM in detail.</summary>
    public static VmDocument Vm(VmView vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return ToDocument.Vm(vm.Vm, vm.State, details: true, pendingApply: vm.PendingApply);
    }

    /// <summary><c>plan</c>: the steps, and the problems it met in a front end's words.</summary>
    public static PlanDocument Plan(PlanResult plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return ToDocument.Plan(plan.Plan, plan.Problems.Select(RemedyText.Line).ToList());
    }

    /// <summary><c>apply</c>: the steps it carried out (none when the kernel already matched), and the MACs the rules now refuse.</summary>
    public static PlanDocument Applied(ApplyResult applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        return ToDocument.Plan(applied.Done, applied.MacProblems.Select(RemedyText.Line).ToList());
    }
}

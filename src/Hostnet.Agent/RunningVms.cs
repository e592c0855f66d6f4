using Hostnet.Engine;
using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>
/// Where a change to a VM meets the kernel: <c>vm start|stop|rm</c> and <c>adapter add|set|rm</c> call
/// <see cref="Changed"/> inside their unit of work, after the rows are written and before the commit.
/// It plans against the live kernel and probes the LAN there — a refusal rolls the transaction back and
/// leaves the kernel untouched — and applies that plan once the change is committed. The VM is marked
/// pending in the same transaction and unmarked once the kernel has followed: a use case that dies or fails
/// in between leaves a state that says so (<c>vm list</c>), and the next apply finishes it.
/// </summary>
internal static class RunningVms
{
    /// <param name="agent">The server's agent (state directory, namespace).</param>
    /// <param name="work">The open unit of work the change is written in.</param>
    /// <param name="before">The VM before the change (null: it is new).</param>
    /// <param name="after">The VM after the change (null: it was removed).</param>
    /// <param name="state">The whole desired state after the change.</param>
    /// <param name="probe">Probe the LAN for addresses about to be published (<c>--no-probe</c> turns it off).</param>
    /// <param name="announce">Tell the LAN of the addresses published (off: the objects are made, the LAN is not told yet).</param>
    public static void Changed(HostAgent agent, UnitOfWork work, Vm? before, Vm? after, DesiredState state, bool probe = true, bool announce = true)
    {
        var removedNetns = after is null && before?.Guest is { Kind: GuestKind.Netns, NetnsName: { } ns } ? ns : null;
        if (before?.Running != true && after?.Running != true)
        {
            if (removedNetns is not null) work.OnCommitted(() => agent.Kernel.RemoveCreatedNamespace(removedNetns));
            return;
        }

        var pending = after is null ? null : new Dictionary<string, long>(StringComparer.Ordinal) { [after.Name] = work.Tx.MarkPending(after.Name) };

        // Planned and probed now, inside the transaction: a refusal rolls the change back and the kernel is untouched.
        var engine = agent.OpenEngine();
        PreparedApply prepared;
        try
        {
            prepared = engine.Prepare(state);
            if (probe) engine.ProbeOrRefuse(prepared, new ApplyOptions().ProbeWindow);
        }
        catch
        {
            engine.Dispose();
            throw;
        }

        // Made so once committed, with the plan just made for exactly the state committed (observing the
        // whole kernel again cost as much as the rest of a one-adapter change at 10,000 VMs); a failure
        // then leaves a state that the next apply completes.
        var name = (after ?? before)!.Name;
        // Another VM left out (its namespace is a stale file) does not make this change fail: said, not fatal.
        var others = prepared.LeftOutVms.Where(v => v.Key != name).Select(v => v.Value).ToList();
        if (others.Count > 0) prepared = prepared with { Problems = prepared.Problems.Except(others).ToList() };
        work.OnCommitted(() =>
        {
            foreach (var problem in others) agent.Warn(problem);
            try
            {
                using (engine)
                {
                    agent.Report(ApplyCauses.Change, () => engine.Apply(prepared, new ApplyOptions { Probe = false, Announce = announce }));
                }
                if (removedNetns is not null) agent.Kernel.RemoveCreatedNamespace(removedNetns);
            }
            catch (Exception e) when (e is EngineException or Netlink.NetlinkException or InvalidOperationException)
            {
                throw new KernelNotFollowedException(name, after is null ? SavedAs.Removed : after.Running ? SavedAs.Running : SavedAs.Stopped, e);
            }
            if (pending is not null)
            {
                using var store = agent.OpenStore();
                store.State.Write(t => t.ClearPending(pending));
            }
        });
    }
}

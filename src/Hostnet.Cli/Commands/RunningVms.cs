using Hostnet.Engine;
using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Cli.Commands;

/// <summary>
/// Where a change to a VM meets the kernel: <c>vm start|stop|rm</c> and <c>adapter add|set|rm</c> call
/// <see cref="Changed"/> inside their transaction, after the rows are written and before the commit.
/// It plans against the live kernel and probes the LAN there — a refusal rolls the transaction back and
/// leaves the kernel untouched — and applies that plan once the change is committed. The VM is marked
/// pending in the same transaction and unmarked once the kernel has followed: a command that dies or fails
/// in between leaves a state that says so (<c>vm list</c>), and the next apply finishes it.
/// </summary>
internal static class RunningVms
{
    /// <param name="ctx">The command's context (state directory, <c>--netns</c>).</param>
    /// <param name="tx">The open transaction the change is written in.</param>
    /// <param name="before">The VM before the change (null: it is new).</param>
    /// <param name="after">The VM after the change (null: it was removed).</param>
    /// <param name="state">The whole desired state after the change.</param>
    /// <param name="probe">Probe the LAN for addresses about to be published (<c>--no-probe</c> turns it off).</param>
    public static void Changed(CliContext ctx, StateTransaction tx, Vm? before, Vm? after, DesiredState state, bool probe = true)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var removedNetns = after is null && before?.Guest is { Kind: GuestKind.Netns, NetnsName: { } ns } ? ns : null;
        if (before?.Running != true && after?.Running != true)
        {
            if (removedNetns is not null) ctx.OnCommitted(() => EngineCommands.RemoveCreatedNamespace(ctx, removedNetns));
            return;
        }

        var pending = after is null ? null : new Dictionary<string, long>(StringComparer.Ordinal) { [after.Name] = tx.MarkPending(after.Name) };

        // Planned and probed now, inside the transaction: a refusal rolls the change back and the kernel is untouched.
        var engine = EngineCommands.OpenEngine(ctx);
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
        ctx.OnCommitted(() =>
        {
            foreach (var line in others) Console.Error.WriteLine("hostnet: warning: " + line);
            try
            {
                using (engine)
                {
                    engine.Apply(prepared, new ApplyOptions { Probe = false });
                }
                if (removedNetns is not null) EngineCommands.RemoveCreatedNamespace(ctx, removedNetns);
            }
            catch (Exception e) when (e is EngineException or Netlink.NetlinkException or InvalidOperationException)
            {
                var saved = after is null ? $"VM {name} is removed from the state; `hostnet apply` removes what is left of it"
                    : $"VM {name} is saved {(after.Running ? "running" : "stopped")}, pending apply; `hostnet apply` finishes it";
                throw new EngineException($"{e.Message.ReplaceLineEndings(" ").TrimEnd('.')} ({saved})", e);
            }
            if (pending is not null)
            {
                using var store = ctx.OpenStore();
                store.Write(t => t.ClearPending(pending));
            }
        });
    }
}

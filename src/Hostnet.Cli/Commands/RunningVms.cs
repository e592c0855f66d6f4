using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Cli.Commands;

/// <summary>
/// Where a change to a VM meets the kernel: <c>vm rm</c> and <c>adapter add|set|rm</c> all call
/// <see cref="Changed"/> inside their transaction, after the rows are written and before the commit.
/// A running VM's interfaces, addresses, routes and ARP entries are to follow the change here; if
/// that throws, the transaction rolls back and the database keeps the old state.
/// </summary>
internal static class RunningVms
{
    /// <param name="ctx">The command's context (state directory, <c>--netns</c>).</param>
    /// <param name="tx">The open transaction; the engine may record what it made in it.</param>
    /// <param name="before">The VM before the change (null: it is new).</param>
    /// <param name="after">The VM after the change (null: it was removed).</param>
    /// <param name="state">The whole desired state after the change.</param>
    public static void Changed(CliContext ctx, StateTransaction tx, Vm? before, Vm? after, DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (before?.Running != true && after?.Running != true) return;
        // The kernel side comes with the engine: nothing to program yet.
    }
}

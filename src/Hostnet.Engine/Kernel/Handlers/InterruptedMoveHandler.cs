using Hostnet.Engine.Apply;
using Hostnet.Engine.Planning;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// A move of the server's own network that a dead process left half-way: not observed (the
/// journal holds it, and the engine puts it first in a plan); made by finishing it from the journal.
/// </summary>
internal sealed class InterruptedMoveHandler : KernelObjectHandler<InterruptedMove>
{
    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        var uplinks = steps.Select(s => ((InterruptedMove)s.Object).Uplink).ToHashSet(StringComparer.Ordinal);
        foreach (var move in context.Ledger.PendingMoves().Where(m => uplinks.Contains(m.Uplink))) context.Mover().Finish(move);
        return true;
    }
}

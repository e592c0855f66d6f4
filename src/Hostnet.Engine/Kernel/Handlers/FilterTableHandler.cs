using Hostnet.Engine.Apply;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// Hostnet's nftables tables (<c>table bridge hostnet</c>, <c>inet</c>, <c>arp</c>): observed by listing
/// them, made anew whole (one transaction) when missing or changed, removed when no adapter of their
/// kind runs. Made before the links, so that a new guest sends nothing unfiltered.
/// </summary>
internal sealed class FilterTableHandler : KernelObjectHandler<FilterTable>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        foreach (var t in scope.Snapshot.Filters) into.Add(new FilterTable(t.Family, t.Shape));
    }

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        if (steps.Count == 0) return false;
        var commands = string.Concat(steps.Select(s => HostnetRuleset.For(((FilterTable)s.Object).Family).CreateCommands()));
        context.Faults.Step();
        Run(context, commands, "nft add table hostnet");
        return false;
    }

    protected override void RemoveApart(IReadOnlyList<FilterTable> objects, ApplyContext context)
    {
        context.Faults.Step();
        Run(context, string.Concat(objects.Select(t => HostnetRuleset.For(t.Family).DeleteCommands())), "nft delete table hostnet");
    }

    /// <summary>Runs nft commands as one transaction in the server's namespace (on its thread).</summary>
    internal static string Run(ApplyContext context, string commands, string operation) =>
        context.ServerNs.Invoke(() =>
        {
            using var nft = Nftables.Open();
            return nft.Run(commands, operation);
        });
}

/// <summary>
/// The set elements of each adapter in Hostnet's tables: observed only in a table of the wanted shape
/// (a table made anew holds none, so all of them are added again), added and deleted as JSON, one
/// transaction each way, never a reload of the table.
/// </summary>
internal sealed class FilterElementHandler : KernelObjectHandler<FilterElement>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        var wanted = scope.Intent.Objects.OfType<FilterTable>().ToDictionary(t => t.Family);
        foreach (var t in scope.Snapshot.Filters)
        {
            if (!wanted.TryGetValue(t.Family, out var want) || want.Shape != t.Shape) continue;
            foreach (var (set, keys) in t.Elements)
            {
                foreach (var key in keys) into.Add(new FilterElement(t.Family, set, key));
            }
        }
    }

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        if (steps.Count == 0) return false;
        context.Faults.Step();
        FilterTableHandler.Run(context, FilterJson.ElementCommands(steps.Select(s => (FilterElement)s.Object), add: true), "nft add element");
        return false;
    }

    protected override void RemoveApart(IReadOnlyList<FilterElement> objects, ApplyContext context)
    {
        context.Faults.Step();
        try
        {
            FilterTableHandler.Run(context, FilterJson.ElementCommands(objects, add: false), "nft delete element");
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            // One element (or its table) went since it was listed, and the transaction with it: the rest one by one.
            foreach (var o in objects)
            {
                try
                {
                    FilterTableHandler.Run(context, FilterJson.ElementCommands([o], add: false), "nft delete element");
                }
                catch (NetlinkException gone) when (gone.IsNotFound)
                {
                }
            }
        }
    }
}

using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Handlers;

namespace Hostnet.Engine.Planning;

/// <summary>
/// The difference between what is wanted and what is there, as ordered steps:
/// removals first, most dependent objects first (a proxy entry before its
/// route, a route before its link); then additions and changes, least
/// dependent first (a link before its address, a route before its proxy
/// entry). Pure and linear in the number of objects.
/// </summary>
public static class Planner
{
    public static Plan Diff(IEnumerable<KernelObject> desired, IEnumerable<KernelObject> observed)
    {
        // Each object's identity is formatted once: at 10,000 VMs (80,000 objects) formatting it again
        // at every lookup and every sort comparison was most of the time a plan took.
        var want = new Dictionary<(string, string), KernelObject>(desired is IReadOnlyCollection<KernelObject> c ? c.Count : 0);
        foreach (var d in desired) want[(d.Netns, d.Identity)] = d;

        var removals = new List<Keyed>();
        var additions = new List<Keyed>();
        var observedList = observed as IReadOnlyCollection<KernelObject> ?? observed.ToList();
        var seen = new HashSet<(string, string)>(observedList.Count);
        var removedLinks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in observedList)
        {
            var key = (o.Netns, o.Identity);
            seen.Add(key);
            if (want.TryGetValue(key, out var d))
            {
                if (!d.Equals(o))
                    additions.Add(new Keyed(key.Identity, NeedsRecreate(d, o) ? new PlanStep(Change.Add, d, o) : new PlanStep(Change.Change, d, o)));
            }
            // A namespace goes only with its VM (vm rm), and a link state is not a thing to remove.
            else if (o is not (NamespaceObject or GuestLinkState))
            {
                removals.Add(new Keyed(key.Identity, new PlanStep(Change.Remove, o, o)));
                if (o is HostLink l) removedLinks.Add(l.Name);
            }
        }

        // The kernel drops a link's addresses, routes and neighbours with the link: no step of their own.
        if (removedLinks.Count > 0)
            removals.RemoveAll(k => k.Step.Object is not HostLink && k.Step.Object.Netns == KernelObject.Server && DevOf(k.Step.Object) is { } dev && removedLinks.Contains(dev));

        foreach (var (key, d) in want)
        {
            if (!seen.Contains(key)) additions.Add(new Keyed(key.Item2, new PlanStep(Change.Add, d, null)));
        }

        // A link whose kind changed is removed and made anew.
        foreach (var k in additions)
        {
            if (k.Step is { Change: Change.Add, Before: { } before }) removals.Add(new Keyed(k.Identity, new PlanStep(Change.Remove, before, before)));
        }

        removals.Sort(static (a, b) => Compare(b, a, byRankOnly: true) is var c && c != 0 ? c : Compare(a, b, byRankOnly: false));
        additions.Sort(static (a, b) => Compare(a, b, byRankOnly: false));
        var steps = new List<PlanStep>(removals.Count + additions.Count);
        foreach (var k in removals) steps.Add(k.Step);
        foreach (var k in additions) steps.Add(k.Step);
        return new Plan(steps);
    }

    /// <summary>A step with its object's identity, formatted once.</summary>
    private readonly record struct Keyed(string Identity, PlanStep Step);

    /// <summary>By rank; then (unless <paramref name="byRankOnly"/>) by namespace and identity.</summary>
    private static int Compare(Keyed a, Keyed b, bool byRankOnly)
    {
        var c = a.Step.Object.Rank.CompareTo(b.Step.Object.Rank);
        if (c != 0 || byRankOnly) return c;
        c = string.CompareOrdinal(a.Step.Object.Netns, b.Step.Object.Netns);
        return c != 0 ? c : string.CompareOrdinal(a.Identity, b.Identity);
    }

    private static bool NeedsRecreate(KernelObject desired, KernelObject observed) =>
        desired is HostLink d && observed is HostLink o && d.Kind != o.Kind;

    /// <summary>The link whose removal takes the object along (its handler says).</summary>
    private static string? DevOf(KernelObject o) => KernelObjectHandlers.For(o).DevOf(o);
}

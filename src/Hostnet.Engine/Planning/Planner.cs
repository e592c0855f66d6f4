using Hostnet.Engine.Kernel;

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
        var want = new Dictionary<(string, string), KernelObject>();
        foreach (var d in desired) want[(d.Netns, d.Identity)] = d;

        var removals = new List<PlanStep>();
        var seen = new HashSet<(string, string)>();
        var removedLinks = new HashSet<string>(StringComparer.Ordinal);
        var observedList = observed as IReadOnlyCollection<KernelObject> ?? observed.ToList();
        foreach (var o in observedList)
        {
            var key = (o.Netns, o.Identity);
            seen.Add(key);
            // A namespace goes only with its VM (vm rm), and a link state is not a thing to remove.
            if (!want.ContainsKey(key) && o is not (NamespaceObject or GuestLinkState))
            {
                removals.Add(new PlanStep(Change.Remove, o, o));
                if (o is HostLink l) removedLinks.Add(l.Name);
            }
        }

        // The kernel drops a link's addresses, routes and neighbours with the link: no step of their own.
        if (removedLinks.Count > 0)
            removals.RemoveAll(s => s.Object is not HostLink && s.Object.Netns == KernelObject.Server && DevOf(s.Object) is { } dev && removedLinks.Contains(dev));

        var additions = new List<PlanStep>();
        foreach (var (key, d) in want)
        {
            if (!seen.Contains(key))
            {
                additions.Add(new PlanStep(Change.Add, d, null));
                continue;
            }
        }
        foreach (var o in observedList)
        {
            if (want.TryGetValue((o.Netns, o.Identity), out var d) && !d.Equals(o))
                additions.Add(NeedsRecreate(d, o)
                    ? new PlanStep(Change.Add, d, o)
                    : new PlanStep(Change.Change, d, o));
        }

        // A link whose kind changed is removed and made anew.
        foreach (var s in additions.Where(s => s.Change == Change.Add && s.Before is not null).ToList())
            removals.Add(new PlanStep(Change.Remove, s.Before!, s.Before));

        removals.Sort((a, b) => CompareForRemoval(a.Object, b.Object));
        additions.Sort((a, b) => CompareForAddition(a.Object, b.Object));
        return new Plan([.. removals, .. additions]);
    }

    private static bool NeedsRecreate(KernelObject desired, KernelObject observed) =>
        desired is HostLink d && observed is HostLink o && d.Kind != o.Kind;

    private static string? DevOf(KernelObject o) => o switch
    {
        AddressObject a => a.Dev,
        RouteObject r => r.Dev,
        NeighborObject n => n.Dev,
        SysctlObject { PerLink: true } s => s.Path.Split('/')[3],
        _ => null,
    };

    private static int CompareForAddition(KernelObject a, KernelObject b)
    {
        var c = a.Rank.CompareTo(b.Rank);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Netns, b.Netns);
        return c != 0 ? c : string.CompareOrdinal(a.Identity, b.Identity);
    }

    private static int CompareForRemoval(KernelObject a, KernelObject b)
    {
        var c = b.Rank.CompareTo(a.Rank);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Netns, b.Netns);
        return c != 0 ? c : string.CompareOrdinal(a.Identity, b.Identity);
    }
}

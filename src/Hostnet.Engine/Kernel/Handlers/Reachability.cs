namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// The server interfaces an intent may hang off, while it is planned: the links there, and the
/// bridges about to be made (a bridge is made only with its uplink).
/// </summary>
internal sealed class Reachability
{
    private readonly HashSet<string> _links;
    private readonly HashSet<string> _bridges = new(StringComparer.Ordinal);
    private readonly HashSet<string> _droppedBridges = new(StringComparer.Ordinal);

    public Reachability(IEnumerable<string> links) => _links = links.ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The objects that can be made on a server with <paramref name="links"/>, each as its handler
    /// says (left out, or made without what is missing), with the missing interfaces worth saying.
    /// </summary>
    public static (IReadOnlyList<KernelObject> Kept, IReadOnlyCollection<string> Missing) Filter(IReadOnlyList<KernelObject> objects, IEnumerable<string> links)
    {
        var reach = new Reachability(links);
        foreach (var o in objects) KernelObjectHandlers.For(o).Contribute(o, reach);
        var kept = new List<KernelObject>(objects.Count);
        foreach (var o in objects)
        {
            if (KernelObjectHandlers.For(o).Reachable(o, reach) is { } r) kept.Add(r);
        }
        return (kept, reach.Missing);
    }

    /// <summary>The interfaces said to be missing, in order.</summary>
    public SortedSet<string> Missing { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the server has the link now.</summary>
    public bool IsLink(string name) => _links.Contains(name);

    /// <summary>True when the interface is there, or is a bridge this apply makes.</summary>
    public bool Has(string name) => _links.Contains(name) || (_bridges.Contains(name) && !_droppedBridges.Contains(name));

    /// <summary>True when a bridge waits for its missing uplink.</summary>
    public bool IsDropped(string bridge) => _droppedBridges.Contains(bridge);

    /// <summary>A bridge the intent makes.</summary>
    public void AddBridge(string bridge) => _bridges.Add(bridge);

    /// <summary>A bridge that waits (its uplink is missing).</summary>
    public void DropBridge(string bridge) => _droppedBridges.Add(bridge);

    /// <summary>Says that the server lacks <paramref name="name"/>.</summary>
    public void Report(string name) => Missing.Add(name);
}

using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Netlink;

namespace Hostnet.Engine.Observe;

/// <summary>
/// What the kernel showed at one moment, as its dumps said it: the server's, each guest
/// namespace's the intent reaches into (those that exist), and the <c>/proc/sys</c> values the
/// link dump does not carry. Read by <see cref="Observer"/>; what of it is Hostnet's is
/// <see cref="Interpretation"/>'s to say.
/// </summary>
/// <param name="Server">The server's dumps.</param>
/// <param name="Sysctls">Values read from <c>/proc/sys</c>, by slash path; a value that could not be read is absent.</param>
/// <param name="Guests">The dumps of each guest namespace that exists.</param>
public sealed record KernelSnapshot(NamespaceDump Server, IReadOnlyDictionary<string, string> Sysctls, IReadOnlyList<NamespaceDump> Guests)
{
    /// <summary>Hostnet's nftables tables on the server, as listed (none when there are none).</summary>
    public IReadOnlyList<Kernel.Filters.FilterListing> Filters { get; init; } = [];
}

/// <summary>The dumps of one namespace; a kind not read there is empty (rules on the server, neighbours in a guest).</summary>
/// <param name="Netns"><see cref="KernelObject.Server"/>, or the guest namespace's name.</param>
/// <param name="Links">Its links.</param>
/// <param name="Addresses">Its IPv4 addresses.</param>
/// <param name="Routes">The IPv4 routes, cached clones left out: the server's main table, every table of a guest.</param>
/// <param name="Rules">Its IPv4 policy-routing rules.</param>
/// <param name="Neighbors">Its IPv4 neighbour entries.</param>
/// <param name="ProxyNeighbors">Its IPv4 proxy entries.</param>
public sealed record NamespaceDump(
    string Netns,
    IReadOnlyList<Link> Links,
    IReadOnlyList<AddressEntry> Addresses,
    IReadOnlyList<RouteEntry> Routes,
    IReadOnlyList<RuleEntry> Rules,
    IReadOnlyList<NeighborEntry> Neighbors,
    IReadOnlyList<ProxyNeighborEntry> ProxyNeighbors)
{
    public bool IsServer => Netns == KernelObject.Server;
}

/// <summary>One namespace's dumps, with its links by index and the links whose objects Hostnet looks at.</summary>
internal sealed class NamespaceView
{
    private readonly Dictionary<int, Link> _byIndex;
    private readonly Dictionary<string, Link> _byName;

    public NamespaceView(NamespaceDump dump, Func<Link, bool> owned)
    {
        Dump = dump;
        _byIndex = dump.Links.ToDictionary(l => l.Index);
        _byName = dump.Links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        Owned = dump.Links.Where(owned).ToDictionary(l => l.Index);
    }

    public NamespaceDump Dump { get; }

    public string Netns => Dump.Netns;

    public bool IsServer => Dump.IsServer;

    /// <summary>
    /// On the server the vme links Hostnet owns; in a guest the links the intent names. Their
    /// addresses (and on the server their permanent neighbours) are Hostnet's.
    /// </summary>
    public IReadOnlyDictionary<int, Link> Owned { get; }

    public IReadOnlyDictionary<string, Link> ByName => _byName;

    public string? NameOf(int? index) => index is { } i && _byIndex.TryGetValue(i, out var l) ? l.Name : null;

    public Link? Find(string name) => _byName.GetValueOrDefault(name);
}

/// <summary>What the observation of a snapshot is held against: the intent and the ledger.</summary>
internal sealed record ObserveScope(KernelSnapshot Snapshot, KernelIntent Intent, LedgerContents Ledger);

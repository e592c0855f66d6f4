namespace Hostnet.Engine.Intent;

/// <summary>
/// The few facts about the live server that decide what the intent is: which
/// bridge (if any) holds an uplink — then the bridge is the L3 uplink that
/// answers ARP for routed VMs — each link's MAC (a bridge takes its uplink's),
/// the uplinks Hostnet has made bridge ports, and whether IPv6 is there to be
/// told to ignore router advertisements on the vme interfaces.
/// </summary>
public sealed record ServerFacts(IReadOnlyDictionary<string, string?> MasterOfLink, bool HasIpv6)
{
    public static ServerFacts None { get; } = new(new Dictionary<string, string?>(), HasIpv6: false);

    public IReadOnlyDictionary<string, MacAddress> MacOfLink { get; init; } = new Dictionary<string, MacAddress>();

    /// <summary>Uplinks Hostnet made ports of a bridge, as <c>UPLINK BRIDGE</c> (from the ledger).</summary>
    public IReadOnlySet<string> EnslavedUplinks { get; init; } = new HashSet<string>();

    /// <summary>
    /// The neighbour-table thresholds as they are now, by sysctl path
    /// (<c>net/ipv4/neigh/default/gc_thresh1</c>…); empty where the files do not exist
    /// (a namespace other than the first: the kernel keeps them per host).
    /// </summary>
    public IReadOnlyDictionary<string, long> NeighborGcThresholds { get; init; } = new Dictionary<string, long>();

    /// <summary>
    /// Links whose IPv6 <c>accept_ra</c> is 0: their admin wants no router advertisements, and Hostnet
    /// leaves it so (elsewhere an uplink gets 2, to keep accepting them once forwarding is on).
    /// </summary>
    public IReadOnlySet<string> IgnoringRouterAdvertisements { get; init; } = new HashSet<string>();

    public string? MasterOf(string link) => MasterOfLink.TryGetValue(link, out var m) ? m : null;

    public bool Exists(string link) => MasterOfLink.ContainsKey(link);

    public bool Enslaved(string uplink, string bridge) => EnslavedUplinks.Contains(uplink + " " + bridge);
}

namespace Hostnet.Engine.Kernel;

/// <summary>
/// One kernel object Hostnet wants or owns, in one network namespace. Desired
/// and observed objects are the same records, so the plan is their set
/// difference: equal records need nothing, same <see cref="Identity"/> with
/// other values is a change.
/// </summary>
/// <param name="Netns">The namespace: <see cref="Server"/> for the server side, else a guest's namespace name.</param>
public abstract record KernelObject(string Netns)
{
    /// <summary>The server's own namespace (the default one, or <c>--netns NAME</c>).</summary>
    public const string Server = "";

    /// <summary>What makes two objects the same object, whatever their values.</summary>
    public abstract string Identity { get; }

    /// <summary>Where the object comes in an apply: lower ranks are created first and removed last.</summary>
    public abstract Rank Rank { get; }

    /// <summary>The object in the seed's and iproute2's words.</summary>
    public abstract string Describe();

    protected string Where => Netns == Server ? "" : $" (guest netns {Netns})";
}

/// <summary>Creation order; removal runs the other way.</summary>
public enum Rank
{
    Namespace,
    Bridge,
    UplinkPort,
    FirstSysctl,
    Sysctl,
    FilterTable,
    FilterElement,
    Link,
    LinkSysctl,
    LinkState,
    Address,
    OnLinkRoute,
    Route,
    Rule,
    Neighbor,
    ProxyNeighbor,
}

/// <summary>A guest network namespace Hostnet creates when it is missing.</summary>
public sealed record NamespaceObject(string Name) : KernelObject(Server)
{
    public override string Identity => "netns " + Name;
    public override Rank Rank => Rank.Namespace;
    public override string Describe() => $"netns {Name}";
}

/// <summary>A value under <c>/proc/sys</c>, as a slash path (<c>net/ipv4/conf/vme7b9a73a1.0/proxy_arp</c>).</summary>
public sealed record SysctlObject(string Path, string Value, bool PerLink) : KernelObject(Server)
{
    /// <summary>
    /// Written before the server's other values: a value whose absence one of them would harm
    /// (<c>accept_ra=2</c> on the uplink before IPv6 forwarding goes on, or the kernel drops the
    /// default route it learnt from router advertisements).
    /// </summary>
    public bool First { get; init; }

    public override string Identity => "sysctl " + Path;
    public override Rank Rank => PerLink ? Rank.LinkSysctl : First ? Rank.FirstSysctl : Rank.Sysctl;
    public override string Describe() => $"sysctl {Path}={Value}";
}

/// <summary>How a host interface is made.</summary>
public enum LinkKind
{
    /// <summary>A veth pair whose other end is <c>ethN</c> in the guest's namespace.</summary>
    Veth,

    /// <summary>A persistent tap that QEMU opens.</summary>
    Tap,
}

/// <summary>
/// A server-side <c>vme…</c> interface. The guest end of a veth is described
/// by <see cref="Peer"/>, which takes part in creation only: the kernel does
/// not show it on the host side, so it is not compared.
/// </summary>
public sealed record HostLink(string Name, LinkKind Kind, MacAddress Mac, string Alias, string? Master, bool Up) : KernelObject(Server)
{
    public VethPeer? Peer { get; init; }

    public override string Identity => "link " + Name;
    public override Rank Rank => Rank.Link;

    public override string Describe() =>
        $"link {Name} ({(Kind == LinkKind.Veth ? "veth" : "tap")}{(Peer is { } p ? $", peer {p.Name} in netns {p.Netns}" : "")}) address {Mac}"
        + (Master is null ? "" : $" master {Master}") + (Up ? " up" : " down") + $" alias \"{Alias}\"";

    public bool Equals(HostLink? other) =>
        other is not null && Name == other.Name && Kind == other.Kind && Mac == other.Mac
        && Alias == other.Alias && Master == other.Master && Up == other.Up;

    public override int GetHashCode() => HashCode.Combine(Name, Kind, Mac, Alias, Master, Up);
}

/// <summary>The guest end of a veth pair: <c>ethN</c> with the adapter's MAC, created in the guest's namespace.</summary>
public sealed record VethPeer(string Netns, string Name, MacAddress Mac);

/// <summary>A link inside a guest namespace (<c>lo</c>, <c>ethN</c>) that must be up.</summary>
public sealed record GuestLinkState(string GuestNetns, string Name, bool Up) : KernelObject(GuestNetns)
{
    public override string Identity => "link " + Name;
    public override Rank Rank => Rank.LinkState;
    public override string Describe() => $"link {Name} {(Up ? "up" : "down")}{Where}";
}

/// <summary>An address on an interface (IPv6 ones are made without duplicate address detection: Hostnet probed the LAN first).</summary>
public sealed record AddressObject(string Ns, string Dev, IpPrefix Address) : KernelObject(Ns)
{
    public override string Identity => $"address {Address} dev {Dev}";
    public override Rank Rank => Rank.Address;
    public override string Describe() => $"address {Address} dev {Dev}{Where}";
}

/// <summary>
/// A route Hostnet owns (its own protocol number): on the server a /32 to a VM
/// address through its vme; in a guest the on-link route to the gateway and
/// the default route through it.
/// </summary>
public sealed record RouteObject(string Ns, IpPrefix Destination, string Dev, IpAddress? Gateway, uint Table = RouteObject.MainTable) : KernelObject(Ns)
{
    public const uint MainTable = Netlink.RouteTable.Main;

    public override string Identity =>
        (Destination.PrefixLength == 0 ? (Destination.Family == IpFamily.Ipv6 ? "route -6 default" : "route default") : $"route {Destination.Network}/{Destination.PrefixLength}")
        + (Table == MainTable ? "" : $" table {Table}");

    public override Rank Rank => Gateway is null ? Rank.OnLinkRoute : Rank.Route;

    public override string Describe() =>
        (Destination.PrefixLength == 0 ? "route default" : $"route {Destination.Network}/{Destination.PrefixLength}")
        + (Gateway is { } gw ? $" via {gw}" : "") + $" dev {Dev}" + (Gateway is null ? " scope link" : "")
        + (Table == MainTable ? "" : $" table {Table}") + " proto hostnet" + Where;
}

/// <summary>
/// A policy-routing rule in a guest: traffic from one of a second adapter's addresses looks up that
/// adapter's own table, so its replies leave by its own <c>ethN</c> — the server's <c>rp_filter</c> on
/// each vme accepts only the addresses routed to it.
/// </summary>
public sealed record RuleObject(string Ns, IpAddress Source, uint Table, uint Priority) : KernelObject(Ns)
{
    public override string Identity => $"rule from {Source} lookup {Table}";
    public override Rank Rank => Rank.Rule;
    public override string Describe() => $"rule from {Source} lookup {Table} priority {Priority} proto hostnet{Where}";
}

/// <summary>A permanent neighbour entry: the server holds the VM's ARP entry from the moment it starts.</summary>
public sealed record NeighborObject(string Dev, IpAddress Address, MacAddress Mac) : KernelObject(Server)
{
    public override string Identity => $"neighbor {Address} dev {Dev}";
    public override Rank Rank => Rank.Neighbor;
    public override string Describe() => $"neighbor {Address} lladdr {Mac} dev {Dev} nud permanent";
}

/// <summary>A published (proxy) ARP entry on the L3 uplink; <c>arp -n</c> shows it as <c>MP</c>.</summary>
public sealed record ProxyNeighborObject(string Dev, IpAddress Address) : KernelObject(Server)
{
    public override string Identity => $"proxy {Address} dev {Dev}";
    public override Rank Rank => Rank.ProxyNeighbor;
    public override string Describe() => $"proxy {Address} dev {Dev}";
}

/// <summary>The bridge of a bridged network (<c>br1</c>): its MAC pinned to the uplink's, STP off, forward delay 0, up.</summary>
public sealed record BridgeObject(string Name, MacAddress Mac, bool Up) : KernelObject(Server)
{
    public override string Identity => "bridge " + Name;
    public override Rank Rank => Rank.Bridge;
    public override string Describe() => $"bridge {Name} address {Mac} stp off forward_delay 0" + (Up ? " up" : " down");
}

/// <summary>
/// The uplink as a port of a bridged network's bridge. Making it one moves the
/// server's own IPv4 addresses and the routes through the uplink to the bridge
/// (<see cref="Moves"/>, read from the live server when planned); removing it
/// gives them back. The moves are not compared: they follow from the server.
/// </summary>
public sealed record UplinkPort(string Uplink, string Bridge) : KernelObject(Server)
{
    public UplinkMoves Moves { get; init; } = UplinkMoves.None;

    public override string Identity => "uplink " + Uplink;
    public override Rank Rank => Rank.UplinkPort;

    public override string Describe() => $"uplink {Uplink} master {Bridge}" + Moves.Describe();

    public bool Equals(UplinkPort? other) => other is not null && Uplink == other.Uplink && Bridge == other.Bridge;

    public override int GetHashCode() => HashCode.Combine(Uplink, Bridge);
}

/// <summary>What moves between an uplink and its bridge: the server's addresses and the routes through it.</summary>
public sealed record UplinkMoves(string From, string To, IReadOnlyList<string> What)
{
    public static UplinkMoves None { get; } = new("", "", []);

    public string Describe() => What.Count == 0 ? "" : $" (moves {string.Join(", ", What)} from {From} to {To})";
}

/// <summary>
/// A move of the server's own network between an uplink and its bridge that was begun and never
/// ended (the process died half-way): the journal holds its before-state, and apply finishes it
/// before anything else.
/// </summary>
public sealed record InterruptedMove(string Uplink, string Bridge, bool Enslave) : KernelObject(Server)
{
    public override string Identity => "interrupted move " + Uplink;
    public override Rank Rank => Rank.UplinkPort;

    public override string Describe() =>
        $"finish moving the server's addresses and routes from {(Enslave ? Uplink : Bridge)} to {(Enslave ? Bridge : Uplink)} (interrupted)";
}

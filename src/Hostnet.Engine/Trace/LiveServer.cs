using System.Globalization;
using Hostnet.Netlink;

namespace Hostnet.Engine.Trace;

/// <summary>
/// The live server as one trace reads it: each table dumped once, on first use,
/// so that every step of a trace sees the same kernel.
/// </summary>
internal sealed class LiveServer
{
    private readonly Lazy<IReadOnlyList<Link>> _links;
    private readonly Lazy<IReadOnlyList<AddressEntry>> _addresses;
    private readonly Lazy<IReadOnlyList<NeighborEntry>> _neighbors;
    private readonly Lazy<IReadOnlyList<ProxyNeighborEntry>> _proxies;
    private readonly Lazy<IReadOnlyList<FdbEntry>> _fdb;
    private readonly Lazy<IReadOnlyList<RouteEntry>> _routes;
    private readonly Lazy<IReadOnlyList<Kernel.Filters.FilterListing>?> _filters;

    public LiveServer(NetNamespace ns, RtnlSocket socket)
    {
        Namespace = ns;
        Socket = socket;
        _links = new(socket.DumpLinks);
        // Both families: a trace may follow an IPv6 address.
        _addresses = new(() => socket.DumpAddresses(null));
        _neighbors = new(() => socket.DumpNeighbors(null));
        _proxies = new(() => socket.DumpProxyNeighbors(null));
        _fdb = new(socket.DumpFdb);
        _routes = new(() => socket.DumpRoutes(RouteTable.Main, null));
        _filters = new(() => Nftables.IsAvailable() ? Kernel.Filters.FilterReader.Read(ns) : null);
    }

    /// <summary>Hostnet's nftables tables as listed; null when libnftables is not there to list them.</summary>
    public IReadOnlyList<Kernel.Filters.FilterListing>? Filters => _filters.Value;

    public NetNamespace Namespace { get; }

    public RtnlSocket Socket { get; }

    public IReadOnlyList<AddressEntry> Addresses => _addresses.Value;

    public IReadOnlyList<NeighborEntry> Neighbors => _neighbors.Value;

    public IReadOnlyList<ProxyNeighborEntry> Proxies => _proxies.Value;

    public IReadOnlyList<FdbEntry> Fdb => _fdb.Value;

    /// <summary>The main routing table.</summary>
    public IReadOnlyList<RouteEntry> Routes => _routes.Value;

    public Link? Link(string name) => _links.Value.FirstOrDefault(l => l.Name == name);

    public Link? Link(int? index) => index is { } i ? _links.Value.FirstOrDefault(l => l.Index == i) : null;

    public string Name(int? index) => Link(index)?.Name ?? (index is { } i ? "ifindex " + i.ToString(CultureInfo.InvariantCulture) : "?");

    /// <summary>The bridge <paramref name="link"/> is a port of, if any.</summary>
    public Link? MasterOf(Link link) => Link(link.MasterIndex);

    /// <summary>
    /// The interface that holds the server's LAN address for <paramref name="uplink"/>: the bridge it
    /// is a port of (mixed mode), else the uplink itself.
    /// </summary>
    public Link? L3Uplink(string uplink) => Link(uplink) is { } l ? MasterOf(l) ?? l : null;

    public IEnumerable<AddressEntry> AddressesOn(Link link) => Addresses.Where(a => a.IfIndex == link.Index);

    public bool IsLocal(IpAddress address) => Addresses.Any(a => a.Address == address);

    /// <summary>A sysctl under /proc/sys, or null when the kernel has no such file (the interface is gone).</summary>
    public string? Sysctl(string path)
    {
        try
        {
            return Netlink.Sysctl.Read(Namespace, path).Trim();
        }
        catch (NetlinkException)
        {
            return null;
        }
    }

    /// <summary><c>ip route get DEST [from SRC iif DEV]</c>: the kernel's own answer, or why it refused.</summary>
    public (RouteEntry? Route, string? Refusal) GetRoute(IpAddress destination, Link? input, IpAddress? source)
    {
        try
        {
            return (Socket.GetRoute(destination, input?.Index, source is { } s ? s : null), null);
        }
        catch (NetlinkException e)
        {
            return (null, e.ErrnoName);
        }
    }

    /// <summary>Whether the link passes packets: administratively up and with carrier.</summary>
    public static string? NotUp(Link link)
    {
        if (!link.AdminUp) return $"{link.Name} is down";
        if (!link.OperUp) return $"{link.Name} is up but has no carrier (its other end is down or not attached)";
        return null;
    }

    public static string Mac(MacAddress? mac) => mac is { } m ? m.ToString() : "(none)";


    /// <summary>A neighbour state as <c>ip neigh</c> names it.</summary>
    public static string State(NeighborState state) => state switch
    {
        _ when state.HasFlag(NeighborState.Permanent) => "PERMANENT",
        _ when state.HasFlag(NeighborState.Reachable) => "REACHABLE",
        _ when state.HasFlag(NeighborState.Stale) => "STALE",
        _ when state.HasFlag(NeighborState.Incomplete) => "INCOMPLETE",
        _ when state.HasFlag(NeighborState.Failed) => "FAILED",
        _ => "0x" + ((ushort)state).ToString("x2", CultureInfo.InvariantCulture),
    };

    /// <summary>A route answer as <c>ip route get</c> prints its first words.</summary>
    public string Describe(RouteEntry r, IpAddress destination) => r.Type switch
    {
        RouteType.Local => $"local {destination} dev {Name(r.OutIfIndex)}",
        RouteType.Broadcast => $"broadcast {destination} dev {Name(r.OutIfIndex)}",
        _ => $"{destination}" + (r.Gateway is { } gw ? $" via {gw}" : "") + $" dev {Name(r.OutIfIndex)}",
    };
}

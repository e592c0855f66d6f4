namespace Hostnet.Netlink;

/// <summary>
/// A link as the kernel reports it (RTM_NEWLINK). Kind is IFLA_INFO_KIND ("veth", "bridge", "tun",
/// "vlan", "dummy"…; null for a physical or loopback device); OperUp is IFF_LOWER_UP or
/// IFLA_OPERSTATE = IF_OPER_UP; LinkIndex is IFLA_LINK, a veth's peer or a vlan's parent (an index
/// in the namespace of LinkNetnsId when that is set).
/// </summary>
public sealed record Link(
    int Index,
    string Name,
    string? Kind,
    bool AdminUp,
    bool OperUp,
    int Mtu,
    MacAddress? Mac,
    int? MasterIndex,
    string? Alias,
    int? LinkIndex,
    int? LinkNetnsId)
{
    /// <summary>
    /// The link's IPv4 settings (IFLA_AF_SPEC / IFLA_INET_CONF), the values of
    /// <c>/proc/sys/net/ipv4/conf/NAME/*</c>: element <c>i - 1</c> is IPV4_DEVCONF_<c>i</c>
    /// (linux/ip.h). Null when the dump did not carry them.
    /// </summary>
    public IReadOnlyList<int>? Ipv4Conf { get; init; }

    /// <summary>The link's IPv6 settings (IFLA_INET6_CONF): element <c>i</c> is DEVCONF_<c>i</c> (linux/ipv6.h); null when absent.</summary>
    public IReadOnlyList<int>? Ipv6Conf { get; init; }

    /// <summary>Value equality, the settings compared element by element.</summary>
    public bool Equals(Link? other) =>
        other is not null && Index == other.Index && Name == other.Name && Kind == other.Kind && AdminUp == other.AdminUp
        && OperUp == other.OperUp && Mtu == other.Mtu && Mac == other.Mac && MasterIndex == other.MasterIndex
        && Alias == other.Alias && LinkIndex == other.LinkIndex && LinkNetnsId == other.LinkNetnsId
        && SameConf(Ipv4Conf, other.Ipv4Conf) && SameConf(Ipv6Conf, other.Ipv6Conf);

    public override int GetHashCode() => HashCode.Combine(Index, Name, Kind, AdminUp, Mtu, MasterIndex, Alias);

    private static bool SameConf(IReadOnlyList<int>? a, IReadOnlyList<int>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));
}

/// <summary>An IPv4 address on a link (RTM_NEWADDR).</summary>
public sealed record AddressEntry(int IfIndex, IpAddress Address, int PrefixLength, RouteScope Scope);

/// <summary>An IPv4 route (RTM_NEWROUTE); InputIfIndex is set in answers to a <c>get</c> with an input interface.</summary>
public sealed record RouteEntry(
    IpAddress Destination,
    int PrefixLength,
    int? OutIfIndex,
    IpAddress? Gateway,
    uint Table,
    RouteProtocol Protocol,
    RouteScope Scope,
    RouteType Type,
    IpAddress? PreferredSource,
    uint? Metric,
    int? InputIfIndex);

/// <summary>An IPv4 neighbour (ARP) entry.</summary>
public sealed record NeighborEntry(int IfIndex, IpAddress Address, MacAddress? Mac, NeighborState State, NeighborFlags Flags);

/// <summary>A proxy (published) ARP entry.</summary>
public sealed record ProxyNeighborEntry(int IfIndex, IpAddress Address);

/// <summary>A bridge forwarding-database entry (AF_BRIDGE neighbour): which port a MAC sits behind.</summary>
public sealed record FdbEntry(int IfIndex, MacAddress Mac, int? MasterIndex, NeighborState State, ushort? Vlan);

namespace Hostnet.Netlink;

// The kernel's vocabulary as typed values, for the public records and requests. Each member takes
// its number from the wire codec's native constant (Native.*), so that every value is written once.

/// <summary>A neighbour entry's state, <c>ndm_state</c>: NUD_* bits (linux/neighbour.h).</summary>
[Flags]
public enum NeighborState : ushort
{
    /// <summary>NUD_NONE.</summary>
    None = Native.NUD_NONE,

    /// <summary>NUD_INCOMPLETE: being resolved, no link-layer address yet.</summary>
    Incomplete = Native.NUD_INCOMPLETE,

    /// <summary>NUD_REACHABLE: confirmed recently.</summary>
    Reachable = Native.NUD_REACHABLE,

    /// <summary>NUD_STALE: usable, to be confirmed on next use.</summary>
    Stale = Native.NUD_STALE,

    /// <summary>NUD_DELAY: used while stale; waiting for upper-layer confirmation.</summary>
    Delay = Native.NUD_DELAY,

    /// <summary>NUD_PROBE: being confirmed by unicast probes.</summary>
    Probe = Native.NUD_PROBE,

    /// <summary>NUD_FAILED: resolution failed.</summary>
    Failed = Native.NUD_FAILED,

    /// <summary>NUD_NOARP: needs no resolution; in a bridge's forwarding database, a static entry.</summary>
    NoArp = Native.NUD_NOARP,

    /// <summary>NUD_PERMANENT: set by hand (<c>nud permanent</c>), never expires.</summary>
    Permanent = Native.NUD_PERMANENT,
}

/// <summary>A neighbour entry's flags, <c>ndm_flags</c>: NTF_* bits (linux/neighbour.h).</summary>
[Flags]
public enum NeighborFlags : byte
{
    None = 0,

    /// <summary>NTF_USE.</summary>
    Use = Native.NTF_USE,

    /// <summary>NTF_SELF: a bridge port's own entry.</summary>
    Self = Native.NTF_SELF,

    /// <summary>NTF_MASTER: an entry of the bridge the port belongs to.</summary>
    Master = Native.NTF_MASTER,

    /// <summary>NTF_PROXY: a proxy (published) entry, <c>ip neigh add proxy</c>.</summary>
    Proxy = Native.NTF_PROXY,

    /// <summary>NTF_EXT_LEARNED: learned by a device driver or a controller.</summary>
    ExtLearned = Native.NTF_EXT_LEARNED,

    /// <summary>NTF_OFFLOADED.</summary>
    Offloaded = Native.NTF_OFFLOADED,

    /// <summary>NTF_STICKY: a forwarding-database entry that does not move between ports.</summary>
    Sticky = Native.NTF_STICKY,

    /// <summary>NTF_ROUTER: the neighbour is a router (IPv6).</summary>
    Router = Native.NTF_ROUTER,
}

/// <summary>The scope of a route or an address, <c>rtm_scope</c> / <c>ifa_scope</c>: enum rt_scope_t (linux/rtnetlink.h).</summary>
public enum RouteScope : byte
{
    /// <summary>RT_SCOPE_UNIVERSE: global, through a gateway (<c>scope global</c>).</summary>
    Universe = Native.RT_SCOPE_UNIVERSE,

    /// <summary>RT_SCOPE_SITE.</summary>
    Site = Native.RT_SCOPE_SITE,

    /// <summary>RT_SCOPE_LINK: on the link, no gateway (<c>scope link</c>).</summary>
    Link = Native.RT_SCOPE_LINK,

    /// <summary>RT_SCOPE_HOST: on this host only (<c>scope host</c>, local routes).</summary>
    Host = Native.RT_SCOPE_HOST,

    /// <summary>RT_SCOPE_NOWHERE: no destination; in a delete, "any scope".</summary>
    Nowhere = Native.RT_SCOPE_NOWHERE,
}

/// <summary>A route's type, <c>rtm_type</c>: RTN_* (linux/rtnetlink.h).</summary>
public enum RouteType : byte
{
    /// <summary>RTN_UNSPEC; in a delete, "any type".</summary>
    Unspec = Native.RTN_UNSPEC,

    /// <summary>RTN_UNICAST: a gateway or direct route.</summary>
    Unicast = Native.RTN_UNICAST,

    /// <summary>RTN_LOCAL: an address of this host.</summary>
    Local = Native.RTN_LOCAL,

    /// <summary>RTN_BROADCAST: accepted locally as broadcast, sent as broadcast.</summary>
    Broadcast = Native.RTN_BROADCAST,

    /// <summary>RTN_ANYCAST.</summary>
    Anycast = Native.RTN_ANYCAST,

    /// <summary>RTN_MULTICAST.</summary>
    Multicast = Native.RTN_MULTICAST,

    /// <summary>RTN_BLACKHOLE: dropped silently.</summary>
    Blackhole = Native.RTN_BLACKHOLE,

    /// <summary>RTN_UNREACHABLE: refused with "host unreachable".</summary>
    Unreachable = Native.RTN_UNREACHABLE,

    /// <summary>RTN_PROHIBIT: refused with "administratively prohibited".</summary>
    Prohibit = Native.RTN_PROHIBIT,

    /// <summary>RTN_THROW: the lookup goes on in the next table.</summary>
    Throw = Native.RTN_THROW,

    /// <summary>RTN_NAT.</summary>
    Nat = Native.RTN_NAT,
}

/// <summary>
/// Who made a route or a rule, <c>rtm_protocol</c> / FRA_PROTOCOL: RTPROT_* (linux/rtnetlink.h). The kernel
/// keeps any number; those above RTPROT_STATIC it does not interpret, and Hostnet marks its own with one.
/// </summary>
public enum RouteProtocol : byte
{
    /// <summary>RTPROT_UNSPEC.</summary>
    Unspec = Native.RTPROT_UNSPEC,

    /// <summary>RTPROT_REDIRECT: made by an ICMP redirect.</summary>
    Redirect = Native.RTPROT_REDIRECT,

    /// <summary>RTPROT_KERNEL: made by the kernel itself (the prefix route of an address, local routes).</summary>
    Kernel = Native.RTPROT_KERNEL,

    /// <summary>RTPROT_BOOT: made during boot; <c>ip route add</c>'s default.</summary>
    Boot = Native.RTPROT_BOOT,

    /// <summary>RTPROT_STATIC: made by the administrator.</summary>
    Static = Native.RTPROT_STATIC,

    /// <summary>RTPROT_RA: learned from an IPv6 router advertisement.</summary>
    Ra = Native.RTPROT_RA,

    /// <summary>RTPROT_DHCP: made by a DHCP client.</summary>
    Dhcp = Native.RTPROT_DHCP,

    /// <summary>RTPROT_KEEPALIVED.</summary>
    Keepalived = Native.RTPROT_KEEPALIVED,

    /// <summary>RTPROT_BABEL.</summary>
    Babel = Native.RTPROT_BABEL,

    /// <summary>RTPROT_BGP.</summary>
    Bgp = Native.RTPROT_BGP,

    /// <summary>RTPROT_ISIS.</summary>
    Isis = Native.RTPROT_ISIS,

    /// <summary>RTPROT_OSPF.</summary>
    Ospf = Native.RTPROT_OSPF,

    /// <summary>RTPROT_RIP.</summary>
    Rip = Native.RTPROT_RIP,

    /// <summary>RTPROT_EIGRP.</summary>
    Eigrp = Native.RTPROT_EIGRP,
}

/// <summary>
/// The routing tables the kernel names, enum rt_class_t (linux/rtnetlink.h). A table is any 32-bit
/// number (policy routing uses its own, e.g. 1001); these are the ones with a meaning of their own.
/// </summary>
public static class RouteTable
{
    /// <summary>RT_TABLE_UNSPEC: in a dump, every table.</summary>
    public const uint Unspec = Native.RT_TABLE_UNSPEC;

    /// <summary>RT_TABLE_DEFAULT (<c>table default</c>).</summary>
    public const uint Default = Native.RT_TABLE_DEFAULT;

    /// <summary>RT_TABLE_MAIN: where <c>ip route</c> adds and shows by default.</summary>
    public const uint Main = Native.RT_TABLE_MAIN;

    /// <summary>RT_TABLE_LOCAL: the kernel's local and broadcast routes of the host's own addresses.</summary>
    public const uint Local = Native.RT_TABLE_LOCAL;
}

namespace Hostnet.Engine.Trace;

/// <summary>
/// The words and kernel knobs a trace step names, for the family of the address traced: IPv4 resolves
/// neighbours by ARP and publishes addresses as proxy ARP entries; IPv6 does both by neighbour discovery.
/// </summary>
internal sealed record TraceFamily(IpFamily Family)
{
    public static TraceFamily Of(IpAddress address) => address.IsIpv6 ? V6 : V4;

    public static TraceFamily V4 { get; } = new(IpFamily.Ipv4);

    public static TraceFamily V6 { get; } = new(IpFamily.Ipv6);

    private bool IsIpv6 => Family == IpFamily.Ipv6;

    /// <summary>The step that finds who answers for an address on a link: <c>arp</c> or <c>ndp</c>.</summary>
    public string ResolutionStep => IsIpv6 ? "ndp" : "arp";

    /// <summary>How a host resolves an address on a link: <c>ARP</c>, or <c>neighbour discovery</c>.</summary>
    public string Resolution => IsIpv6 ? "neighbour discovery" : "ARP";

    /// <summary>A sender asking for <paramref name="address"/> on the link.</summary>
    public string Asks(string who, IpAddress address) =>
        IsIpv6 ? $"{who} sends a neighbour solicitation for {address}" : $"{who} asks who has {address}";

    /// <summary>A guest resolving an on-link address itself.</summary>
    public string AsksItself => IsIpv6 ? "solicits it itself (its own neighbour table)" : "asks ARP for it itself (its own ARP table)";

    /// <summary>The table a neighbour entry is in, as the admin knows it.</summary>
    public string Table => IsIpv6 ? "neighbour table" : "ARP table";

    /// <summary>What the server holds for a VM address on its vme.</summary>
    public string VmEntry => IsIpv6 ? "neighbour entry" : "ARP entry";

    /// <summary>A published (proxy) entry as the admin's tool prints it.</summary>
    public string PublishedRow(IpAddress address, string dev) =>
        IsIpv6 ? $"proxy entry: `ip -6 neigh show proxy` shows `{address} dev {dev} proxy`" : $"published entry: arp -n shows `{address} * * MP {dev}`";

    /// <summary>The prefix length of a single host: 32 or 128.</summary>
    public string Host => IsIpv6 ? "/128" : "/32";

    /// <summary>A host route as Hostnet writes it (IPv6 routes have no scope link).</summary>
    public string HostRoute(IpAddress address, string dev) =>
        IsIpv6 ? $"{address} dev {dev} proto hostnet" : $"{address} dev {dev} proto hostnet scope link";

    /// <summary>A sysctl path under <c>/proc/sys/net/ipv4|ipv6</c>.</summary>
    public string Sysctl(string rest) => $"net/{(IsIpv6 ? "ipv6" : "ipv4")}/{rest}";

    /// <summary>A sysctl path as <c>sysctl</c> names it (dots; an interface name keeps its own dots).</summary>
    public static string Dotted(string path) => path.Replace('/', '.');

    /// <summary>The switch that makes the server forward: <c>ip_forward</c>, or <c>conf/all/forwarding</c> for IPv6.</summary>
    public string GlobalForwarding => IsIpv6 ? Sysctl("conf/all/forwarding") : Sysctl("ip_forward");

    /// <summary>A source for a LAN lookup when the uplink has no address of the family (TEST-NET-1, or 2001:db8::/32; RFC 5737, 3849).</summary>
    public IpAddress DocumentationSource => IsIpv6 ? IpAddress.Parse("2001:db8::2") : new IpAddress(0xC0000201);
}

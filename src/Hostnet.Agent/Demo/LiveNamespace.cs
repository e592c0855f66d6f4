using System.Globalization;
using System.Text;
using Hostnet.Netlink;

namespace Hostnet.Agent.Demo;

/// <summary>One namespace of the lab as the kernel reports it now: links, IPv4 addresses, main-table routes, neighbours.</summary>
public sealed class LiveNamespace
{
    private LiveNamespace(string name, IReadOnlyList<Link> links, IReadOnlyList<AddressEntry> addresses,
        IReadOnlyList<RouteEntry> routes, IReadOnlyList<NeighborEntry> neighbors, IReadOnlyList<ProxyNeighborEntry> proxies)
    {
        Name = name;
        Links = links;
        Addresses = addresses;
        Routes = routes;
        Neighbors = neighbors;
        Proxies = proxies;
    }

    public string Name { get; }

    public IReadOnlyList<Link> Links { get; }

    public IReadOnlyList<AddressEntry> Addresses { get; }

    public IReadOnlyList<RouteEntry> Routes { get; }

    public IReadOnlyList<NeighborEntry> Neighbors { get; }

    public IReadOnlyList<ProxyNeighborEntry> Proxies { get; }

    public static LiveNamespace Read(string name)
    {
        using var ns = NetNamespace.Open(name);
        using var s = RtnlSocket.Open(ns);
        return new LiveNamespace(name, s.DumpLinks(), s.DumpAddresses(), s.DumpRoutes(), s.DumpNeighbors(), s.DumpProxyNeighbors());
    }

    public Link? Link(string name) => Links.FirstOrDefault(l => l.Name == name);

    public Link? Link(int index) => Links.FirstOrDefault(l => l.Index == index);

    public string LinkName(int? index) =>
        index is { } i ? Link(i)?.Name ?? i.ToString(CultureInfo.InvariantCulture) : "?";

    /// <summary>"192.168.200.1/24" for each address on the link, joined.</summary>
    public string AddressesOf(Link? link) =>
        link is null ? "" : string.Join(", ", Addresses.Where(a => a.IfIndex == link.Index).Select(a => $"{a.Address}/{a.PrefixLength}"));

    /// <summary>The main table as <c>ip route</c> prints it (IPv4 unicast routes, no local or broadcast table).</summary>
    public IEnumerable<string> RouteLines() =>
        Routes.OrderBy(r => r.PrefixLength == 0 ? 0 : 1).Select(r =>
        {
            var sb = new StringBuilder(r.PrefixLength == 0 ? "default" : r.PrefixLength == 32 ? r.Destination.ToString() : $"{r.Destination}/{r.PrefixLength}");
            if (r.Gateway is not null) sb.Append(" via ").Append(r.Gateway);
            sb.Append(" dev ").Append(LinkName(r.OutIfIndex));
            if (r.Protocol == RouteProtocol.Kernel) sb.Append(" proto kernel");
            else if (r.Protocol == Engine.Intent.HostnetMarks.RouteProtocol) sb.Append(" proto hostnet");
            if (r.Scope == RouteScope.Link) sb.Append(" scope link");
            if (r.PreferredSource is not null) sb.Append(" src ").Append(r.PreferredSource);
            return sb.ToString();
        });

    public static string Mac(MacAddress? mac) => mac is { } m ? m.ToString() : "(none)";
}

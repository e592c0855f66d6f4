using System.Globalization;
using Hostnet.Engine.Intent;
using Hostnet.Netlink;

namespace Hostnet.Engine;

/// <summary>One row of the server's ARP table, as <c>arp -n</c> shows it; flags <c>C</c> complete, <c>M</c> permanent, <c>P</c> published (proxy).</summary>
public sealed record ArpRow(string Address, string HwType, string HwAddress, string Flags, string Mask, string Iface);

/// <summary>A route Hostnet owns, with the VM adapter behind it.</summary>
public sealed record OwnedRoute(string Destination, string Dev, string? Gateway, string Scope, string? Vm, string? Adapter);

/// <summary>Read-only views of the live server in the seed's terms.</summary>
public static class Views
{
    /// <summary>
    /// The neighbour table as <c>arp -n</c> prints it: every IPv4 entry, then the
    /// published (proxy) entries as <c>*  *  MP</c>, the way the seed shows them.
    /// </summary>
    public static IReadOnlyList<ArpRow> Arp(RtnlSocket server) => Neighbors(server, IpFamily.Ipv4);

    /// <summary>
    /// The IPv6 neighbour table in the same columns as <see cref="Arp"/>: every entry, then the
    /// published (proxy NDP) entries as <c>*  *  MP</c>.
    /// </summary>
    public static IReadOnlyList<ArpRow> Ndp(RtnlSocket server) => Neighbors(server, IpFamily.Ipv6);

    private static IReadOnlyList<ArpRow> Neighbors(RtnlSocket server, IpFamily family)
    {
        var names = server.DumpLinks().ToDictionary(l => l.Index, l => l.Name);
        string Name(int i) => names.TryGetValue(i, out var n) ? n : i.ToString(CultureInfo.InvariantCulture);
        var rows = new List<ArpRow>();
        foreach (var n in server.DumpNeighbors(family))
        {
            var permanent = n.State.HasFlag(NeighborState.Permanent);
            if ((n.State & (NeighborState.NoArp | NeighborState.Failed)) != 0 && !permanent) continue;
            var mac = n.State.HasFlag(NeighborState.Incomplete) ? null : n.Mac;
            var flags = (mac is not null ? "C" : "") + (permanent ? "M" : "");
            rows.Add(mac is { } m
                ? new ArpRow(n.Address.ToString(), "ether", m.ToString(), flags, "", Name(n.IfIndex))
                : new ArpRow(n.Address.ToString(), "", "(incomplete)", flags, "", Name(n.IfIndex)));
        }
        foreach (var p in server.DumpProxyNeighbors(family))
            rows.Add(new ArpRow(p.Address.ToString(), "*", "*", "MP", "", Name(p.IfIndex)));
        return rows;
    }


    /// <summary>The routes with Hostnet's protocol number, IPv4's then IPv6's, each with the VM and adapter its interface serves.</summary>
    public static IReadOnlyList<OwnedRoute> Routes(RtnlSocket server)
    {
        var links = server.DumpLinks().ToDictionary(l => l.Index);
        var result = new List<OwnedRoute>();
        foreach (var r in server.DumpRoutes(RouteTable.Main, family: null))
        {
            if (r.Protocol != HostnetMarks.RouteProtocol) continue;
            var link = r.OutIfIndex is { } i && links.TryGetValue(i, out var l) ? l : null;
            var owner = HostnetMarks.ParseAlias(link?.Alias);
            var dest = r.PrefixLength == 0 ? "default" : r.PrefixLength == IpPrefix.Host(r.Destination).PrefixLength ? r.Destination.ToString() : $"{r.Destination}/{r.PrefixLength}";
            result.Add(new OwnedRoute(dest, link?.Name ?? "?", r.Gateway?.ToString(), r.Scope == RouteScope.Link ? "link" : "global",
                owner?.Vm, owner is { } o ? $"net{o.Adapter}" : null));
        }
        return result;
    }
}

using System.Globalization;
using System.Text;
using Hostnet.Agent.Contracts;
using Hostnet.Engine;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Agent.Demo;

/// <summary>One ICMP echo of the demo and its round trip, or null when nothing answered.</summary>
public sealed record DemoPing(string From, string FromNs, string To, string Address, TimeSpan? Time);

/// <summary>
/// What the demo prints, every fact read from the live kernel of the lab's
/// namespaces: the seed's two figures with the real interface names and MACs,
/// the pings, the server's <c>arp -n</c>, computer X's ARP cache and the routes.
/// </summary>
public static class DemoReport
{
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Computer X to each VM, VM #1 to VM #2 (both routed), VM #3 to VM #1 (bridged to routed, one LAN).</summary>
    public static IEnumerable<(string From, string FromNs, DemoVm To)> PingPlan()
    {
        var vms = DemoLab.Vms;
        foreach (var vm in vms) yield return ("computer X", DemoLab.ComputerXNs, vm);
        yield return (vms[0].Title, vms[0].Netns, vms[1]);
        yield return (vms[2].Title, vms[2].Netns, vms[0]);
    }

    public static DemoPing Ping(string from, string fromNs, DemoVm to) => Ping(from, fromNs, to, to.Address);

    /// <summary>The same pings over IPv6, to each VM's IPv6 address.</summary>
    public static IEnumerable<(string From, string FromNs, DemoVm To)> PingPlan6() => PingPlan();

    /// <summary>An echo to <paramref name="address"/>, one of <paramref name="to"/>'s (ICMP or ICMPv6 by its family).</summary>
    public static DemoPing Ping(string from, string fromNs, DemoVm to, string address)
    {
        ArgumentNullException.ThrowIfNull(to);
        using var ns = NetNamespace.Open(fromNs);
        var time = Icmp.Ping(ns, IpAddress.Parse(address), PingTimeout);
        return new DemoPing(from, fromNs, to.Title, address, time);
    }

    public static string FormatPing(DemoPing p)
    {
        var what = $"{p.From} → {p.To} {p.Address}";
        return p.Time is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"  {what,-40} time={t.TotalMilliseconds:0.000} ms")
            : string.Create(CultureInfo.InvariantCulture, $"  {what,-40} no answer within {PingTimeout.TotalSeconds:0} s");
    }

    /// <summary>
    /// Where the live lab differs from the seed: a ping unanswered, computer X holding another MAC
    /// for a VM than the server's (host-routed) or the VM's own (bridged), a routed VM not published.
    /// </summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<DemoPing> pings, LiveNamespace cx, LiveNamespace server,
        IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        var problems = new List<string>();
        foreach (var p in pings.Where(p => p.Time is null))
            problems.Add($"{p.From} got no answer from {p.To} {p.Address}");
        var serverMac = LiveNamespace.Mac(server.Link(DemoLab.Uplink)?.Mac);
        foreach (var vm in DemoLab.Vms)
        {
            var ip = IpAddress.Parse(vm.Address);
            var (expected, whose) = vm.Mode == NetworkMode.HostRouted
                ? (serverMac, "the server's")
                : (LiveNamespace.Mac(guests[vm.Netns].Link("eth0")?.Mac), "its own");
            var seen = cx.Neighbors.FirstOrDefault(n => n.Address.Equals(ip) && n.Mac is not null)?.Mac;
            if (seen is null) problems.Add($"computer X has no ARP entry for {vm.Title} {vm.Address}");
            else if (LiveNamespace.Mac(seen) != expected)
                problems.Add($"computer X resolves {vm.Title} {vm.Address} to {LiveNamespace.Mac(seen)}, not to {whose} MAC {expected}");
            if (vm.Mode == NetworkMode.HostRouted && !server.Proxies.Any(p => p.Address.Equals(ip)))
                problems.Add($"the server does not publish {vm.Address} (no MP entry)");
        }
        return problems;
    }

    /// <summary>Where the lab's IPv6 differs from the seed's: a routed VM's IPv6 address not published by proxy NDP.</summary>
    public static IReadOnlyList<string> Problems6()
    {
        using var ns = NetNamespace.Open(DemoLab.ServerNs);
        using var s = RtnlSocket.Open(ns);
        var proxies = s.DumpProxyNeighbors(IpFamily.Ipv6);
        return DemoLab.Vms.Where(v => v.Mode == NetworkMode.HostRouted && !proxies.Any(p => p.Address == IpAddress.Parse(v.Address6)))
            .Select(v => $"the server does not publish {v.Address6} (no proxy NDP entry)").ToList();
    }

    /// <summary>The server's IPv6 neighbour table in <c>arp -n</c>'s columns (<c>hostnet ndp</c>), with the proxy NDP (MP) rows of the routed VMs.</summary>
    public static string ServerNdp()
    {
        using var ns = NetNamespace.Open(DemoLab.ServerNs);
        using var s = RtnlSocket.Open(ns);
        return Indent(KernelTables.Ndp(ToDocument.Arp(Views.Ndp(s))));
    }

    /// <summary>The server's neighbour table as <c>arp -n</c> prints it, with the published (MP) rows of the routed VMs.</summary>
    public static string ServerArp()
    {
        using var ns = NetNamespace.Open(DemoLab.ServerNs);
        using var s = RtnlSocket.Open(ns);
        return Indent(KernelTables.Arp(ToDocument.Arp(Views.Arp(s))));
    }

    /// <summary>Computer X's ARP cache, each VM row marked with whose MAC it is.</summary>
    public static string ComputerXArp(LiveNamespace server, IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        IReadOnlyList<ArpRowDocument> rows;
        using (var ns = NetNamespace.Open(DemoLab.ComputerXNs))
        using (var s = RtnlSocket.Open(ns))
            rows = ToDocument.Arp(Views.Arp(s));
        var serverMac = LiveNamespace.Mac(server.Link(DemoLab.Uplink)?.Mac);
        var lines = KernelTables.Arp(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var sb = new StringBuilder().Append("  ").Append(lines[0]).Append('\n');
        for (var i = 0; i < rows.Count; i++)
        {
            sb.Append("  ").Append(lines[i + 1]);
            var vm = DemoLab.Vms.FirstOrDefault(v => v.Address == rows[i].Address);
            if (rows[i].HwAddress == serverMac)
                sb.Append(vm is null ? "  ← the server" : $"  ← the server's MAC: {vm.Title} is host-routed");
            else if (vm is not null && rows[i].HwAddress == LiveNamespace.Mac(guests[vm.Netns].Link("eth0")?.Mac))
                sb.Append(CultureInfo.InvariantCulture, $"  ← {vm.Title}'s own MAC: it is bridged");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Each VM's routing table (<c>ip route</c> in its namespace), then the routes the server holds for them.</summary>
    public static string Routes(LiveNamespace server, IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        var sb = new StringBuilder();
        foreach (var vm in DemoLab.Vms)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {vm.Title} ({Network.ModeName(vm.Mode)}), ip route in {vm.Netns}:\n");
            foreach (var line in guests[vm.Netns].RouteLines()) sb.Append("    ").Append(line).Append('\n');
        }
        sb.Append(CultureInfo.InvariantCulture, $"  the server, its routes to the VMs (hostnet route --netns {DemoLab.ServerNs}):\n");
        using var ns = NetNamespace.Open(DemoLab.ServerNs);
        using var s = RtnlSocket.Open(ns);
        foreach (var line in KernelTables.Routes(ToDocument.Routes(Views.Routes(s))).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            sb.Append("    ").Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>The seed's first figure, bridged, drawn from the live lab.</summary>
    public static string BridgedFigure(LiveNamespace lan, LiveNamespace cx, LiveNamespace server, IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        var vms = DemoLab.Vms.Where(v => v.Mode == NetworkMode.Bridged).ToList();
        var sb = new StringBuilder();
        AppendVms(sb, vms, guests);
        var vmes = vms.Select(v => HostEnd(v, guests[v.Netns], server)).ToList();
        AppendCrossing(sb, vms.Count, $"server ({DemoLab.ServerNs})");
        AppendColumns(sb, vmes.Select(l => (IReadOnlyList<string>)[$"{l?.Name ?? "?"}  {LiveNamespace.Mac(l?.Mac)}  port of {server.LinkName(l?.MasterIndex)}"]).ToList());
        AppendJoin(sb, vms.Count, "");
        var bridge = server.Link(DemoLab.Bridge);
        var uplink = server.Link(DemoLab.Uplink);
        sb.Append(CultureInfo.InvariantCulture, $"  {DemoLab.Bridge}  {LiveNamespace.Mac(bridge?.Mac)}  {server.AddressesOf(bridge)}  (the server's address, moved here from {DemoLab.Uplink})\n");
        sb.Append("    │\n");
        sb.Append(CultureInfo.InvariantCulture, $"  {DemoLab.Uplink}  {LiveNamespace.Mac(uplink?.Mac)}  port of {server.LinkName(uplink?.MasterIndex)}\n");
        AppendLan(sb, lan, cx);
        return sb.ToString();
    }

    /// <summary>The seed's second figure, host-routed, drawn from the live lab.</summary>
    public static string RoutedFigure(LiveNamespace lan, LiveNamespace cx, LiveNamespace server, IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        var vms = DemoLab.Vms.Where(v => v.Mode == NetworkMode.HostRouted).ToList();
        var sb = new StringBuilder();
        AppendVms(sb, vms, guests);
        AppendCrossing(sb, vms.Count, $"server ({DemoLab.ServerNs})");
        var blocks = new List<IReadOnlyList<string>>();
        foreach (var vm in vms)
        {
            var vme = HostEnd(vm, guests[vm.Netns], server);
            var ip = IpAddress.Parse(vm.Address);
            var route = server.Routes.FirstOrDefault(r => r.PrefixLength == 32 && r.Destination.Equals(ip));
            var arp = server.Neighbors.FirstOrDefault(n => n.Address.Equals(ip) && n.IfIndex == vme?.Index);
            blocks.Add(
            [
                $"{vme?.Name ?? "?"}  {LiveNamespace.Mac(vme?.Mac)}",
                $"{server.AddressesOf(vme)}  (the VMs' gateway)",
                route is null ? "no route!" : $"route {vm.Address} dev {server.LinkName(route.OutIfIndex)}",
                arp is null ? "no ARP entry!" : $"ARP {vm.Address} {LiveNamespace.Mac(arp.Mac)} {(arp.State.HasFlag(NeighborState.Permanent) ? "PERMANENT" : "")}",
            ]);
        }
        AppendColumns(sb, blocks);
        AppendJoin(sb, vms.Count, "routed by the server");
        var l3 = server.Proxies.Select(p => server.LinkName(p.IfIndex)).FirstOrDefault() ?? DemoLab.Uplink;
        var l3Link = server.Link(l3);
        var published = string.Join(", ", server.Proxies.Where(p => p.IfIndex == l3Link?.Index)
            .Select(p => IpAddress.Parse(p.Address.ToString())).Order().Select(a => a.ToString()));
        sb.Append(CultureInfo.InvariantCulture, $"  {l3}  {LiveNamespace.Mac(l3Link?.Mac)}  {server.AddressesOf(l3Link)}  proxy ARP (MP) for {published}\n");
        if (l3 != DemoLab.Uplink)
        {
            var uplink = server.Link(DemoLab.Uplink);
            sb.Append("    │\n");
            sb.Append(CultureInfo.InvariantCulture, $"  {DemoLab.Uplink}  {LiveNamespace.Mac(uplink?.Mac)}  port of {server.LinkName(uplink?.MasterIndex)} (a mixed server: {l3} is the L3 uplink)\n");
        }
        AppendLan(sb, lan, cx);
        return sb.ToString();
    }

    /// <summary>The server end of a VM's veth: the link its eth0 is paired with (IFLA_LINK), read from the kernel.</summary>
    private static Link? HostEnd(DemoVm vm, LiveNamespace guest, LiveNamespace server)
    {
        var eth = guest.Link("eth0");
        var peer = eth?.LinkIndex is { } i ? server.Link(i) : null;
        return peer is not null && peer.Name.StartsWith("vme", StringComparison.Ordinal) ? peer : server.Link(Naming.HostInterface(vm.Uuid, 0));
    }

    private static void AppendVms(StringBuilder sb, IReadOnlyList<DemoVm> vms, IReadOnlyDictionary<string, LiveNamespace> guests)
    {
        var blocks = new List<IReadOnlyList<string>>();
        foreach (var vm in vms)
        {
            var g = guests[vm.Netns];
            var eth = g.Link("eth0");
            var gateway = g.Routes.FirstOrDefault(r => r.PrefixLength == 0)?.Gateway;
            blocks.Add(
            [
                $"{vm.Title}  ({vm.Netns})",
                $"eth0  {LiveNamespace.Mac(eth?.Mac)}",
                $"{g.AddressesOf(eth)}",
                gateway is null ? "no default route!" : $"default via {gateway}",
            ]);
        }
        AppendColumns(sb, blocks);
    }

    private static void AppendLan(StringBuilder sb, LiveNamespace lan, LiveNamespace cx)
    {
        var bridge = lan.Links.FirstOrDefault(l => l.Kind == "bridge");
        AppendCrossing(sb, 1, $"LAN ({DemoLab.LanNs}, bridge {bridge?.Name ?? "?"})");
        var eth = cx.Link("eth0");
        sb.Append(CultureInfo.InvariantCulture, $"  computer X  ({DemoLab.ComputerXNs})  eth0  {LiveNamespace.Mac(eth?.Mac)}  {cx.AddressesOf(eth)}\n");
    }

    private const int ColumnWidth = 50;

    private static void AppendColumns(StringBuilder sb, IReadOnlyList<IReadOnlyList<string>> blocks)
    {
        var rows = blocks.Max(b => b.Count);
        for (var r = 0; r < rows; r++)
        {
            var line = new StringBuilder("  ");
            for (var c = 0; c < blocks.Count; c++)
            {
                var text = r < blocks[c].Count ? blocks[c][r] : "";
                line.Append(c < blocks.Count - 1 ? text.PadRight(ColumnWidth) : text);
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }

    /// <summary>A vertical line per column, crossing a horizontal rule that names what is below it.</summary>
    private static void AppendCrossing(StringBuilder sb, int columns, string label)
    {
        var bars = Bars(columns, '│', ' ');
        sb.Append(bars).Append('\n');
        sb.Append(Bars(columns, '┼', '─')).Append("─── ").Append(label).Append('\n');
        sb.Append(bars).Append('\n');
    }

    /// <summary>The columns' lines joined into the first one, which goes on down.</summary>
    private static void AppendJoin(StringBuilder sb, int columns, string label)
    {
        sb.Append(Bars(columns, '│', ' ')).Append('\n');
        if (columns > 1)
        {
            var join = Bars(columns, '┘', '─').ToCharArray();
            join[2] = join[3] = ' ';
            join[4] = '├';
            for (var c = 1; c < columns - 1; c++) join[4 + (c * ColumnWidth)] = '┴';
            sb.Append(join).Append("  ").Append(label).Append('\n');
        }
        else if (label.Length > 0)
        {
            sb.Append("    │  ").Append(label).Append('\n');
        }
        if (label.Length > 0) sb.Append("    │\n");
    }

    /// <summary><paramref name="bar"/> under the third character of each column, <paramref name="fill"/> between.</summary>
    private static string Bars(int columns, char bar, char fill)
    {
        var width = 4 + ((columns - 1) * ColumnWidth) + 1;
        var chars = new char[width];
        Array.Fill(chars, fill, 0, width);
        for (var i = 0; i < 2; i++) chars[i] = ' ';
        if (fill == '─') chars[2] = chars[3] = '─';
        for (var c = 0; c < columns; c++) chars[4 + (c * ColumnWidth)] = bar;
        return new string(chars);
    }

    private static string Indent(string text) =>
        string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n"));
}

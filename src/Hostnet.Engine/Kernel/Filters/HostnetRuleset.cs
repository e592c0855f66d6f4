using System.Globalization;
using System.Text;

namespace Hostnet.Engine.Kernel.Filters;

/// <summary>A set of Hostnet's table: its name and nft's type (<c>ifname . ether_addr</c>).</summary>
internal sealed record FilterSetDef(string Name, string Type)
{
    /// <summary>The type's parts, as nft's JSON lists them.</summary>
    public IReadOnlyList<string> Parts => Type.Split(" . ");
}

/// <summary>A base chain of Hostnet's table.</summary>
internal sealed record FilterChainDef(string Name, string Hook, int Priority);

/// <summary>A rule, in nft's language; its comment (<c>hostnet NAME HASH</c>) is how a listing shows which rule it is and in which version.</summary>
internal sealed record FilterRuleDef(string Chain, string Name, string Body)
{
    public string Comment => $"hostnet {Name} {Hash(Body)}";

    private static string Hash(string s)
    {
        // FNV-1a: the same on every run (string.GetHashCode is not).
        uint h = 2166136261;
        foreach (var c in s) h = (h ^ c) * 16777619;
        return h.ToString("x8", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Hostnet's table of one family: the sets every adapter's elements go into and the rules that read
/// them. Every rule is keyed by interface through a set (<c>iifname @mac_on</c>, <c>iifname . ether saddr
/// != @mac</c>), so adding or removing an adapter changes set elements only.
/// </summary>
internal sealed class HostnetRuleset
{
    /// <summary>
    /// The packet-mark bit a bridged guest's frames carry from the bridge to the server's own input
    /// (where the inet family sees the bridge, not the port): the <c>server</c> protection of bridged adapters.
    /// </summary>
    public const uint ServerGuardMark = 0x00100000;

    // The per-protection sets: the interfaces that have that protection on.
    public const string MacOn = "mac_on";
    public const string AddressesOn = "addr_on";
    public const string ArpOn = "arp_on";
    public const string GuardsOn = "guards_on";
    public const string ServerOn = "server_on";

    /// <summary>Interfaces of an adapter with any protection on: the one lookup every packet meets first.</summary>
    public const string Guests = "guests";

    /// <summary>Interfaces whose adapter has no IPv4 address: they may send DHCP discovery from 0.0.0.0.</summary>
    public const string Dhcp4On = "dhcp4_on";

    /// <summary>
    /// Interfaces whose guest's DHCP Hostnet answers (it reads the requests off the vme before these rules): the
    /// requests go no further, neither onto the LAN (where another server could answer or refuse them) nor to the
    /// server's own stack (which would answer a renewal with a port unreachable).
    /// </summary>
    public const string DhcpAnswered = "dhcp_answered";

    // What each interface may say: its MAC, its addresses; and the ports the server opens to it.
    public const string Mac = "mac";
    public const string Addr4 = "addr4";
    public const string Addr6 = "addr6";
    public const string ServerPorts = "server_ports";

    // A routed guest's MAC and each of its addresses, where both its MAC and address protections are on.
    public const string Ident4 = "ident4";
    public const string Ident6 = "ident6";

    // Before the rulesets below: static initializers run in the order they are written.
    private static readonly FilterSetDef[] ProtectionSets =
    [
        new(Guests, "ifname"), new(MacOn, "ifname"), new(AddressesOn, "ifname"), new(ArpOn, "ifname"), new(GuardsOn, "ifname"), new(ServerOn, "ifname"), new(Dhcp4On, "ifname"), new(DhcpAnswered, "ifname"),
    ];

    private static readonly FilterSetDef[] IdentitySets =
    [
        new(Mac, "ifname . ether_addr"), new(Addr4, "ifname . ipv4_addr"), new(Addr6, "ifname . ipv6_addr"),
    ];

    private HostnetRuleset(FilterFamily family, IReadOnlyList<FilterSetDef> sets, IReadOnlyList<FilterChainDef> chains, IReadOnlyList<FilterRuleDef> rules)
    {
        Family = family;
        Sets = sets;
        Chains = chains;
        Rules = rules;
        Shape = ShapeOf(sets.Select(s => (s.Name, string.Join(",", s.Parts))), chains.Select(c => (c.Name, c.Hook, c.Priority)), rules.Select(r => (r.Chain, (string?)r.Comment)));
        Summary = $"sets {string.Join(", ", sets.Select(s => s.Name))}; "
            + string.Join("; ", chains.Select(c => $"chain {c.Name} hook {c.Hook} priority {c.Priority.ToString(CultureInfo.InvariantCulture)}, {rules.Count(r => r.Chain == c.Name)} rules"));
    }

    public FilterFamily Family { get; }

    public IReadOnlyList<FilterSetDef> Sets { get; }

    public IReadOnlyList<FilterChainDef> Chains { get; }

    public IReadOnlyList<FilterRuleDef> Rules { get; }

    /// <summary>What a listing of the table must sum up to (<see cref="ShapeOf"/>).</summary>
    public string Shape { get; }

    /// <summary>One line for <c>plan</c>.</summary>
    public string Summary { get; }

    public FilterSetDef? FindSet(string name) => Sets.FirstOrDefault(s => s.Name == name);

    public static HostnetRuleset Bridge { get; } = MakeBridge();

    public static HostnetRuleset Inet { get; } = MakeInet();

    public static HostnetRuleset Arp { get; } = MakeArp();

    public static HostnetRuleset For(FilterFamily family) => family switch
    {
        FilterFamily.Bridge => Bridge,
        FilterFamily.Inet => Inet,
        _ => Arp,
    };

    /// <summary>
    /// The commands that make the table anew, in nft's language: one transaction that removes what
    /// stands under the name (whatever it holds) and makes the table, its sets and chains, and its rules.
    /// </summary>
    public string CreateCommands()
    {
        var family = FilterTable.FamilyName(Family);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"add table {family} {FilterTable.Name}\n");
        sb.Append(CultureInfo.InvariantCulture, $"delete table {family} {FilterTable.Name}\n");
        sb.Append(CultureInfo.InvariantCulture, $"add table {family} {FilterTable.Name}\n");
        foreach (var s in Sets)
            sb.Append(CultureInfo.InvariantCulture, $"add set {family} {FilterTable.Name} {s.Name} {{ type {s.Type}; }}\n");
        foreach (var c in Chains)
            sb.Append(CultureInfo.InvariantCulture, $"add chain {family} {FilterTable.Name} {c.Name} {{ type filter hook {c.Hook} priority {c.Priority}; policy accept; }}\n");
        foreach (var r in Rules)
            sb.Append(CultureInfo.InvariantCulture, $"add rule {family} {FilterTable.Name} {r.Chain} {r.Body} comment \"{r.Comment}\"\n");
        return sb.ToString();
    }

    /// <summary>The commands that remove the table and everything in it.</summary>
    public string DeleteCommands() => $"delete table {FilterTable.FamilyName(Family)} {FilterTable.Name}\n";

    /// <summary>
    /// The sum of a table: its sets (name and type parts) and base chains by name, then each chain's
    /// rules' comments in order. Built the same from the definition and from a listing.
    /// </summary>
    public static string ShapeOf(IEnumerable<(string Name, string Type)> sets, IEnumerable<(string Name, string Hook, int Priority)> chains, IEnumerable<(string Chain, string? Comment)> rules)
    {
        var sb = new StringBuilder();
        foreach (var (name, type) in sets.OrderBy(s => s.Name, StringComparer.Ordinal)) sb.Append(CultureInfo.InvariantCulture, $"set {name} {type};");
        var ruleList = rules.ToList();
        foreach (var (name, hook, prio) in chains.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"chain {name} {hook} {prio}:");
            foreach (var r in ruleList.Where(r => r.Chain == name)) sb.Append(r.Comment ?? "?").Append(',');
            sb.Append(';');
        }
        return sb.ToString();
    }

    /// <summary>
    /// What a guest sends, the same in the bridge family (bridged) and the inet family (routed). Every
    /// packet the server forwards or bridges meets these rules, so they are ordered by cost: a packet from
    /// an interface that is no guest's (the uplink's, the LAN's) leaves after one comparison of its interface's
    /// name; a routed guest's own packet is accepted after one lookup; in each rule a comparison of the packet's
    /// own bytes (its protocol, port, source) comes before a set lookup.
    /// </summary>
    private static IEnumerable<FilterRuleDef> GuestRules(string chain, bool bridge)
    {
        // The bridge family names the EtherType where the inet family names the packet's family.
        var (v4, v6) = bridge ? ("ether type ip", "ether type ip6") : ("meta nfproto ipv4", "meta nfproto ipv6");
        // Most packets a server forwards come from the LAN to a guest: they leave after comparing three bytes
        // of their interface's name, before any set is looked up (a guest's interface is always a vme…).
        yield return new(chain, "vme", "iifname != \"vme*\" return");
        // The bridge's other ports' frames (another bridge's vme…, a guest with every protection off) leave
        // here. A routed guest's packets pass the guards' cheap matches and its identity first, below: one
        // lookup for its own packets, and this one only for what is not its own.
        if (bridge) yield return new(chain, "guests", $"iifname != @{Guests} return");
        // Hostnet answers these guests' DHCP on their vmes: their requests go no further (not to the LAN).
        yield return new(chain, "dhcp-answered", $"udp sport 68 udp dport 67 iifname @{DhcpAnswered} drop");
        yield return new(chain, "guards-dhcp", $"udp sport {{ 67, 547 }} iifname @{GuardsOn} drop");
        yield return new(chain, "guards-ra", $"icmpv6 type nd-router-advert iifname @{GuardsOn} drop");
        if (bridge)
        {
            // The IEEE 802.1D/802.1Q reserved group addresses 01:80:c2:00:00:00-0f: STP/RSTP/MSTP BPDUs (00),
            // pause (01), LACP and the other slow protocols (02), 802.1X port authentication (03), LLDP (0e)
            // and the rest of the block. They speak for a link to its switch, so a guest that sends them
            // speaks for the server's port: it can take the LAN's root bridge, pause the port, join a link
            // aggregation, authenticate the port for itself or describe itself as the switch. A conforming bridge
            // never forwards them; Linux's does when told to (group_fwd_mask) and floods BPDUs when its own STP
            // is off. All sixteen are dropped, as libvirt's no-other-l2-traffic drops every frame that is not
            // the guest's IP or ARP: a guest has nothing to say on them to a shared LAN.
            yield return new(chain, "guards-l2", $"ether daddr & ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00 iifname @{GuardsOn} drop");
            // Cisco's: PVST+ BPDUs (01:00:0c:cc:cc:cd), and CDP, VTP, DTP and UDLD (01:00:0c:cc:cc:cc), where a
            // DTP frame can turn a switch port into a trunk that carries every VLAN to the guest.
            yield return new(chain, "guards-cisco", $"ether daddr {{ 01:00:0c:cc:cc:cc, 01:00:0c:cc:cc:cd }} iifname @{GuardsOn} drop");
        }
        else
        {
            // The common case of a routed guest with MAC and address protections: its own MAC and one of its
            // own addresses, one lookup; it passes every rule below. What does not match meets them one by one.
            yield return new(chain, "identity4", $"iifname . ether saddr . ip saddr @{Ident4} accept");
            yield return new(chain, "identity6", $"iifname . ether saddr . ip6 saddr @{Ident6} accept");
            yield return new(chain, "guests", $"iifname != @{Guests} return");
        }
        yield return new(chain, "mac", $"iifname @{MacOn} iifname . ether saddr != @{Mac} drop");
        if (bridge)
        {
            foreach (var r in ArpRules(chain, "ether type arp ")) yield return r;
        }
        yield return new(chain, "dhcp-discovery", $"ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 iifname @{Dhcp4On} accept");
        yield return new(chain, "addresses", $"{v4} iifname @{AddressesOn} iifname . ip saddr != @{Addr4} drop");
        // Link-local and the unspecified address (DAD) carry neighbour discovery; the MAC rule holds them to the guest's own.
        yield return new(chain, "link-local6", $"ip6 saddr {{ ::, fe80::/10 }} iifname @{AddressesOn} accept");
        yield return new(chain, "addresses6", $"{v6} iifname @{AddressesOn} iifname . ip6 saddr != @{Addr6} drop");
        if (bridge) yield return new(chain, "server-mark", $"iifname @{ServerOn} meta mark set meta mark | 0x{ServerGuardMark:x8}");
    }

    private static IEnumerable<FilterRuleDef> ArpRules(string chain, string match)
    {
        yield return new(chain, "arp-mac", $"{match}iifname @{ArpOn} iifname . arp saddr ether != @{Mac} drop");
        // An ARP probe (RFC 5227) names no sender address; it changes no one's cache.
        yield return new(chain, "arp-probe", $"{match}arp saddr ip 0.0.0.0 arp operation request iifname @{ArpOn} accept");
        yield return new(chain, "arp-address", $"{match}iifname @{ArpOn} iifname . arp saddr ip != @{Addr4} drop");
    }

    private static HostnetRuleset MakeBridge() =>
        new(FilterFamily.Bridge, [.. ProtectionSets, .. IdentitySets],
            [new("prerouting", "prerouting", -300)],
            GuestRules("prerouting", bridge: true).ToList());

    private static HostnetRuleset MakeInet()
    {
        var rules = GuestRules("prerouting", bridge: false).ToList();
        // What reaches the server itself from a protected guest: routed ones by their vme, bridged ones by
        // the mark their bridge port gave them (here the inet family sees the bridge, not the port).
        rules.Add(new("input", "server-select", $"iifname != @{ServerOn} meta mark & 0x{ServerGuardMark:x8} != 0x{ServerGuardMark:x8} return"));
        rules.Add(new("input", "server-icmp", "meta l4proto { icmp, ipv6-icmp } accept"));
        // Replies to the server's own TCP connections pass (anything but a bare SYN opens nothing); not by
        // `ct state`: a ct expression turns connection tracking on for every packet the namespace forwards,
        // which cost the routed VMs' throughput (bench/README.md, isolation).
        rules.Add(new("input", "server-replies", "tcp flags & (syn | ack) != syn accept"));
        rules.Add(new("input", "server-ports", $"iifname . meta l4proto . th dport @{ServerPorts} accept"));
        rules.Add(new("input", "server-drop", "drop"));
        return new(FilterFamily.Inet,
            [.. ProtectionSets, .. IdentitySets, new(Ident4, "ifname . ether_addr . ipv4_addr"), new(Ident6, "ifname . ether_addr . ipv6_addr"), new(ServerPorts, "ifname . inet_proto . inet_service")],
            [new("prerouting", "prerouting", -300), new("input", "input", 0)], rules);
    }

    private static HostnetRuleset MakeArp() =>
        new(FilterFamily.Arp, [new(ArpOn, "ifname"), new(Mac, "ifname . ether_addr"), new(Addr4, "ifname . ipv4_addr")],
            [new("input", "input", 0)], ArpRules("input", "").ToList());
}

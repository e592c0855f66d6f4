using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Netlink;

namespace Hostnet.Engine.Observe;

/// <summary>
/// The kernel objects Hostnet owns, read with one dump per object kind on the
/// server (not one per VM), and one per kind in each guest namespace the
/// intent reaches into.
/// </summary>
public sealed class Observer
{
    private readonly NetNamespace _serverNs;
    private readonly RtnlSocket _server;

    public Observer(NetNamespace serverNs, RtnlSocket server)
    {
        _serverNs = serverNs;
        _server = server;
    }

    /// <summary>The server's links, the first thing any apply or plan reads.</summary>
    public ServerSnapshot Snapshot(LedgerContents ledger)
    {
        var links = _server.DumpLinks();
        var byIndex = links.ToDictionary(l => l.Index);
        var masters = new Dictionary<string, string?>(StringComparer.Ordinal);
        var macs = new Dictionary<string, MacAddress>(StringComparer.Ordinal);
        foreach (var l in links)
        {
            masters[l.Name] = l.MasterIndex is { } m && byIndex.TryGetValue(m, out var master) ? master.Name : null;
            if (l.Mac is { } mac) macs[l.Name] = mac;
        }
        var hasIpv6 = _serverNs.Invoke(() => Directory.Exists("/proc/sys/net/ipv6/conf"));
        var thresholds = _serverNs.Invoke(ReadGcThresholds);
        return new ServerSnapshot(links, new ServerFacts(masters, hasIpv6)
        {
            MacOfLink = macs,
            NeighborGcThresholds = thresholds,
            EnslavedUplinks = ledger.Keys(LedgerKind.Uplink).ToHashSet(StringComparer.Ordinal),
        });
    }

    public IReadOnlyList<KernelObject> Observe(ServerSnapshot snapshot, KernelIntent intent, LedgerContents ledger)
    {
        var result = new List<KernelObject>();
        var byIndex = snapshot.Links.ToDictionary(l => l.Index);
        string? NameOf(int? index) => index is { } i && byIndex.TryGetValue(i, out var l) ? l.Name : null;

        var owned = new Dictionary<int, Link>();
        foreach (var l in snapshot.Links)
        {
            if (!HostnetMarks.IsHostInterfaceName(l.Name)) continue;
            if (HostnetMarks.ParseAlias(l.Alias) is null && !ledger.Has(LedgerEntry.Link(l.Name))) continue;
            owned[l.Index] = l;
            result.Add(new HostLink(l.Name, l.Kind == "veth" ? LinkKind.Veth : LinkKind.Tap, l.Mac ?? default,
                l.Alias ?? "", NameOf(l.MasterIndex), l.AdminUp));
        }

        foreach (var a in _server.DumpAddresses())
        {
            if (owned.TryGetValue(a.IfIndex, out var l))
                result.Add(new AddressObject(KernelObject.Server, l.Name, new IpPrefix(a.Address, a.PrefixLength)));
        }

        foreach (var r in _server.DumpRoutes())
        {
            if (r.Protocol != HostnetMarks.RouteProtocol || NameOf(r.OutIfIndex) is not { } dev) continue;
            result.Add(new RouteObject(KernelObject.Server, new IpPrefix(r.Destination, r.PrefixLength), dev, r.Gateway));
        }

        foreach (var n in _server.DumpNeighbors())
        {
            if (owned.TryGetValue(n.IfIndex, out var l) && n.State.HasFlag(NeighborState.Permanent) && n.Mac is not null)
                result.Add(new NeighborObject(l.Name, n.Address, n.Mac ?? default));
        }

        var wantedBridges = intent.Objects.OfType<BridgeObject>().Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        wantedBridges.UnionWith(ledger.Keys(LedgerKind.Bridge));
        foreach (var l in snapshot.Links)
        {
            if (l.Kind == "bridge" && wantedBridges.Contains(l.Name))
                result.Add(new BridgeObject(l.Name, l.Mac ?? default, l.AdminUp));
        }
        var ports = intent.Objects.OfType<UplinkPort>().Select(u => u.Uplink + " " + u.Bridge).ToHashSet(StringComparer.Ordinal);
        ports.UnionWith(ledger.Keys(LedgerKind.Uplink));
        foreach (var port in ports)
        {
            var parts = port.Split(' ');
            if (snapshot.Find(parts[0]) is { } uplink && NameOf(uplink.MasterIndex) == parts[1])
                result.Add(new UplinkPort(parts[0], parts[1]));
        }

        var wantedProxies = intent.Objects.OfType<ProxyNeighborObject>().ToHashSet();
        foreach (var p in _server.DumpProxyNeighbors())
        {
            if (NameOf(p.IfIndex) is not { } dev) continue;
            var o = new ProxyNeighborObject(dev, p.Address);
            if (wantedProxies.Contains(o) || ledger.Has(LedgerEntry.Proxy(dev, o.Address))) result.Add(o);
        }

        // A link's own settings come with the link dump (IFLA_AF_SPEC): one /proc read per value
        // made this the slowest part of a plan (30,000 file reads for 10,000 adapters).
        var byName = snapshot.Links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var sysctls = new List<SysctlObject>();
        foreach (var s in intent.Objects.OfType<SysctlObject>())
        {
            if (FromLinkDump(s.Path, byName) is { } value) result.Add(s with { Value = value });
            // The link is not there yet: the value is missing (no /proc read and failure per link to learn it).
            else if (s.PerLink && s.Path.Split('/') is [_, _, _, var dev, _] && !byName.ContainsKey(dev)) continue;
            else sysctls.Add(s);
        }
        if (sysctls.Count > 0) result.AddRange(_serverNs.Invoke(() => ReadSysctls(sysctls)));

        var guests = intent.Objects.OfType<NamespaceObject>().Where(ns => NetNamespace.Exists(ns.Name)).ToList();
        result.AddRange(guests);
        if (guests.Count > 0) result.AddRange(ObserveGuests(guests.Select(g => g.Name).ToList(), intent));
        return result;
    }

    /// <summary>Every guest namespace's objects: all sockets opened from one thread, then one dump per kind in each.</summary>
    private static List<KernelObject> ObserveGuests(List<string> names, KernelIntent intent)
    {
        var devs = intent.Objects.OfType<GuestLinkState>().ToLookup(g => g.GuestNetns, g => g.Name, StringComparer.Ordinal);
        var result = new List<KernelObject>();
        using var sockets = GuestSockets.Open(names);
        for (int i = 0; i < names.Count; i++)
            result.AddRange(ObserveGuest(names[i], sockets[i], devs[names[i]].ToHashSet(StringComparer.Ordinal)));
        return result;
    }

    // linux/ip.h: IPV4_DEVCONF_*; linux/ipv6.h: DEVCONF_*
    private const int IPV4_DEVCONF_FORWARDING = 1;
    private const int IPV4_DEVCONF_PROXY_ARP = 3;
    private const int IPV4_DEVCONF_SEND_REDIRECTS = 6;
    private const int IPV4_DEVCONF_RP_FILTER = 8;
    private const int DEVCONF_ACCEPT_RA = 3;

    /// <summary>
    /// <c>net/ipv4/conf/DEV/NAME</c> (and IPv6 accept_ra) as the link dump carries it, or null
    /// when it does not (another path, a link not there, a value Hostnet does not read this way).
    /// </summary>
    internal static string? FromLinkDump(string path, IReadOnlyDictionary<string, Link> links)
    {
        var parts = path.Split('/');
        if (parts.Length != 5 || parts[0] != "net" || parts[2] != "conf" || !links.TryGetValue(parts[3], out var link)) return null;
        int? value = (parts[1], parts[4]) switch
        {
            ("ipv4", "forwarding") => At(link.Ipv4Conf, IPV4_DEVCONF_FORWARDING - 1),
            ("ipv4", "proxy_arp") => At(link.Ipv4Conf, IPV4_DEVCONF_PROXY_ARP - 1),
            ("ipv4", "send_redirects") => At(link.Ipv4Conf, IPV4_DEVCONF_SEND_REDIRECTS - 1),
            ("ipv4", "rp_filter") => At(link.Ipv4Conf, IPV4_DEVCONF_RP_FILTER - 1),
            ("ipv6", "accept_ra") => At(link.Ipv6Conf, DEVCONF_ACCEPT_RA),
            _ => null,
        };
        return value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

        static int? At(IReadOnlyList<int>? conf, int i) => conf is not null && i < conf.Count ? conf[i] : null;
    }

    /// <summary>gc_thresh1..3 as they are (read on the namespace's thread); none where the kernel does not show them.</summary>
    private static Dictionary<string, long> ReadGcThresholds()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var path in IntentBuilder.NeighborGcThresholdPaths)
        {
            try
            {
                if (long.TryParse(File.ReadAllText("/proc/sys/" + path).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
                    result[path] = value;
            }
            catch (IOException)
            {
                // Not in this namespace: the kernel shows them only in the host's first namespace.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return result;
    }

    /// <summary>Reads the values on this namespace's thread: /proc/sys/net follows the opener's namespace.</summary>
    private static List<KernelObject> ReadSysctls(List<SysctlObject> wanted)
    {
        var found = new List<KernelObject>(wanted.Count);
        foreach (var s in wanted)
        {
            try
            {
                found.Add(s with { Value = File.ReadAllText("/proc/sys/" + s.Path).Trim() });
            }
            catch (IOException)
            {
                // The interface is not there yet: the value is missing, the plan sets it after creating the link.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    private static List<KernelObject> ObserveGuest(string netns, RtnlSocket sock, HashSet<string> devs)
    {
        var result = new List<KernelObject>();
        var links = sock.DumpLinks().Where(l => devs.Contains(l.Name)).ToDictionary(l => l.Index);
        foreach (var l in links.Values) result.Add(new GuestLinkState(netns, l.Name, l.AdminUp));
        foreach (var a in sock.DumpAddresses())
        {
            if (links.TryGetValue(a.IfIndex, out var l) && l.Name != "lo")
                result.Add(new AddressObject(netns, l.Name, new IpPrefix(a.Address, a.PrefixLength)));
        }
        foreach (var r in sock.DumpRoutes(RouteTable.Unspec))
        {
            if (r.Protocol == HostnetMarks.RouteProtocol && r.OutIfIndex is { } i && links.TryGetValue(i, out var l))
                result.Add(new RouteObject(netns, new IpPrefix(r.Destination, r.PrefixLength), l.Name, r.Gateway, r.Table));
        }
        foreach (var r in sock.DumpRules())
        {
            if (r.Protocol == HostnetMarks.RouteProtocol && r.Source is { } source && r.SourcePrefix == IpPrefix.Host(source).PrefixLength)
                result.Add(new RuleObject(netns, source, r.Table, r.Priority));
        }
        return result;
    }
}

/// <summary>The server's links at the start of a plan or apply, and the facts read from them.</summary>
public sealed record ServerSnapshot(IReadOnlyList<Link> Links, ServerFacts Facts)
{
    public Link? Find(string name) => Links.FirstOrDefault(l => l.Name == name);
}

using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Filters;
using Hostnet.Engine.Kernel.Handlers;
using Hostnet.Netlink;

namespace Hostnet.Engine.Observe;

/// <summary>
/// Reads the kernel: the server's links first (<see cref="Snapshot"/>, which the intent is built
/// from), then the rest as a <see cref="KernelSnapshot"/> (<see cref="Read"/>), with one dump per
/// object kind on the server (not one per VM), and one per kind in each guest namespace the
/// intent reaches into. What of it Hostnet owns is <see cref="Interpretation"/>'s to say.
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
        var ignoreRa = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in links)
        {
            masters[l.Name] = l.MasterIndex is { } m && byIndex.TryGetValue(m, out var master) ? master.Name : null;
            if (l.Mac is { } mac) macs[l.Name] = mac;
            if (l.Ipv6Conf is { Count: > DevconfAcceptRa } conf && conf[DevconfAcceptRa] == 0) ignoreRa.Add(l.Name);
        }
        var hasIpv6 = _serverNs.Invoke(() => Directory.Exists("/proc/sys/net/ipv6/conf"));
        var thresholds = _serverNs.Invoke(ReadGcThresholds);
        return new ServerSnapshot(links, new ServerFacts(masters, hasIpv6)
        {
            MacOfLink = macs,
            IgnoringRouterAdvertisements = ignoreRa,
            NeighborGcThresholds = thresholds,
            EnslavedUplinks = ledger.Keys(LedgerKind.Uplink).ToHashSet(StringComparer.Ordinal),
        });
    }

    // linux/ipv6.h: DEVCONF_ACCEPT_RA, the index of accept_ra in a link's IFLA_INET6_CONF.
    private const int DevconfAcceptRa = 3;

    /// <summary>The kernel objects Hostnet owns: the kernel read (<see cref="Read"/>), then interpreted (<see cref="Interpretation"/>).</summary>
    public IReadOnlyList<KernelObject> Observe(ServerSnapshot snapshot, KernelIntent intent, LedgerContents ledger) =>
        Interpretation.Observe(Read(snapshot, intent), intent, ledger);

    /// <summary>
    /// The rest of the kernel after the server's links: the server's addresses, routes, neighbour and
    /// proxy entries, the <c>/proc/sys</c> values the intent wants that the link dump does not carry,
    /// and the dumps of each guest namespace the intent reaches into that exists.
    /// </summary>
    public KernelSnapshot Read(ServerSnapshot snapshot, KernelIntent intent)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(intent);
        // The server's main table only: Hostnet's routes live there, and the local table alone holds a route
        // per vme gateway address — kept in the snapshot, they doubled what a plan at 10,000 adapters held.
        // Both families (null): a VM address may be IPv6, and what the state no longer wants must be seen to go.
        var server = new NamespaceDump(KernelObject.Server, snapshot.Links, _server.DumpAddresses(null), _server.DumpRoutes(RouteTable.Main, null), [],
            _server.DumpNeighbors(null), _server.DumpProxyNeighbors(null));

        var byName = snapshot.Links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var toRead = intent.Objects.OfType<SysctlObject>().Where(s => SysctlHandler.NeedsRead(s, byName)).Select(s => s.Path).ToList();
        var sysctls = toRead.Count > 0 ? _serverNs.Invoke(() => ReadSysctls(toRead)) : [];

        var guests = intent.Objects.OfType<NamespaceObject>().Where(ns => NetNamespace.Exists(ns.Name)).Select(ns => ns.Name).ToList();
        return new KernelSnapshot(server, sysctls, guests.Count > 0 ? ReadGuests(guests) : [])
        {
            Filters = ReadFilters(intent),
        };
    }

    /// <summary>
    /// Hostnet's nftables tables, listed on the namespace's thread (libnftables' socket follows it). Not
    /// read when none is wanted and libnftables is missing: a server without filters needs no library.
    /// </summary>
    private IReadOnlyList<FilterListing> ReadFilters(KernelIntent intent)
    {
        if (!intent.Objects.OfType<FilterTable>().Any() && !Nftables.IsAvailable()) return [];
        return FilterReader.Read(_serverNs);
    }

    /// <summary>Every guest namespace's dumps: all sockets opened from one thread, then one dump per kind in each.</summary>
    private static List<NamespaceDump> ReadGuests(List<string> names)
    {
        var result = new List<NamespaceDump>(names.Count);
        using var sockets = GuestSockets.Open(names);
        for (int i = 0; i < names.Count; i++)
        {
            var sock = sockets[i];
            result.Add(new NamespaceDump(names[i], sock.DumpLinks(), sock.DumpAddresses(null), sock.DumpRoutes(RouteTable.Unspec, null), sock.DumpRules(null), [], []));
        }
        return result;
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
    private static Dictionary<string, string> ReadSysctls(List<string> paths)
    {
        var found = new Dictionary<string, string>(paths.Count, StringComparer.Ordinal);
        foreach (var path in paths)
        {
            try
            {
                found[path] = File.ReadAllText("/proc/sys/" + path).Trim();
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
}

/// <summary>The server's links at the start of a plan or apply, and the facts read from them.</summary>
public sealed record ServerSnapshot(IReadOnlyList<Link> Links, ServerFacts Facts)
{
    public Link? Find(string name) => Links.FirstOrDefault(l => l.Name == name);
}

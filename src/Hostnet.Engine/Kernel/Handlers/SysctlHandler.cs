using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// Values under <c>/proc/sys</c>: observed only where the intent wants them, from the link dump
/// when it carries the value, else as read from <c>/proc</c> into the snapshot. Written apart, in
/// one go per rank (the server's before its links, the links' own after them).
/// </summary>
internal sealed class SysctlHandler : KernelObjectHandler<SysctlObject>
{
    public override void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
        if (!view.IsServer) return;
        foreach (var s in scope.Intent.Objects.OfType<SysctlObject>())
        {
            if (FromLinkDump(s.Path, view.ByName) is { } value) into.Add(s with { Value = value });
            else if (scope.Snapshot.Sysctls.TryGetValue(s.Path, out var read)) into.Add(s with { Value = read });
        }
    }

    /// <summary>
    /// Whether the value must be read from <c>/proc</c>: the link dump does not carry it, and it is
    /// not the value of a link that is not there yet (missing: no /proc read and failure per link to learn it).
    /// </summary>
    public static bool NeedsRead(SysctlObject s, IReadOnlyDictionary<string, Link> links)
    {
        // A link's own settings come with the link dump (IFLA_AF_SPEC): one /proc read per value
        // made this the slowest part of a plan (30,000 file reads for 10,000 adapters).
        if (FromLinkDump(s.Path, links) is not null) return false;
        return !(s.PerLink && s.Path.Split('/') is [_, _, _, var dev, _] && !links.ContainsKey(dev));
    }

    public override bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context)
    {
        var writes = steps.Select(s => (SysctlObject)s.Object).ToList();
        if (writes.Count == 0) return false;
        context.Faults.Step(writes.Count);
        Sysctl.WriteMany(context.ServerNs, writes.Select(w => (w.Path, w.Value)));
        return false;
    }

    protected override string? DevOf(SysctlObject o) => o.PerLink ? o.Path.Split('/')[3] : null;

    /// <summary>A server value of an interface that is missing waits for it.</summary>
    protected override KernelObject? Reachable(SysctlObject o, Reachability reach) =>
        !o.PerLink && SysctlDev(o.Path) is { } dev && !reach.Has(dev) ? null : o;

    private static string? SysctlDev(string path)
    {
        var parts = path.Split('/');
        return parts.Length == 5 && parts[3] is not ("all" or "default") ? parts[3] : null;
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
        // "net/ipv4/conf/DEV/NAME", read in place: a plan asks this of every per-link value (30,000 at
        // 10,000 adapters), twice, and a Split each time was a sixth of what an observation allocated.
        var p = path.AsSpan();
        if (!p.StartsWith("net/")) return null;
        p = p[4..];
        var f = p.IndexOf('/');
        if (f <= 0 || !p[(f + 1)..].StartsWith("conf/")) return null;
        var family = p[..f];
        p = p[(f + 6)..];
        var slash = p.IndexOf('/');
        if (slash <= 0 || p[(slash + 1)..].Contains('/')) return null;
        var name = p[(slash + 1)..];
        if (!links.TryGetValue(p[..slash].ToString(), out var link)) return null;
        int? value = family switch
        {
            "ipv4" => name switch
            {
                "forwarding" => At(link.Ipv4Conf, IPV4_DEVCONF_FORWARDING - 1),
                "proxy_arp" => At(link.Ipv4Conf, IPV4_DEVCONF_PROXY_ARP - 1),
                "send_redirects" => At(link.Ipv4Conf, IPV4_DEVCONF_SEND_REDIRECTS - 1),
                "rp_filter" => At(link.Ipv4Conf, IPV4_DEVCONF_RP_FILTER - 1),
                _ => null,
            },
            "ipv6" => name is "accept_ra" ? At(link.Ipv6Conf, DEVCONF_ACCEPT_RA) : null,
            _ => null,
        };
        return value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

        static int? At(IReadOnlyList<int>? conf, int i) => conf is not null && i < conf.Count ? conf[i] : null;
    }
}

using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd.ServerShapes;

/// <summary>
/// A server set up the way hosters set them up, in a lab with a router on the LAN
/// (192.168.200.254, .253, 2001:db8:200::254, fe80::1) that holds the addresses
/// "beyond the LAN" (198.51.100.1, 203.0.113.1, 192.0.2.1, 2001:db8:ff::1).
/// </summary>
public abstract class ServerShape
{
    public const string BridgedVmIp = "192.168.200.203";

    /// <summary>The shape's name in messages.</summary>
    public abstract string Name { get; }

    /// <summary>Gives the server's eth0 its addresses and routes (the lab made it without any).</summary>
    protected abstract void ConfigureServer(string ns);

    /// <summary>What the server must reach beyond its LAN, over IPv4 and IPv6.</summary>
    public abstract IReadOnlyList<string> Beyond { get; }

    public Lab Build()
    {
        var lab = Lab.Create(serverAddress: false);
        try
        {
            var rtr = lab.Guest("rtr");
            Sh.Ip("netns", "add", rtr);
            lab.Plug(rtr, "rtr-port");
            foreach (var a in new[] { "192.168.200.254/24", "192.168.200.253/24" }) Sh.Ip("-n", rtr, "addr", "add", a, "dev", "eth0");
            foreach (var a in new[] { "2001:db8:200::254/64", "fe80::1/64" }) Sh.Ip("-n", rtr, "addr", "add", a, "dev", "eth0", "nodad");
            // Beyond the LAN: the router's own addresses, on its loopback.
            foreach (var a in new[] { "198.51.100.1/32", "203.0.113.1/32", "192.0.2.1/32", "192.0.2.129/32" }) Sh.Ip("-n", rtr, "addr", "add", a, "dev", "lo");
            Sh.Ip("-n", rtr, "addr", "add", "2001:db8:ff::1/128", "dev", "lo");
            ConfigureServer(lab.ServerNs);

            HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
            HostnetCli.Ok(lab, "vm", "add", "b", "--uuid", "0000000b-0000-4000-8000-00000000000b", "--guest", "netns:" + lab.Guest("b"));
            HostnetCli.Ok(lab, "adapter", "add", "b", "--network", "Bridged", "--ip", BridgedVmIp + "/24", "--gateway", "192.168.200.254");
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The server reaches everything beyond its LAN with cold neighbour caches (a stale entry
    /// on a port of the bridge must not hide a broken route), and plan says in sync.
    /// </summary>
    public void AssertServerReachable(Lab lab, string when)
    {
        AssertReachesBeyondLan(lab, when);
        var plan = HostnetCli.OnLab(lab, "plan", "--exit-code");
        Assert.True(plan.ExitCode == 0, $"{Name}, {when}: plan is not in sync:\n{plan.Stdout}{plan.Stderr}");
        AssertPolicyRouted(lab, Master(lab.ServerNs, "eth0") == "br1" ? "br1" : "eth0", when);
    }

    /// <summary>What the shape's policy rules route still goes where they say, now that the server's network is on <paramref name="dev"/>.</summary>
    protected virtual void AssertPolicyRouted(Lab lab, string dev, string when)
    {
    }

    /// <summary>The server's policy rules, both families, as <c>ip rule</c> shows them.</summary>
    public static string Rules(string ns) =>
        Sh.Ip("-n", ns, "-4", "rule", "show") + Sh.Ip("-n", ns, "-6", "rule", "show");

    /// <summary>The server reaches everything beyond its LAN with cold neighbour caches.</summary>
    public void AssertReachesBeyondLan(Lab lab, string when)
    {
        foreach (var family in new[] { "-4", "-6" })
        {
            Sh.Ip("-n", lab.ServerNs, family, "neigh", "flush", "all");
            Sh.Ip("-n", lab.Guest("rtr"), family, "neigh", "flush", "all");
        }
        foreach (var target in Beyond)
        {
            Assert.True(Lab.Ping(lab.ServerNs, target) is not null,
                $"{Name}, {when}: the server no longer reaches {target}.\n{Snapshot(lab.ServerNs)}");
        }
    }

    /// <summary>The server's addresses and routes (every table, both families) for a failure message.</summary>
    public static string Snapshot(string ns) =>
        Sh.Run("ip", ["-n", ns, "-br", "addr"]).Stdout
        + Sh.Run("ip", ["-n", ns, "-d", "link", "show", "eth0"]).Stdout
        + Sh.Run("ip", ["-n", ns, "-4", "route", "show", "table", "all"]).Stdout
        + Sh.Run("ip", ["-n", ns, "-6", "route", "show", "table", "all"]).Stdout
        + Sh.Run("ip", ["-n", ns, "nexthop", "show"]).Stdout
        + Sh.Run("ip", ["-n", ns, "-4", "rule", "show"]).Stdout
        + Sh.Run("ip", ["-n", ns, "-6", "rule", "show"]).Stdout;

    /// <summary>
    /// The server's own routes as <c>ip -j -d</c> shows them, with the interface left out,
    /// sorted: what must be the same, attribute for attribute, wherever the uplink is.
    /// The kernel's own routes and the local table are left out (they follow the addresses).
    /// </summary>
    public static IReadOnlyList<string> OwnRoutes(string ns)
    {
        var result = new List<string>();
        foreach (var family in new[] { "-4", "-6" })
        {
            using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "-d", family, "route", "show", "table", "all"));
            foreach (var r in doc.RootElement.EnumerateArray())
            {
                if (r.TryGetProperty("protocol", out var p) && p.GetString() is "kernel" or "77" or "hostnet") continue;
                if (r.TryGetProperty("table", out var t) && t.GetString() == "local") continue;
                if (r.TryGetProperty("type", out var type) && type.GetString() is "multicast" or "local" or "broadcast") continue;
                var fields = r.EnumerateObject()
                    .Where(f => f.Name is not ("dev" or "expires" or "flags"))
                    .Select(f => f.Name + "=" + Normalize(f.Value));
                result.Add(string.Join(' ', fields));
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>A JSON value with every <c>dev</c> and <c>flags</c> left out, at any depth (nexthops, nexthop objects).</summary>
    private static string Normalize(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(',', value.EnumerateArray().Select(Normalize)) + "]",
        JsonValueKind.Object => "{" + string.Join(' ', value.EnumerateObject().Where(f => f.Name is not ("dev" or "flags")).Select(f => f.Name + "=" + Normalize(f.Value))) + "}",
        _ => value.ToString(),
    };

    /// <summary>The server's own addresses on an interface, both families, link-local ones left out.</summary>
    public static IReadOnlyList<string> Addresses(string ns, string dev)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "addr", "show", "dev", dev));
        return doc.RootElement.EnumerateArray()
            .SelectMany(l => l.TryGetProperty("addr_info", out var info) ? info.EnumerateArray().ToArray() : [])
            .Where(a => a.GetProperty("scope").GetString() != "link")
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")
            .Order(StringComparer.Ordinal).ToList();
    }

    public static string Master(string ns, string dev)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "link", "show", "dev", dev));
        return doc.RootElement[0].TryGetProperty("master", out var m) ? m.GetString()! : "";
    }
}

/// <summary>A /24 and a /64 on eth0, with default routes of both families via the LAN's router.</summary>
public sealed class DualStackShape : ServerShape
{
    public override string Name => "dual-stack /24 + /64";

    public override IReadOnlyList<string> Beyond => ["198.51.100.1", "2001:db8:ff::1"];

    protected override void ConfigureServer(string ns)
    {
        Sh.Ip("-n", ns, "addr", "add", "192.168.200.1/24", "dev", "eth0");
        Sh.Ip("-n", ns, "addr", "add", "2001:db8:200::1/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", ns, "route", "add", "default", "via", "192.168.200.254", "dev", "eth0");
        Sh.Ip("-n", ns, "-6", "route", "add", "default", "via", "2001:db8:200::254", "dev", "eth0");
    }
}

/// <summary>
/// A hoster's server: a /32 with the gateway on-link (<c>192.168.200.254 dev eth0 scope link</c>,
/// <c>default via 192.168.200.254 dev eth0 onlink</c>), IPv6 with a link-local gateway and metric.
/// </summary>
public sealed class HosterShape : ServerShape
{
    public override string Name => "hoster /32 with an on-link gateway";

    public override IReadOnlyList<string> Beyond => ["198.51.100.1", "2001:db8:ff::1"];

    protected override void ConfigureServer(string ns)
    {
        Sh.Ip("-n", ns, "addr", "add", "192.168.200.1/32", "dev", "eth0");
        Sh.Ip("-n", ns, "route", "add", "192.168.200.254", "dev", "eth0", "scope", "link");
        Sh.Ip("-n", ns, "route", "add", "default", "via", "192.168.200.254", "dev", "eth0", "onlink", "src", "192.168.200.1");
        Sh.Ip("-n", ns, "addr", "add", "2001:db8:200::1/128", "dev", "eth0", "nodad");
        Sh.Ip("-n", ns, "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0", "metric", "100", "pref", "high");
    }
}

/// <summary>
/// Policy routes: no IPv4 default in main; 198.51.100.0/24 through table 100 (a rule), 203.0.113.0/24
/// multipath over two routers, 192.0.2.0/25 through a nexthop object and 192.0.2.128/25 through a
/// group of two; IPv6 default in main.
/// </summary>
public sealed class PolicyShape : ServerShape
{
    public override string Name => "table 100, multipath and a nexthop object";

    public override IReadOnlyList<string> Beyond => ["198.51.100.1", "203.0.113.1", "192.0.2.1", "192.0.2.129", "2001:db8:ff::1"];

    protected override void ConfigureServer(string ns)
    {
        Sh.Ip("-n", ns, "addr", "add", "192.168.200.1/24", "dev", "eth0");
        Sh.Ip("-n", ns, "addr", "add", "2001:db8:200::1/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", ns, "route", "add", "198.51.100.0/24", "via", "192.168.200.254", "dev", "eth0", "table", "100", "metric", "7");
        Sh.Ip("-n", ns, "rule", "add", "to", "198.51.100.0/24", "lookup", "100", "pref", "100");
        Sh.Ip("-n", ns, "route", "add", "203.0.113.0/24", "nexthop", "via", "192.168.200.254", "dev", "eth0", "weight", "1",
            "nexthop", "via", "192.168.200.253", "dev", "eth0", "weight", "2");
        Sh.Ip("-n", ns, "nexthop", "add", "id", "10", "via", "192.168.200.254", "dev", "eth0");
        Sh.Ip("-n", ns, "route", "add", "192.0.2.0/25", "nhid", "10");
        Sh.Ip("-n", ns, "nexthop", "add", "id", "11", "via", "192.168.200.253", "dev", "eth0");
        Sh.Ip("-n", ns, "nexthop", "add", "id", "12", "group", "10/11");
        Sh.Ip("-n", ns, "route", "add", "192.0.2.128/25", "nhid", "12");
        Sh.Ip("-n", ns, "-6", "route", "add", "default", "via", "2001:db8:200::254", "dev", "eth0");
    }
}

/// <summary>
/// Policy rules that name the uplink, both families, as a hoster with a second uplink table sets them up:
/// what arrives on eth0 looks up table 100, what leaves by eth0 (a socket bound to it) table 200; the tables
/// go through the LAN's other router (192.168.200.253, fe80::1) where main goes through 192.168.200.254 and
/// 2001:db8:200::254. 203.0.113.0/24 is unreachable in main: only a packet the oif rule sends to table 200 gets
/// there. The server forwards IPv4 (what arrives for somewhere else is routed, by the iif rule).
/// </summary>
public sealed class RuledShape : ServerShape
{
    public override string Name => "rules naming eth0 (iif, oif) with their tables";

    public override IReadOnlyList<string> Beyond => ["198.51.100.1", "2001:db8:ff::1"];

    protected override void ConfigureServer(string ns)
    {
        Sh.InNetns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1").EnsureSuccess("sysctl net.ipv4.ip_forward=1");
        Sh.Ip("-n", ns, "addr", "add", "192.168.200.1/24", "dev", "eth0");
        Sh.Ip("-n", ns, "addr", "add", "2001:db8:200::1/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", ns, "route", "add", "default", "via", "192.168.200.254", "dev", "eth0");
        Sh.Ip("-n", ns, "-6", "route", "add", "default", "via", "2001:db8:200::254", "dev", "eth0");
        Sh.Ip("-n", ns, "route", "add", "unreachable", "203.0.113.0/24");
        Sh.Ip("-n", ns, "route", "add", "192.0.2.0/24", "via", "192.168.200.253", "dev", "eth0", "table", "100");
        Sh.Ip("-n", ns, "route", "add", "203.0.113.0/24", "via", "192.168.200.253", "dev", "eth0", "table", "200");
        Sh.Ip("-n", ns, "-6", "route", "add", "2001:db8:ff::/64", "via", "fe80::1", "dev", "eth0", "table", "100");
        Sh.Ip("-n", ns, "-6", "route", "add", "2001:db8:ff::/64", "via", "fe80::1", "dev", "eth0", "table", "200", "metric", "5");
        Sh.Ip("-n", ns, "rule", "add", "iif", "eth0", "to", "192.0.2.0/24", "lookup", "100", "pref", "1000");
        Sh.Ip("-n", ns, "rule", "add", "oif", "eth0", "lookup", "200", "pref", "1001");
        Sh.Ip("-n", ns, "-6", "rule", "add", "iif", "eth0", "lookup", "100", "pref", "1000");
        Sh.Ip("-n", ns, "-6", "rule", "add", "oif", "eth0", "lookup", "200", "pref", "1001");
    }

    /// <summary>
    /// <c>ip rule</c> names <paramref name="dev"/> and only it; a packet arriving on it for 192.0.2.1 or
    /// 2001:db8:ff::1 is routed by table 100, one bound to it by table 200; a ping bound to it reaches 203.0.113.1
    /// (table 200's alone) and 2001:db8:ff::1.
    /// </summary>
    protected override void AssertPolicyRouted(Lab lab, string dev, string when)
    {
        var ns = lab.ServerNs;
        var other = dev == "br1" ? "eth0" : "br1";
        var rules = Rules(ns);
        Assert.True(rules.Contains($"iif {dev} ", StringComparison.Ordinal) && rules.Contains($"oif {dev} ", StringComparison.Ordinal)
            && !rules.Contains(other, StringComparison.Ordinal), $"{Name}, {when}: the rules do not name {dev} alone:\n{rules}");
        string[][] lookups =
        [
            ["-4", "route", "get", "192.0.2.1", "from", "192.168.200.254", "iif", dev],
            ["-6", "route", "get", "2001:db8:ff::1", "from", "2001:db8:200::254", "iif", dev],
        ];
        foreach (var l in lookups) AssertTable(ns, l, "table 100", when);
        AssertTable(ns, ["-4", "route", "get", "203.0.113.1", "oif", dev], "table 200", when);
        AssertTable(ns, ["-6", "route", "get", "2001:db8:ff::1", "oif", dev], "table 200", when);
        foreach (var target in new[] { "203.0.113.1", "2001:db8:ff::1" })
        {
            var reached = Enumerable.Range(0, 3).Any(_ => Sh.InNetns(ns, "ping", "-c", "1", "-W", "2", "-I", dev, target).ExitCode == 0);
            Assert.True(reached, $"{Name}, {when}: a ping bound to {dev} no longer reaches {target}.\n{Snapshot(ns)}");
        }
    }

    private void AssertTable(string ns, string[] lookup, string table, string when)
    {
        var r = Sh.Run("ip", ["-n", ns, .. lookup]);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains(table, StringComparison.Ordinal),
            $"{Name}, {when}: ip {string.Join(' ', lookup)} does not go by {table}: {r.Stdout}{r.Stderr}\n{Snapshot(ns)}");
    }
}

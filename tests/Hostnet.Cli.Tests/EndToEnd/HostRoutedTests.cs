using System.Text.Json;
using System.Text.RegularExpressions;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// The seed's second figure on a real kernel, built through the CLI with
/// <c>--netns</c> and checked with independent observers (ip, ping, arp -n)
/// inside the lab's namespaces.
/// </summary>
public partial class HostRoutedTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";

    private static void DefineSeedVms(Lab lab)
    {
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip);
        HostnetCli.Ok(lab, "vm", "add", "vm2", "--uuid", "4980d06a-5c2e-4d1a-9f3b-000000000002", "--guest", "netns:" + lab.Guest("vm2"));
        HostnetCli.Ok(lab, "adapter", "add", "vm2", "--network", "Routed", "--ip", Vm2Ip);
    }

    private static int PlanExitCode(Lab lab) => HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static string[] ArpRows(string ns) =>
        Sh.InNetns(ns, "arp", "-n").EnsureSuccess("arp -n").Stdout.Split('\n').Select(l => Spaces().Replace(l.Trim(), " ")).ToArray();

    private static string[] HostnetLinks(Lab lab) =>
        Sh.Ip("-n", lab.ServerNs, "-o", "link", "show").Split('\n')
            .Select(l => l.Split(": ").ElementAtOrDefault(1)?.Split('@')[0] ?? "")
            .Where(n => n.StartsWith("vme", StringComparison.Ordinal)).ToArray();

    private static string HostnetRoutes(Lab lab) => Sh.Ip("-n", lab.ServerNs, "route", "show", "proto", "77");

    private static string ProxyEntries(Lab lab) => Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy");

    [PrivilegedFact]
    public void The_lan_reaches_routed_vms_through_the_servers_mac_as_the_seed_describes()
    {
        using var lab = Lab.Create();
        DefineSeedVms(lab);
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");

        HostnetCli.Ok(lab, "vm", "start", "vm1");
        var first = Lab.Ping(lab.ComputerXNs, Vm1Ip, attempts: 1);
        HostnetCli.Ok(lab, "vm", "start", "vm2");

        // The first ping to a just-started VM is answered without the kernel's proxy delay (0–800 ms by default).
        Assert.NotNull(first);
        Assert.True(first < 300, $"first ping took {first} ms");
        Assert.Equal("0", Sh.InNetns(lab.ServerNs, "cat", "/proc/sys/net/ipv4/neigh/eth0/proxy_delay").Stdout.Trim());

        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm1Ip));
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm2Ip));

        // net-tools prints a published entry's HWaddress as <from_interface>; the seed shows it as *.
        var arp = ArpRows(lab.ServerNs);
        Assert.Contains($"{Vm1Ip} * <from_interface> MP eth0", arp);
        Assert.Contains($"{Vm2Ip} * <from_interface> MP eth0", arp);

        // VM #1 reaches VM #2 and computer X through the server.
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), Vm2Ip));
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), Lab.ComputerXAddress));
        foreach (var vm in new[] { "vm1", "vm2" })
        {
            using var routes = JsonDocument.Parse(Sh.Ip("-n", lab.Guest(vm), "-j", "route", "show", "default"));
            var gateways = routes.RootElement.EnumerateArray().Select(r => r.GetProperty("gateway").GetString()).ToList();
            Assert.Equal(["169.255.30.1"], gateways);
        }

        // Hostnet's own view says the same as arp -n.
        var hostnetArp = HostnetCli.Ok(lab, "arp").Split('\n').Select(l => Spaces().Replace(l.Trim(), " ")).ToArray();
        Assert.Contains($"{Vm1Ip} * * MP eth0", hostnetArp);
        Assert.Contains(HostnetCli.Ok(lab, "route").Split('\n'), l => l.StartsWith(Vm1Ip + " dev vme7b9a73a1.0", StringComparison.Ordinal));
        using (var arpJson = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "arp")))
        {
            Assert.Contains(arpJson.RootElement.EnumerateArray(), r =>
                r.GetProperty("address").GetString() == Vm1Ip && r.GetProperty("flags").GetString() == "MP" && r.GetProperty("iface").GetString() == "eth0");
        }
        using (var routeJson = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "route")))
        {
            Assert.Contains(routeJson.RootElement.EnumerateArray(), r =>
                r.GetProperty("dst").GetString() == Vm2Ip && r.GetProperty("dev").GetString() == "vme4980d06a.0"
                && r.GetProperty("vm").GetString() == "vm2" && r.GetProperty("adapter").GetString() == "net0");
        }

        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void Drift_is_seen_by_plan_and_mended_by_apply()
    {
        using var lab = Lab.Create();
        DefineSeedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");
        Assert.Equal(0, PlanExitCode(lab));

        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32");
        Assert.Equal(3, PlanExitCode(lab));
        Assert.Contains("+ route 192.168.200.201/32 dev vme7b9a73a1.0", HostnetCli.OnLab(lab, "plan").Stdout, StringComparison.Ordinal);
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));

        Sh.Ip("-n", lab.ServerNs, "neigh", "del", "proxy", Vm2Ip, "dev", "eth0");
        Assert.Equal(3, PlanExitCode(lab));
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));
        Sh.Ip("-n", lab.ComputerXNs, "neigh", "flush", "all");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }

    [PrivilegedFact]
    public void An_IPv6_proxy_entry_deleted_or_moved_to_another_interface_is_seen_by_plan_and_put_back_by_apply()
    {
        const string vm1Ip6 = "2001:db8:200::201";
        using var lab = Lab.Create();
        lab.AddIpv6();
        // Another interface of the server, where someone moves the entry.
        Sh.Ip("-n", lab.ServerNs, "link", "add", "other0", "type", "veth", "peer", "name", "other1");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "other0", "up");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", vm1Ip6);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        Assert.Equal(0, PlanExitCode(lab));
        Assert.Equal($"{vm1Ip6} dev eth0 proxy", ProxyEntries6(lab));

        // Deleted: computer X's neighbour solicitation goes unanswered until apply puts the entry back.
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "del", "proxy", vm1Ip6, "dev", "eth0");
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.Null(Lab.Ping(lab.ComputerXNs, vm1Ip6, waitSeconds: 1, attempts: 1));
        Assert.Equal(3, PlanExitCode(lab));
        Assert.Contains($"+ proxy {vm1Ip6} dev eth0", HostnetCli.OnLab(lab, "plan").Stdout, StringComparison.Ordinal);
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));
        Assert.Equal($"{vm1Ip6} dev eth0 proxy", ProxyEntries6(lab));
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, vm1Ip6));

        // Moved to other0: the LAN loses the VM as well; apply puts the entry back on the uplink. The entry on
        // other0 is not Hostnet's (it never made it), so it is left as it is.
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "del", "proxy", vm1Ip6, "dev", "eth0");
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "add", "proxy", vm1Ip6, "dev", "other0");
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.Null(Lab.Ping(lab.ComputerXNs, vm1Ip6, waitSeconds: 1, attempts: 1));
        Assert.Equal(3, PlanExitCode(lab));
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));
        Assert.Equal($"{vm1Ip6} dev eth0 proxy\n{vm1Ip6} dev other0 proxy", string.Join('\n', ProxyEntries6(lab).Split('\n').Order(StringComparer.Ordinal)));
        Sh.Ip("-n", lab.ComputerXNs, "-6", "neigh", "flush", "all");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, vm1Ip6));
    }

    /// <summary>The server's IPv6 proxy entries as <c>ip -6 neigh show proxy</c> prints them, one a line, trimmed.</summary>
    private static string ProxyEntries6(Lab lab) =>
        string.Join('\n', Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [PrivilegedFact]
    public void An_address_that_answers_on_the_lan_is_refused_at_start_and_nothing_is_made()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "thief", "--guest", "netns:" + lab.Guest("thief"));
        HostnetCli.Ok(lab, "adapter", "add", "thief", "--network", "Routed", "--ip", "192.168.200.10");

        var r = HostnetCli.OnLab(lab, "vm", "start", "thief");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("hostnet: error: 192.168.200.10 already answers on the LAN", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(HostnetLinks(lab));
        Assert.Equal("", ProxyEntries(lab).Trim());
        Assert.DoesNotContain("\"running\": true", HostnetCli.Ok(lab, "--json", "vm", "show", "thief").Replace("\"running\":true", "\"running\": true", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void Stop_and_rm_leave_no_trace_on_the_server_and_other_vms_keep_working()
    {
        using var lab = Lab.Create();
        DefineSeedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");

        HostnetCli.Ok(lab, "vm", "stop", "vm1");

        Assert.Equal(["vme4980d06a.0"], HostnetLinks(lab));
        Assert.DoesNotContain(Vm1Ip, HostnetRoutes(lab), StringComparison.Ordinal);
        Assert.DoesNotContain(Vm1Ip, ProxyEntries(lab), StringComparison.Ordinal);
        Assert.Null(Lab.Ping(lab.ComputerXNs, Vm1Ip, waitSeconds: 1, attempts: 1));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.Equal(0, PlanExitCode(lab));

        HostnetCli.Ok(lab, "vm", "rm", "vm1");
        HostnetCli.Ok(lab, "vm", "rm", "vm2");

        Assert.Empty(HostnetLinks(lab));
        Assert.Equal("", HostnetRoutes(lab).Trim());
        Assert.Equal("", ProxyEntries(lab).Trim());
        Assert.DoesNotContain(lab.Guest("vm1"), lab.Leftovers());
        Assert.DoesNotContain(lab.Guest("vm2"), lab.Leftovers());
    }

    [PrivilegedFact]
    public void An_uplink_that_comes_later_is_converged_by_the_next_apply()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Later", "--mode", "host-routed", "--uplink", "eth7");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Later", "--ip", Vm1Ip);

        var start = HostnetCli.OnLab(lab, "vm", "start", "vm1");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("interface eth7 does not exist", start.Stderr, StringComparison.Ordinal);

        Sh.Ip("-n", lab.ServerNs, "link", "add", "eth7", "type", "veth", "peer", "name", "eth7-peer");
        Sh.Ip("-n", lab.ServerNs, "link", "set", "eth7", "up");
        Assert.Equal(3, PlanExitCode(lab));
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));
        Assert.Contains(Vm1Ip + " dev eth7", ProxyEntries(lab), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void An_apply_killed_after_any_number_of_operations_is_completed_by_the_next_one()
    {
        using var lab = Lab.Create();
        DefineSeedVms(lab);
        foreach (var n in new[] { 1, 2, 3, 5, 8, 11 })
        {
            var killed = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "vm", "start", "vm1"],
                new Dictionary<string, string> { ["HOSTNET_KILL_AFTER_OPS"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.Equal(137, killed.ExitCode); // 128 + SIGKILL: it died mid-apply

            HostnetCli.Ok(lab, "apply");
            Assert.Equal(0, PlanExitCode(lab));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));

            HostnetCli.Ok(lab, "vm", "stop", "vm1");
            Assert.Empty(HostnetLinks(lab));
            Assert.Equal("", HostnetRoutes(lab).Trim());
            Assert.Equal("", ProxyEntries(lab).Trim());
        }
    }

    [PrivilegedFact]
    public void Adapters_added_and_removed_on_a_running_vm_take_effect_at_once()
    {
        using var lab = Lab.Create();
        DefineSeedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm2");

        HostnetCli.Ok(lab, "adapter", "add", "vm2", "--network", "Routed", "--ip", "192.168.200.204");

        // A second adapter: its own vme, route, permanent neighbour and published entry, and eth1 in the guest
        // with a table of its own, so that its replies leave by eth1 (rp_filter on vme…0 would drop them).
        Assert.Contains("vme4980d06a.1", HostnetLinks(lab));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.204"));
        Assert.Contains("from 192.168.200.204 lookup 1001", Sh.Ip("-n", lab.Guest("vm2"), "rule", "show"), StringComparison.Ordinal);
        Assert.Contains("default via 169.255.30.1 dev eth1", Sh.Ip("-n", lab.Guest("vm2"), "route", "show", "table", "1001"), StringComparison.Ordinal);
        Assert.Contains("192.168.200.204 dev vme4980d06a.1", HostnetRoutes(lab), StringComparison.Ordinal);
        Assert.Contains("192.168.200.204 dev eth0 proxy", ProxyEntries(lab), StringComparison.Ordinal);
        Assert.Contains("192.168.200.204/32", Sh.Ip("-n", lab.Guest("vm2"), "addr", "show", "dev", "eth1"), StringComparison.Ordinal);
        Assert.Equal(0, PlanExitCode(lab));

        // A second address on the running first adapter is reachable at once.
        HostnetCli.Ok(lab, "adapter", "set", "vm2", "net0", "--ip", Vm2Ip, "--ip", "192.168.200.205");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.205"));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.Equal(0, PlanExitCode(lab));

        HostnetCli.Ok(lab, "adapter", "rm", "vm2", "net1");

        Assert.Equal(["vme4980d06a.0"], HostnetLinks(lab));
        Assert.DoesNotContain("192.168.200.204", ProxyEntries(lab), StringComparison.Ordinal);
        Assert.DoesNotContain("192.168.200.204", HostnetRoutes(lab), StringComparison.Ordinal);
        Assert.DoesNotContain("192.168.200.204", Sh.Ip("-n", lab.Guest("vm2"), "rule", "show"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void Apply_publishes_every_address_but_one_that_answers_on_the_lan()
    {
        using var lab = Lab.Create();
        var json = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0"}],
             "vms":[{"name":"vm1","guest":"netns:{{lab.Guest("vm1")}}","running":true,"adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"]}]},
                    {"name":"thief","guest":"netns:{{lab.Guest("thief")}}","running":true,"adapters":[{"network":"Routed","ips":["{{Lab.ComputerXAddress}}"]}]}]}
            """;
        var import = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "import", "-"], stdin: json);
        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Empty(HostnetLinks(lab)); // import takes the state only

        var apply = HostnetCli.OnLab(lab, "apply");

        Assert.Equal(1, apply.ExitCode);
        Assert.StartsWith("hostnet: error: 192.168.200.10 already answers on the LAN from " + Lab.Mac(lab.ComputerXNs, "eth0"), apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("not routed nor published", apply.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Lab.ComputerXAddress, HostnetRoutes(lab), StringComparison.Ordinal);
        Assert.Contains($"{Vm1Ip} dev eth0 proxy", ProxyEntries(lab), StringComparison.Ordinal);
        Assert.DoesNotContain(Lab.ComputerXAddress, ProxyEntries(lab), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.Equal(3, PlanExitCode(lab)); // the refused entry is still wanted: the next apply probes again
    }
}

using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// The seed's first figure, and both modes on one server and one LAN (a mixed
/// server), built through the CLI and checked with ip, ping and arp inside the lab.
/// </summary>
public class BridgedTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm3Ip = "192.168.200.203";
    private const string Vm3Mac = "02:00:00:00:00:03";

    /// <summary>A lab whose server also routes through computer X by default, to see the default route move.</summary>
    private static Lab MixedLab()
    {
        var lab = Lab.Create();
        Sh.Ip("-n", lab.ServerNs, "route", "add", "default", "via", Lab.ComputerXAddress, "dev", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm3", "--uuid", "00000003-0000-4000-8000-000000000003", "--guest", "netns:" + lab.Guest("vm3"));
        HostnetCli.Ok(lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", Vm3Ip + "/24", "--gateway", Lab.ServerAddress, "--mac", Vm3Mac);
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip);
        return lab;
    }

    private static int PlanExitCode(Lab lab) => HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode;

    private static JsonElement LinkJson(string ns, string dev)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "-d", "link", "show", "dev", dev));
        return doc.RootElement[0].Clone();
    }

    private static string Master(string ns, string dev) =>
        LinkJson(ns, dev).TryGetProperty("master", out var m) ? m.GetString()! : "";

    private static string[] Addresses(string ns, string dev)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "-4", "addr", "show", "dev", dev));
        return doc.RootElement.EnumerateArray()
            .SelectMany(l => l.TryGetProperty("addr_info", out var info) ? info.EnumerateArray().ToArray() : [])
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToArray();
    }

    private static string DefaultRoute(string ns) => Sh.Ip("-n", ns, "route", "show", "default").Trim();

    private const string ObserverIp = "192.168.200.11";
    private const string ThiefMac = "02:00:00:00:00:0a";

    /// <summary>
    /// A second computer on the LAN that has talked to computer X, and a server that has too: both hold
    /// X's MAC for its address, which a gratuitous ARP from anyone else claiming it would overwrite.
    /// </summary>
    private static string Observer(Lab lab)
    {
        var observer = lab.Guest("obs");
        Sh.Ip("netns", "add", observer);
        lab.Plug(observer, "obs-port");
        Sh.Ip("-n", observer, "addr", "add", ObserverIp + "/24", "dev", "eth0");
        Assert.NotNull(Lab.Ping(observer, Lab.ComputerXAddress));
        Assert.NotNull(Lab.Ping(lab.ServerNs, Lab.ComputerXAddress));
        return observer;
    }

    private static bool Running(Lab lab, string vm)
    {
        using var doc = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "vm", "show", vm));
        return doc.RootElement.GetProperty("running").GetBoolean();
    }

    private static string[] ServerLinks(Lab lab) =>
        Sh.Ip("-n", lab.ServerNs, "-o", "link", "show").Split('\n')
            .Select(l => l.Split(": ").ElementAtOrDefault(1)?.Split('@')[0] ?? "")
            .Where(n => n.Length > 0).ToArray();

    [PrivilegedFact]
    public void A_bridged_vm_answers_for_itself_and_a_routed_vm_shares_the_server()
    {
        using var lab = MixedLab();
        var eth0Mac = Lab.Mac(lab.ServerNs, "eth0");

        HostnetCli.Ok(lab, "vm", "start", "vm3");

        // br1 holds eth0 and the vme, wears eth0's MAC, and carries the server's own address and default route.
        Assert.Equal("br1", Master(lab.ServerNs, "eth0"));
        Assert.Equal("br1", Master(lab.ServerNs, "vme00000003.0"));
        Assert.Equal(eth0Mac, Lab.Mac(lab.ServerNs, "br1"));
        Assert.StartsWith("fe:", Lab.Mac(lab.ServerNs, "vme00000003.0"), StringComparison.Ordinal);
        Assert.Equal(["192.168.200.1/24"], Addresses(lab.ServerNs, "br1"));
        Assert.Empty(Addresses(lab.ServerNs, "eth0"));
        Assert.Equal("default via 192.168.200.10 dev br1", DefaultRoute(lab.ServerNs));
        Assert.NotNull(Lab.Ping(lab.ServerNs, Lab.ComputerXAddress));

        // Seen on the LAN: the bridged VM answers ARP with its own MAC; it keeps its own ARP table.
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(Vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(Lab.Mac(lab.ComputerXNs, "eth0"), Lab.NeighborMac(lab.Guest("vm3"), Lab.ComputerXAddress));
        Assert.Equal("default via 192.168.200.1 dev eth0", DefaultRoute(lab.Guest("vm3")).Replace(" proto 77", "", StringComparison.Ordinal).Replace(" proto hostnet", "", StringComparison.Ordinal));
        Assert.Equal(0, PlanExitCode(lab));

        // The routed VM on the same server: published on br1, the L3 uplink; reachable from the LAN and from the bridged VM.
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        Assert.Contains($"{Vm1Ip} dev br1 proxy", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.Equal(eth0Mac, Lab.NeighborMac(lab.ComputerXNs, Vm1Ip));
        Assert.NotNull(Lab.Ping(lab.Guest("vm3"), Vm1Ip));
        Assert.Equal(0, PlanExitCode(lab));
    }

    /// <summary>
    /// This UUID's first adapter once got the generated MAC fe:1e:b7:92:67:7a, which is also the host side
    /// of its own vme: the bridge keeps it as the port's local address and frames for the guest stop there.
    /// </summary>
    [PrivilegedFact]
    public void A_bridged_guest_whose_generated_MAC_once_began_with_fe_is_reached_from_the_lan()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm97", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097", "--guest", "netns:" + lab.Guest("vm97"));
        HostnetCli.Ok(lab, "adapter", "add", "vm97", "--network", "Bridged", "--ip", Vm3Ip + "/24", "--gateway", Lab.ServerAddress);
        HostnetCli.Ok(lab, "vm", "start", "vm97");

        var guestMac = Lab.Mac(lab.Guest("vm97"), "eth0");
        Assert.True(Lab.Ping(lab.ComputerXNs, Vm3Ip) is not null, $"computer X gets no answer from the bridged guest ({guestMac}) at {Vm3Ip}");
        Assert.Equal(guestMac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        var hostMac = Lab.Mac(lab.ServerNs, "vme5e1ec7ed.0");
        Assert.StartsWith("fe:", hostMac, StringComparison.Ordinal);
        Assert.NotEqual(hostMac, guestMac);
        // The bridge's own (permanent, local) entries: none of them may be the guest's MAC, or frames for it stop there.
        var fdb = Sh.Run("bridge", ["-n", lab.ServerNs, "fdb", "show", "br", "br1"]).EnsureSuccess("bridge fdb show").Stdout.Split('\n');
        Assert.Contains(fdb, l => l.StartsWith(hostMac + " dev vme5e1ec7ed.0 ", StringComparison.Ordinal) && l.EndsWith(" permanent", StringComparison.Ordinal));
        Assert.DoesNotContain(fdb, l => l.StartsWith(guestMac + " ", StringComparison.Ordinal) && l.EndsWith(" permanent", StringComparison.Ordinal));
        Assert.Equal(0, PlanExitCode(lab));
    }

    /// <summary>
    /// A state an older release wrote, with the fe MAC it generated for this UUID: Hostnet leaves the guest's
    /// MAC as it is, but plan and apply name it and the command that fixes it; doing that makes the guest reachable.
    /// </summary>
    [PrivilegedFact]
    public void A_bridged_guest_an_older_release_gave_an_fe_MAC_is_named_by_plan_and_apply_and_reached_once_changed()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm97", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097", "--guest", "netns:" + lab.Guest("vm97"));
        HostnetCli.Ok(lab, "adapter", "add", "vm97", "--network", "Bridged", "--ip", Vm3Ip + "/24", "--gateway", Lab.ServerAddress);
        using (var store = Store.StateStore.Open(lab.StateDir))
        {
            store.Write(tx => tx.SaveAdapter("vm97", tx.Load().GetAdapter("vm97", 0) with { Mac = Addressing.MacAddress.Parse("fe:1e:b7:92:67:7a") }));
        }
        HostnetCli.Ok(lab, "vm", "start", "vm97");
        Assert.Equal("fe:1e:b7:92:67:7a", Lab.Mac(lab.Guest("vm97"), "eth0"));
        Assert.Null(Lab.Ping(lab.ComputerXNs, Vm3Ip, waitSeconds: 1, attempts: 1));

        var plan = HostnetCli.OnLab(lab, "plan", "--exit-code");
        Assert.Equal(0, plan.ExitCode);
        var warning = Assert.Single(plan.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        const string Start = "hostnet: warning: vm97 net0 has MAC fe:1e:b7:92:67:7a, which begins with fe like the server side of every VM adapter: its own vme5e1ec7ed.0 has that MAC too, so it is unreachable through a bridge; give it another with 'hostnet adapter set vm97 net0 --mac ";
        Assert.StartsWith(Start, warning, StringComparison.Ordinal);
        const string End = "' and restart the guest with it";
        Assert.EndsWith(End, warning, StringComparison.Ordinal);
        var fix = warning[Start.Length..^End.Length];
        Assert.Equal(":1e:b7:92:67:7a", fix[2..]);
        var apply = HostnetCli.OnLab(lab, "apply");
        Assert.Equal((0, warning + "\n"), (apply.ExitCode, apply.Stderr));

        // The guest takes its new MAC when it restarts (a QEMU guest with the new qemu-args; here its namespace end).
        HostnetCli.Ok(lab, "adapter", "set", "vm97", "net0", "--mac", fix);
        HostnetCli.Ok(lab, "vm", "stop", "vm97");
        HostnetCli.Ok(lab, "vm", "start", "vm97");
        Assert.Equal(fix, Lab.Mac(lab.Guest("vm97"), "eth0"));
        Assert.True(Lab.Ping(lab.ComputerXNs, Vm3Ip) is not null, $"computer X gets no answer from the bridged guest ({fix}) at {Vm3Ip}");
        Assert.Equal(fix, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        var after = HostnetCli.OnLab(lab, "plan", "--exit-code");
        Assert.Equal((0, ""), (after.ExitCode, after.Stderr));
    }

    [PrivilegedFact]
    public void Switching_a_running_adapter_between_modes_keeps_the_vm_reachable_and_the_lan_follows()
    {
        using var lab = MixedLab();
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");
        HostnetCli.Ok(lab, "vm", "start", "vm3");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(Vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));

        HostnetCli.Ok(lab, "adapter", "set", "vm3", "net0", "--network", "Routed", "--ip", Vm3Ip);

        // The gratuitous ARP has already told computer X: no ping needed to see the server's MAC.
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal("", Master(lab.ServerNs, "vme00000003.0"));
        Assert.Equal(["192.168.200.203/32"], Addresses(lab.Guest("vm3"), "eth0"));
        Assert.Equal(0, PlanExitCode(lab));

        HostnetCli.Ok(lab, "adapter", "set", "vm3", "net0", "--network", "Bridged", "--ip", Vm3Ip + "/24", "--gateway", Lab.ServerAddress);

        Assert.Equal(Vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal("br1", Master(lab.ServerNs, "vme00000003.0"));
        Assert.DoesNotContain(Vm3Ip, Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void Removing_the_bridged_network_gives_eth0_its_address_and_default_route_back()
    {
        using var lab = MixedLab();
        HostnetCli.Ok(lab, "vm", "start", "vm3");
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        Assert.Equal("br1", Master(lab.ServerNs, "eth0"));

        HostnetCli.Ok(lab, "vm", "rm", "vm3");
        Assert.Equal("br1", Master(lab.ServerNs, "eth0"));
        Assert.Equal(0, PlanExitCode(lab));
        HostnetCli.Ok(lab, "network", "rm", "Bridged");

        Assert.Equal("", Master(lab.ServerNs, "eth0"));
        Assert.Equal(["192.168.200.1/24"], Addresses(lab.ServerNs, "eth0"));
        Assert.Equal("default via 192.168.200.10 dev eth0", DefaultRoute(lab.ServerNs));
        Assert.Contains("does not exist", Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "br1"]).Stderr, StringComparison.Ordinal);
        // The routed VM's proxy entry followed the L3 uplink back to eth0.
        Assert.Contains($"{Vm1Ip} dev eth0 proxy", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.NotNull(Lab.Ping(lab.ServerNs, Lab.ComputerXAddress));
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void A_failure_half_way_through_enslaving_the_uplink_leaves_the_server_reachable()
    {
        foreach (var failAt in new[] { 2, 3, 4 })
        {
            using var lab = MixedLab();
            var r = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "vm", "start", "vm3"],
                new Dictionary<string, string> { ["HOSTNET_FAIL_UPLINK_STEP"] = failAt.ToString(System.Globalization.CultureInfo.InvariantCulture) });

            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("hostnet: error: moving the server's addresses from eth0 to br1 failed", r.Stderr, StringComparison.Ordinal);
            Assert.Equal("", Master(lab.ServerNs, "eth0"));
            Assert.Equal(["192.168.200.1/24"], Addresses(lab.ServerNs, "eth0"));
            Assert.Equal("default via 192.168.200.10 dev eth0", DefaultRoute(lab.ServerNs));
            Assert.NotNull(Lab.Ping(lab.ServerNs, Lab.ComputerXAddress));

            // plan says exactly what will move before anything does.
            Assert.Contains("+ uplink eth0 master br1 (moves 192.168.200.1/24, route default via 192.168.200.10 from eth0 to br1)",
                HostnetCli.OnLab(lab, "plan").Stdout.Split('\n'));

            // The next apply completes the move.
            HostnetCli.Ok(lab, "apply");
            Assert.Equal("br1", Master(lab.ServerNs, "eth0"));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
            Assert.Equal(0, PlanExitCode(lab));
        }
    }

    [PrivilegedFact]
    public void A_bridged_vm_started_after_a_routed_one_moves_the_published_entry_to_the_bridge()
    {
        using var lab = MixedLab();
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        Assert.Contains($"{Vm1Ip} dev eth0 proxy", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);

        HostnetCli.Ok(lab, "vm", "start", "vm3");

        Assert.Contains($"{Vm1Ip} dev br1 proxy", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.DoesNotContain($"{Vm1Ip} dev eth0 proxy", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm1Ip));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(Vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void A_bridged_vm_given_computer_xs_address_is_refused_at_start_and_nothing_claims_it()
    {
        using var lab = Lab.Create();
        var observer = Observer(lab);
        var xMac = Lab.Mac(lab.ComputerXNs, "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "thief", "--uuid", "0000000a-0000-4000-8000-00000000000a", "--guest", "netns:" + lab.Guest("thief"));
        HostnetCli.Ok(lab, "adapter", "add", "thief", "--network", "Bridged", "--ip", Lab.ComputerXAddress + "/24", "--gateway", Lab.ServerAddress, "--mac", ThiefMac);

        var r = HostnetCli.OnLab(lab, "vm", "start", "thief");

        // One line naming the address, the MAC that answers and the interface probed (br1 is not made yet: its uplink).
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(
            $"hostnet: error: {Lab.ComputerXAddress} already answers on the LAN from {xMac} (via eth0): choose another address, or free it on the LAN; --no-probe skips this check",
            r.Stderr.TrimEnd('\n'));
        Assert.False(Running(lab, "thief"));
        Assert.DoesNotContain(lab.Guest("thief"), lab.Leftovers());
        Assert.DoesNotContain(ServerLinks(lab), n => n.StartsWith("vme", StringComparison.Ordinal) || n == "br1");
        Assert.Equal("", Master(lab.ServerNs, "eth0"));
        // Nothing announced the address from another MAC: the server and a LAN computer still reach computer X.
        Assert.Equal(xMac, Lab.NeighborMac(lab.ServerNs, Lab.ComputerXAddress));
        Assert.Equal(xMac, Lab.NeighborMac(observer, Lab.ComputerXAddress));
        Assert.Equal(0, PlanExitCode(lab));

        // A free address starts, and the LAN reaches the VM at its own MAC.
        HostnetCli.Ok(lab, "adapter", "set", "thief", "net0", "--ip", "192.168.200.205/24");
        HostnetCli.Ok(lab, "vm", "start", "thief");
        Assert.Equal(["192.168.200.205/24"], Addresses(lab.Guest("thief"), "eth0"));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.205"));
        Assert.Equal(ThiefMac, Lab.NeighborMac(lab.ComputerXNs, "192.168.200.205"));

        // The VM itself answering for its address is no conflict: a new prefix is probed while the guest holds the old one.
        HostnetCli.Ok(lab, "adapter", "set", "thief", "net0", "--ip", "192.168.200.205/23");
        Assert.Equal(["192.168.200.205/23"], Addresses(lab.Guest("thief"), "eth0"));

        // A restart takes it again.
        HostnetCli.Ok(lab, "vm", "stop", "thief");
        HostnetCli.Ok(lab, "vm", "start", "thief");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.205"));
        Assert.Equal(xMac, Lab.NeighborMac(observer, Lab.ComputerXAddress));
        Assert.Equal(0, PlanExitCode(lab));
    }

    [PrivilegedFact]
    public void Apply_gives_every_bridged_address_but_one_that_answers_on_the_lan()
    {
        using var lab = Lab.Create();
        var observer = Observer(lab);
        var xMac = Lab.Mac(lab.ComputerXNs, "eth0");
        var json = $$"""
            {"networks":[{"name":"Bridged","mode":"bridged","bridge":"br1","uplink":"eth0"}],
             "vms":[{"name":"vm3","uuid":"00000003-0000-4000-8000-000000000003","guest":"netns:{{lab.Guest("vm3")}}","running":true,
                     "adapters":[{"network":"Bridged","mac":"{{Vm3Mac}}","ips":["{{Vm3Ip}}/24"],"gateway":"{{Lab.ServerAddress}}"}]},
                    {"name":"thief","uuid":"0000000a-0000-4000-8000-00000000000a","guest":"netns:{{lab.Guest("thief")}}","running":true,
                     "adapters":[{"network":"Bridged","mac":"{{ThiefMac}}","ips":["{{Lab.ComputerXAddress}}/24"],"gateway":"{{Lab.ServerAddress}}"}]}]}
            """;
        var import = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "import", "-"], stdin: json);
        Assert.True(import.ExitCode == 0, import.Stderr);

        // The first apply makes br1 (probing through eth0 before the uplink moves), the second probes on br1.
        foreach (var via in new[] { "eth0", "br1" })
        {
            var apply = HostnetCli.OnLab(lab, "apply");

            Assert.Equal(1, apply.ExitCode);
            Assert.Equal(
                $"hostnet: error: {Lab.ComputerXAddress} already answers on the LAN from {xMac} (via {via}): not routed nor published, nor given to its VM (the rest is applied); "
                + "choose another address, or free it on the LAN, then run `hostnet apply`; --no-probe skips this check",
                apply.Stderr.TrimEnd('\n'));
            Assert.Equal("br1", Master(lab.ServerNs, "vme0000000a.0"));
            Assert.Empty(Addresses(lab.Guest("thief"), "eth0"));
            Assert.Equal("", DefaultRoute(lab.Guest("thief")));
            Assert.Equal(xMac, Lab.NeighborMac(observer, Lab.ComputerXAddress));
            Assert.NotNull(Lab.Ping(lab.ServerNs, Lab.ComputerXAddress));
            Assert.Equal(xMac, Lab.NeighborMac(lab.ServerNs, Lab.ComputerXAddress));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
            Assert.Equal(Vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip));
            Assert.Equal(3, PlanExitCode(lab)); // the refused address is still wanted: the next apply probes again
        }
    }

    [PrivilegedFact]
    public void A_bridged_qemu_guest_whose_address_answers_is_not_started_unless_the_probe_is_skipped()
    {
        using var lab = Lab.Create();
        var xMac = Lab.Mac(lab.ComputerXNs, "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "q", "--uuid", "0000000b-0000-4000-8000-00000000000b", "--guest", "tap");
        HostnetCli.Ok(lab, "adapter", "add", "q", "--network", "Bridged", "--ip", Lab.ComputerXAddress + "/24", "--mac", "02:00:00:00:00:0b");

        var r = HostnetCli.OnLab(lab, "vm", "start", "q");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"hostnet: error: {Lab.ComputerXAddress} already answers on the LAN from {xMac} (via eth0): ", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Running(lab, "q"));
        Assert.DoesNotContain("vme0000000b.0", ServerLinks(lab));

        // --no-probe is the way out: the tap is made and bridged, as asked.
        HostnetCli.Ok(lab, "vm", "start", "q", "--no-probe");
        Assert.True(Running(lab, "q"));
        Assert.Equal("br1", Master(lab.ServerNs, "vme0000000b.0"));
    }
}

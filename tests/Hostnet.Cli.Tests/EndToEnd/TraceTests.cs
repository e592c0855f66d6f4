using System.Text.Json;
using System.Text.RegularExpressions;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// <c>hostnet trace</c> on a real kernel: the seed's two figures built in a lab through the CLI,
/// then each way a packet takes explained from the kernel's answers — and, when a hop is
/// removed by hand, the missing hop named with what mends it.
/// </summary>
public partial class TraceTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";
    private const string Vm3Ip = "192.168.200.203";
    private const string Vm1Vme = "vme7b9a73a1.0";
    private const string Vm2Vme = "vme4980d06a.0";
    private const string Vm3Vme = "vme5c0ffee0.0";

    private static void DefineRoutedVms(Lab lab)
    {
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip, "--mac", "52:54:00:00:02:01");
        HostnetCli.Ok(lab, "vm", "add", "vm2", "--uuid", "4980d06a-5c2e-4d1a-9f3b-000000000002", "--guest", "netns:" + lab.Guest("vm2"));
        HostnetCli.Ok(lab, "adapter", "add", "vm2", "--network", "Routed", "--ip", Vm2Ip, "--mac", "52:54:00:00:02:02");
    }

    private static void DefineBridgedVm(Lab lab)
    {
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm3", "--uuid", "5c0ffee0-5c2e-4d1a-9f3b-000000000003", "--guest", "netns:" + lab.Guest("vm3"));
        HostnetCli.Ok(lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", Vm3Ip + "/24", "--gateway", Lab.ServerAddress, "--mac", "52:54:00:00:02:03");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>Runs trace; its exit code and its lines with runs of spaces made one.</summary>
    private static (int ExitCode, string[] Lines) Trace(Lab lab, params string[] args)
    {
        var r = HostnetCli.OnLab(lab, ["trace", .. args]);
        Assert.True(r.ExitCode is 0 or 1, $"trace exited {r.ExitCode}: {r.Stderr}");
        return (r.ExitCode, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Spaces().Replace(l.Trim(), " ")).ToArray());
    }

    /// <summary>The line of step <paramref name="step"/> (<c>ok STEP …</c> or <c>FAIL STEP …</c>).</summary>
    private static string Step(string[] lines, string step, int occurrence = 0) =>
        lines.Where(l => l.StartsWith("ok " + step + " ", StringComparison.Ordinal) || l.StartsWith("FAIL " + step + " ", StringComparison.Ordinal))
            .ElementAtOrDefault(occurrence)
        ?? throw new Xunit.Sdk.XunitException($"no step '{step}' in:\n{string.Join('\n', lines)}");

    private static string Apply(Lab lab) => $"hostnet --state-dir {lab.StateDir} --netns {lab.ServerNs} apply";

    [PrivilegedFact]
    public void A_routed_vm_seen_from_the_lan_is_answered_for_by_the_server_and_routed_to_its_vme()
    {
        using var lab = Lab.Create();
        DefineRoutedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");

        var (exit, lines) = Trace(lab, Vm1Ip);

        Assert.Equal(0, exit);
        Assert.Equal($"trace {Vm1Ip} from the LAN", lines[0]);
        Assert.StartsWith($"ok owner {Vm1Ip} belongs to VM vm1, adapter net0 (network Routed, host-routed, MAC 52:54:00:00:02:01", Step(lines, "owner"), StringComparison.Ordinal);
        Assert.Equal($"ok arp computer X asks who has {Vm1Ip}; eth0 answers with the server's MAC {serverMac} (published entry: arp -n shows `{Vm1Ip} * * MP eth0`)", Step(lines, "arp"));
        Assert.Equal("ok proxy-delay net.ipv4.neigh.eth0.proxy_delay = 0: the answer goes out at once", Step(lines, "proxy-delay"));
        Assert.Equal("ok forwarding net.ipv4.ip_forward = 1 and net.ipv4.conf.eth0.forwarding = 1", Step(lines, "forwarding"));
        Assert.Equal($"ok in computer X sends the packet to {serverMac}; it comes in on eth0", Step(lines, "in"));
        Assert.StartsWith($"ok route `ip route get {Vm1Ip} from 192.168.200.2 iif eth0`: {Vm1Ip} dev {Vm1Vme} (route `{Vm1Ip} dev {Vm1Vme} proto hostnet scope link`)", Step(lines, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok vme {Vm1Vme} is up", Step(lines, "vme"), StringComparison.Ordinal);
        Assert.StartsWith($"ok neighbour {Vm1Ip} lladdr 52:54:00:00:02:01 PERMANENT dev {Vm1Vme}", Step(lines, "neighbour"), StringComparison.Ordinal);
        Assert.StartsWith($"ok guest eth0 in VM vm1 (netns {lab.Guest("vm1")}) is up, MAC 52:54:00:00:02:01, holds {Vm1Ip}", Step(lines, "guest"), StringComparison.Ordinal);
        Assert.Equal("path complete", lines[^1]);

        // --from-lan says the same; --json gives the steps to a script.
        Assert.Equal(lines, Trace(lab, Vm1Ip, "--from-lan").Lines);
        using var json = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "trace", Vm1Ip));
        var steps = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["owner", "arp", "proxy-delay", "forwarding", "in", "route", "vme", "neighbour", "guest"], steps.Select(s => s.GetProperty("step").GetString()));
        Assert.All(steps, s => Assert.True(s.GetProperty("ok").GetBoolean()));
        Assert.All(steps, s => Assert.False(s.TryGetProperty("fix", out _)));

        // A stopped VM is not on the server: trace says so, and how to start it.
        var (stoppedExit, stopped) = Trace(lab, Vm2Ip);
        Assert.Equal(1, stoppedExit);
        Assert.Equal($"FAIL owner {Vm2Ip} belongs to VM vm2, adapter net0, but VM vm2 is stopped: nothing of it is on the server", Step(stopped, "owner"));
        Assert.Contains($"fix: hostnet --state-dir {lab.StateDir} --netns {lab.ServerNs} vm start vm2", stopped);
    }

    [PrivilegedFact]
    public void A_bridged_vm_seen_from_the_lan_answers_for_itself_behind_its_bridge_port()
    {
        using var lab = Lab.Create();
        DefineBridgedVm(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm3");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip)); // the bridge learns vm3's MAC from its answer
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");

        var (exit, lines) = Trace(lab, Vm3Ip);

        Assert.Equal(0, exit);
        Assert.StartsWith($"ok owner {Vm3Ip} belongs to VM vm3, adapter net0 (network Bridged, bridged, MAC 52:54:00:00:02:03", Step(lines, "owner"), StringComparison.Ordinal);
        Assert.Equal($"ok bridge the frame comes in on eth0, a port of bridge br1 (bridge MAC {serverMac}, up)", Step(lines, "bridge"));
        Assert.Equal($"ok arp computer X asks who has {Vm3Ip}; VM vm3 answers itself with its own MAC 52:54:00:00:02:03 (the server publishes no entry for it)", Step(lines, "arp"));
        Assert.StartsWith($"ok vme {Vm3Vme} is up, a port of br1", Step(lines, "vme"), StringComparison.Ordinal);
        Assert.Equal($"ok fdb `bridge fdb`: 52:54:00:00:02:03 dev {Vm3Vme} master br1: br1 sends the frame to {Vm3Vme}, which hands it to eth0 in VM vm3", Step(lines, "fdb"));
        Assert.StartsWith("ok guest eth0 in VM vm3", Step(lines, "guest"), StringComparison.Ordinal);
        Assert.Equal("path complete", lines[^1]);

        // Its port taken out of the bridge, and its MAC pinned to the uplink by hand: both named, each with its fix.
        Sh.Ip("-n", lab.ServerNs, "link", "set", Vm3Vme, "nomaster");
        Sh.Run("bridge", ["-n", lab.ServerNs, "fdb", "del", "52:54:00:00:02:03", "dev", Vm3Vme, "master"]); // may be gone with the port already
        Sh.Run("bridge", ["-n", lab.ServerNs, "fdb", "add", "52:54:00:00:02:03", "dev", "eth0", "master", "static"]).EnsureSuccess("bridge fdb add");
        var (brokenExit, broken) = Trace(lab, Vm3Ip);
        Assert.Equal(1, brokenExit);
        Assert.Equal($"FAIL vme {Vm3Vme} (VM vm3, adapter net0): it is not a port of br1", Step(broken, "vme"));
        Assert.Equal($"FAIL fdb `bridge fdb`: 52:54:00:00:02:03 dev eth0 master br1: br1 sends VM vm3's frames to eth0, not {Vm3Vme} (a static entry: it stays until deleted)", Step(broken, "fdb"));
        Assert.Equal($"path broken: vme, fdb; run `{Apply(lab)}`, then `bridge -n {lab.ServerNs} fdb del 52:54:00:00:02:03 dev eth0 master`", broken[^1]);
        HostnetCli.Ok(lab, "apply");
        // May be gone already: the bridge moves a static entry that is not sticky to the port it next learns the MAC on
        // (vm3's first frame on its vme once apply put it back in br1).
        Sh.Run("bridge", ["-n", lab.ServerNs, "fdb", "del", "52:54:00:00:02:03", "dev", "eth0", "master"]);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip));
        Assert.Equal(0, Trace(lab, Vm3Ip).ExitCode);

        // Mixed mode: a routed VM on the same server is published on br1, which holds the server's address now.
        DefineRoutedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        var (routedExit, routed) = Trace(lab, Vm1Ip);
        Assert.Equal(0, routedExit);
        Assert.Equal($"ok arp computer X asks who has {Vm1Ip}; br1 answers with the server's MAC {serverMac} (published entry: arp -n shows `{Vm1Ip} * * MP br1`)", Step(routed, "arp"));
        Assert.Equal($"ok in computer X sends the packet to {serverMac}; it comes in on eth0, a port of br1, which passes it up to the server (the MAC is br1's own)", Step(routed, "in"));
        Assert.StartsWith($"ok route `ip route get {Vm1Ip} from 192.168.200.2 iif br1`: {Vm1Ip} dev {Vm1Vme}", Step(routed, "route"), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void A_vm_seen_from_another_vm_goes_through_the_gateway_and_the_servers_route()
    {
        using var lab = Lab.Create();
        DefineBridgedVm(lab);
        DefineRoutedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm3");
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), Vm2Ip));
        Assert.NotNull(Lab.Ping(lab.Guest("vm3"), Vm1Ip));

        // Routed to routed: the gateway on the server, the route in by vm1's vme and out by vm2's.
        var (exit, lines) = Trace(lab, Vm2Ip, "--from-vm", "vm1");
        Assert.Equal(0, exit);
        Assert.Equal($"trace {Vm2Ip} from VM vm1", lines[0]);
        Assert.StartsWith($"ok vm VM vm1 sends from {Vm1Ip} on eth0 (adapter net0", Step(lines, "vm"), StringComparison.Ordinal);
        Assert.EndsWith($"default via 169.255.30.1 dev eth0", Step(lines, "guest"), StringComparison.Ordinal);
        Assert.Equal($"ok gateway `ip -n {lab.Guest("vm1")} route get {Vm2Ip}`: {Vm2Ip} via 169.255.30.1 dev eth0 src {Vm1Ip}: VM vm1 sends it to its gateway 169.255.30.1, on-link via eth0; "
            + $"the server holds 169.255.30.1/32 on {Vm1Vme} and answers its ARP", Step(lines, "gateway"));
        Assert.Equal($"ok forwarding net.ipv4.ip_forward = 1 and net.ipv4.conf.{Vm1Vme}.forwarding = 1", Step(lines, "forwarding"));
        Assert.StartsWith($"ok target {Vm2Ip} belongs to VM vm2, adapter net0", Step(lines, "target"), StringComparison.Ordinal);
        Assert.StartsWith($"ok route `ip route get {Vm2Ip} from {Vm1Ip} iif {Vm1Vme}`: {Vm2Ip} dev {Vm2Vme}", Step(lines, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok vme {Vm2Vme} is up", Step(lines, "vme", 1), StringComparison.Ordinal);
        Assert.StartsWith($"ok neighbour {Vm2Ip} lladdr 52:54:00:00:02:02 PERMANENT dev {Vm2Vme}", Step(lines, "neighbour"), StringComparison.Ordinal);
        Assert.Equal("path complete", lines[^1]);

        // Bridged to routed: vm3 asks ARP itself; br1 answers for vm1 and routes it in.
        var (fromBridged, b) = Trace(lab, Vm1Ip, "--from-vm", "vm3");
        Assert.Equal(0, fromBridged);
        Assert.Equal($"ok gateway `ip -n {lab.Guest("vm3")} route get {Vm1Ip}`: {Vm1Ip} dev eth0 src {Vm3Ip}: on-link, VM vm3 asks ARP for it itself (its own ARP table)", Step(b, "gateway"));
        Assert.StartsWith($"ok arp VM vm3 asks who has {Vm1Ip}; br1 answers with the server's MAC", Step(b, "arp"), StringComparison.Ordinal);
        Assert.StartsWith($"ok in VM vm3 sends the packet to ", Step(b, "in"), StringComparison.Ordinal);
        Assert.EndsWith($"it comes in on {Vm3Vme}, a port of br1, which passes it up to the server (the MAC is br1's own)", Step(b, "in"), StringComparison.Ordinal);
        Assert.StartsWith($"ok route `ip route get {Vm1Ip} from {Vm3Ip} iif br1`: {Vm1Ip} dev {Vm1Vme}", Step(b, "route"), StringComparison.Ordinal);

        // Routed to bridged: out by br1, into vm3's port.
        var (toBridged, t) = Trace(lab, Vm3Ip, "--from-vm", "vm1");
        Assert.Equal(0, toBridged);
        Assert.StartsWith($"ok route `ip route get {Vm3Ip} from {Vm1Ip} iif {Vm1Vme}`: {Vm3Ip} dev br1", Step(t, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok arp the server (on br1) asks who has {Vm3Ip}; VM vm3 answers itself with its own MAC 52:54:00:00:02:03", Step(t, "arp"), StringComparison.Ordinal);
        Assert.StartsWith($"ok vme {Vm3Vme} is up, a port of br1", Step(t, "vme", 1), StringComparison.Ordinal);

        // To computer X: out by the L3 uplink.
        var (toX, x) = Trace(lab, Lab.ComputerXAddress, "--from-vm", "vm1");
        Assert.Equal(0, toX);
        Assert.StartsWith($"ok route `ip route get {Lab.ComputerXAddress} from {Vm1Ip} iif {Vm1Vme}`: {Lab.ComputerXAddress} dev br1: the server sends it out by br1", Step(x, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok next-hop next hop {Lab.ComputerXAddress} on br1", Step(x, "next-hop"), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void A_broken_path_names_the_missing_hop_and_what_mends_it()
    {
        using var lab = Lab.Create();
        DefineRoutedVms(lab);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");

        // A proxy entry deleted by hand: nobody answers ARP for vm1.
        Sh.Ip("-n", lab.ServerNs, "neigh", "del", "proxy", Vm1Ip, "dev", "eth0");
        var (exit, lines) = Trace(lab, Vm1Ip);
        Assert.Equal(1, exit);
        Assert.Equal($"FAIL arp no published (proxy) entry for {Vm1Ip} on eth0: nobody answers ARP for it on the LAN (`ip neigh show proxy` lacks `{Vm1Ip} dev eth0`)", Step(lines, "arp"));
        Assert.Equal("fix: " + Apply(lab), lines[Array.IndexOf(lines, Step(lines, "arp")) + 1]);
        Assert.StartsWith("ok route", Step(lines, "route"), StringComparison.Ordinal);
        Assert.Equal($"path broken: arp; run `{Apply(lab)}`", lines[^1]);
        using (var json = JsonDocument.Parse(HostnetCli.OnLab(lab, "--json", "trace", Vm1Ip).Stdout))
        {
            var arp = json.RootElement.EnumerateArray().Single(s => s.GetProperty("step").GetString() == "arp");
            Assert.False(arp.GetProperty("ok").GetBoolean());
            Assert.Equal(Apply(lab), arp.GetProperty("fix").GetString());
        }

        // A route deleted by hand: the lookup sends vm2's packets back out of eth0.
        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm2Ip + "/32");
        (exit, lines) = Trace(lab, Vm2Ip);
        Assert.Equal(1, exit);
        Assert.Equal($"FAIL route `ip route get {Vm2Ip} from 192.168.200.2 iif eth0`: {Vm2Ip} dev eth0: it does not go to {Vm2Vme} (VM vm2, adapter net0); "
            + $"the route `{Vm2Ip} dev {Vm2Vme} proto hostnet scope link` is missing; and until it does, eth0 does not answer ARP for {Vm2Ip} either", Step(lines, "route"));
        Assert.Equal($"path broken: route; run `{Apply(lab)}`", lines[^1]);

        // From vm1, vm2 is out of reach the same way.
        (exit, lines) = Trace(lab, Vm2Ip, "--from-vm", "vm1");
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAIL route `ip route get {Vm2Ip} from {Vm1Ip} iif {Vm1Vme}`: {Vm2Ip} dev eth0: it does not go to {Vm2Vme}", Step(lines, "route"), StringComparison.Ordinal);

        // The guest's default route deleted by hand: the VM itself has no way out.
        Sh.Ip("-n", lab.Guest("vm1"), "route", "del", "default");
        (exit, lines) = Trace(lab, Lab.ComputerXAddress, "--from-vm", "vm1");
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAIL vm `ip -n {lab.Guest("vm1")} route get {Lab.ComputerXAddress}`: no route", Step(lines, "vm"), StringComparison.Ordinal);
        Assert.EndsWith($": VM vm1 has no way to {Lab.ComputerXAddress}", Step(lines, "vm"), StringComparison.Ordinal);
        Assert.Equal($"path broken: vm; run `{Apply(lab)}`", lines[^1]);

        // Forwarding off and the kernel's proxy delay back: each named with its sysctl.
        Sh.InNetns(lab.ServerNs, "sysctl", "-qw", "net.ipv4.ip_forward=0").EnsureSuccess("sysctl");
        Sh.InNetns(lab.ServerNs, "sysctl", "-qw", "net.ipv4.neigh.eth0.proxy_delay=80").EnsureSuccess("sysctl");
        (exit, lines) = Trace(lab, Vm1Ip);
        Assert.Equal(1, exit);
        Assert.Equal("FAIL proxy-delay net.ipv4.neigh.eth0.proxy_delay = 80: the kernel delays each proxy ARP answer by a random 0–800 ms", Step(lines, "proxy-delay"));
        Assert.Equal("FAIL forwarding forwarding is off (net.ipv4.ip_forward = 0, net.ipv4.conf.eth0.forwarding = 0): the kernel neither answers proxy ARP on eth0 nor forwards what comes in there", Step(lines, "forwarding"));
        Assert.StartsWith($"FAIL route `ip route get {Vm1Ip} from 192.168.200.2 iif eth0`: no route", Step(lines, "route"), StringComparison.Ordinal);

        // A vme taken down, and its permanent neighbour entry with it.
        Sh.Ip("-n", lab.ServerNs, "link", "set", Vm1Vme, "down");
        Sh.Run("ip", ["-n", lab.ServerNs, "neigh", "flush", "dev", Vm1Vme, "nud", "permanent"]); // may be gone with the link already
        (exit, lines) = Trace(lab, Vm1Ip);
        Assert.Equal(1, exit);
        Assert.Equal($"FAIL vme {Vm1Vme} (VM vm1, adapter net0): it is down", Step(lines, "vme"));
        Assert.StartsWith($"FAIL neighbour no neighbour entry for {Vm1Ip} on {Vm1Vme}", Step(lines, "neighbour"), StringComparison.Ordinal);
        Assert.Equal($"path broken: arp, proxy-delay, forwarding, route, vme, neighbour; run `{Apply(lab)}`", lines[^1]);

        // What trace advises mends it.
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, Trace(lab, Vm1Ip).ExitCode);
        Assert.Equal(0, Trace(lab, Vm2Ip).ExitCode);
        Assert.Equal(0, Trace(lab, Vm2Ip, "--from-vm", "vm1").ExitCode);
        Assert.Equal(0, Trace(lab, Lab.ComputerXAddress, "--from-vm", "vm1").ExitCode);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }

    [PrivilegedFact]
    public void An_address_no_vm_holds_and_conflicting_origins_are_told_apart()
    {
        using var lab = Lab.Create();
        DefineRoutedVms(lab);

        var (exit, lines) = Trace(lab, "192.168.200.77");
        Assert.Equal(1, exit);
        Assert.StartsWith("FAIL owner 192.168.200.77 is not the address of any VM here", Step(lines, "owner"), StringComparison.Ordinal);

        Assert.Equal(2, HostnetCli.OnLab(lab, "trace", Vm1Ip, "--from-lan", "--from-vm", "vm1").ExitCode);
        var bad = HostnetCli.OnLab(lab, "trace", "not-an-address");
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("hostnet: error: 'not-an-address' is not an IPv4 address", bad.Stderr, StringComparison.Ordinal);
        var noVm = HostnetCli.OnLab(lab, "trace", Vm1Ip, "--from-vm", "nosuch");
        Assert.Equal(1, noVm.ExitCode);
        Assert.StartsWith("hostnet: error: there is no VM named 'nosuch'", noVm.Stderr, StringComparison.Ordinal);
    }
}

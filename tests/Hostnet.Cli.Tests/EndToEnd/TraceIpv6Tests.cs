using System.Text.RegularExpressions;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// <c>hostnet trace</c> of IPv6 destinations on a real kernel: the same hops as IPv4's, with the proxy
/// NDP entry, the /128 route, the neighbour entry and the IPv6 gateway on the vme; a hop removed by hand is named.
/// </summary>
public partial class TraceIpv6Tests
{
    private const string ComputerX6 = Lab.ComputerXAddress6;
    private const string Vm1Ip6 = "2001:db8:200::201";
    private const string Vm2Ip6 = "2001:db8:200::202";
    private const string Vm1Vme = "vme7b9a73a1.0";
    private const string Vm2Vme = "vme4980d06a.0";

    private static Lab Ipv6Lab()
    {
        var lab = Lab.Create().AddIpv6();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201", "--ip", Vm1Ip6, "--mac", "52:54:00:00:02:01");
        HostnetCli.Ok(lab, "vm", "add", "vm2", "--uuid", "4980d06a-5c2e-4d1a-9f3b-000000000002", "--guest", "netns:" + lab.Guest("vm2"));
        HostnetCli.Ok(lab, "adapter", "add", "vm2", "--network", "Routed", "--ip", Vm2Ip6, "--mac", "52:54:00:00:02:02");
        return lab;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static (int ExitCode, string[] Lines) Trace(Lab lab, params string[] args)
    {
        var r = HostnetCli.OnLab(lab, ["trace", .. args]);
        Assert.True(r.ExitCode is 0 or 1 && r.Stderr.Length == 0, $"trace exited {r.ExitCode}: {r.Stderr}");
        return (r.ExitCode, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Spaces().Replace(l.Trim(), " ")).ToArray());
    }

    private static string Step(string[] lines, string step, int occurrence = 0) =>
        lines.Where(l => l.StartsWith("ok " + step + " ", StringComparison.Ordinal) || l.StartsWith("FAIL " + step + " ", StringComparison.Ordinal))
            .ElementAtOrDefault(occurrence)
        ?? throw new Xunit.Sdk.XunitException($"no step '{step}' in:\n{string.Join('\n', lines)}");

    [PrivilegedFact]
    public void An_IPv6_routed_vm_seen_from_the_lan_is_answered_for_by_proxy_NDP_and_routed_to_its_vme()
    {
        using var lab = Ipv6Lab();
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));

        var (exit, lines) = Trace(lab, Vm1Ip6);

        Assert.True(exit == 0, string.Join('\n', lines));
        Assert.Equal($"trace {Vm1Ip6} from the LAN", lines[0]);
        Assert.StartsWith($"ok owner {Vm1Ip6} belongs to VM vm1, adapter net0 (network Routed, host-routed", Step(lines, "owner"), StringComparison.Ordinal);
        Assert.Equal($"ok ndp computer X sends a neighbour solicitation for {Vm1Ip6}; eth0 answers with the server's MAC {serverMac} "
            + $"(proxy entry: `ip -6 neigh show proxy` shows `{Vm1Ip6} dev eth0 proxy`, net.ipv6.conf.eth0.proxy_ndp = 1)", Step(lines, "ndp"));
        Assert.Equal("ok proxy-delay net.ipv6.neigh.eth0.proxy_delay = 0: the answer goes out at once", Step(lines, "proxy-delay"));
        Assert.Equal("ok forwarding net.ipv6.conf.all.forwarding = 1 and net.ipv6.conf.eth0.forwarding = 1", Step(lines, "forwarding"));
        Assert.StartsWith($"ok route `ip route get {Vm1Ip6} from 2001:db8:200::2 iif eth0`: {Vm1Ip6} dev {Vm1Vme} (route `{Vm1Ip6} dev {Vm1Vme} proto hostnet`)",
            Step(lines, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok neighbour {Vm1Ip6} lladdr 52:54:00:00:02:01 PERMANENT dev {Vm1Vme}: the server holds the VM's neighbour entry", Step(lines, "neighbour"), StringComparison.Ordinal);
        Assert.StartsWith($"ok guest eth0 in VM vm1 (netns {lab.Guest("vm1")}) is up, MAC 52:54:00:00:02:01, holds {Vm1Ip6}", Step(lines, "guest"), StringComparison.Ordinal);
        Assert.Equal("path complete", lines[^1]);
        Assert.DoesNotContain(lines, l => l.StartsWith("ok arp ", StringComparison.Ordinal));

        // The proxy entry and the /128 route deleted by hand: each is named, with what mends it.
        Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "del", "proxy", Vm1Ip6, "dev", "eth0");
        Sh.Ip("-n", lab.ServerNs, "-6", "route", "del", Vm1Ip6 + "/128", "dev", Vm1Vme);
        (exit, lines) = Trace(lab, Vm1Ip6);
        Assert.Equal(1, exit);
        Assert.StartsWith($"FAIL ndp no published (proxy) entry for {Vm1Ip6} on eth0: nobody answers neighbour solicitations for it on the LAN "
            + $"(`ip -6 neigh show proxy` lacks `{Vm1Ip6} dev eth0`)", Step(lines, "ndp"), StringComparison.Ordinal);
        Assert.Contains($"the route `{Vm1Ip6} dev {Vm1Vme} proto hostnet` is missing", Step(lines, "route"), StringComparison.Ordinal);
        Assert.StartsWith("FAIL route", Step(lines, "route"), StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains($"hostnet --state-dir {lab.StateDir} --netns {lab.ServerNs} apply", StringComparison.Ordinal));
    }

    [PrivilegedFact]
    public void An_IPv6_packet_from_a_routed_vm_goes_through_its_IPv6_gateway_on_the_vme()
    {
        using var lab = Ipv6Lab();
        HostnetCli.Ok(lab, "network", "set", "Routed", "--gateway6", "fe80::1");
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), Vm2Ip6));

        // Routed to routed.
        var (exit, lines) = Trace(lab, Vm2Ip6, "--from-vm", "vm1");
        Assert.True(exit == 0, string.Join('\n', lines));
        Assert.Equal($"trace {Vm2Ip6} from VM vm1", lines[0]);
        Assert.StartsWith($"ok vm VM vm1 sends from {Vm1Ip6} on eth0 (adapter net0", Step(lines, "vm"), StringComparison.Ordinal);
        Assert.EndsWith("default via fe80::1 dev eth0", Step(lines, "guest"), StringComparison.Ordinal);
        Assert.StartsWith($"ok gateway `ip -n {lab.Guest("vm1")} route get {Vm2Ip6}`: {Vm2Ip6} via fe80::1 dev eth0", Step(lines, "gateway"), StringComparison.Ordinal);
        Assert.EndsWith($"VM vm1 sends it to its gateway fe80::1, on-link via eth0; the server holds fe80::1/128 on {Vm1Vme} and answers its neighbour solicitation",
            Step(lines, "gateway"), StringComparison.Ordinal);
        Assert.Equal($"ok forwarding net.ipv6.conf.all.forwarding = 1 and net.ipv6.conf.{Vm1Vme}.forwarding = 1", Step(lines, "forwarding"));
        Assert.StartsWith($"ok target {Vm2Ip6} belongs to VM vm2, adapter net0", Step(lines, "target"), StringComparison.Ordinal);
        Assert.StartsWith($"ok route `ip route get {Vm2Ip6} from {Vm1Ip6} iif {Vm1Vme}`: {Vm2Ip6} dev {Vm2Vme}", Step(lines, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok neighbour {Vm2Ip6} lladdr 52:54:00:00:02:02 PERMANENT dev {Vm2Vme}", Step(lines, "neighbour"), StringComparison.Ordinal);
        Assert.Equal("path complete", lines[^1]);

        // To computer X: out by the uplink, to a next hop of the neighbour table.
        var (toX, x) = Trace(lab, ComputerX6, "--from-vm", "vm1");
        Assert.True(toX == 0, string.Join('\n', x));
        Assert.StartsWith($"ok route `ip route get {ComputerX6} from {Vm1Ip6} iif {Vm1Vme}`: {ComputerX6} dev eth0: the server sends it out by eth0", Step(x, "route"), StringComparison.Ordinal);
        Assert.StartsWith($"ok next-hop next hop {ComputerX6} on eth0: ", Step(x, "next-hop"), StringComparison.Ordinal);
        Assert.Contains("neighbour table", Step(x, "next-hop"), StringComparison.Ordinal);

        // The gateway taken off the vme by hand: the VM's solicitations for it go unanswered.
        Sh.Ip("-n", lab.ServerNs, "-6", "addr", "del", "fe80::1/128", "dev", Vm1Vme);
        (exit, lines) = Trace(lab, Vm2Ip6, "--from-vm", "vm1");
        Assert.Equal(1, exit);
        Assert.EndsWith($"but {Vm1Vme} does not hold fe80::1/128: nobody answers the VM's neighbour solicitation for its gateway", Step(lines, "gateway"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_word_is_no_destination()
    {
        using var h = new HostnetSandbox();
        var r = h.Run("trace", "not-an-address");
        Assert.Equal("hostnet: error: 'not-an-address' is not an IPv4 address nor an IPv6 one: trace takes either, e.g. 192.168.200.201 or 2001:db8:200::201\n", r.Stderr);
        Assert.Equal(1, r.ExitCode);
    }
}

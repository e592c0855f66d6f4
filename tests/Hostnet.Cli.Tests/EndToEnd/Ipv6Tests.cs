using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// IPv6 in both modes on a real kernel: the lab's LAN carries 2001:db8:200::/64 too, computer X at
/// ::10 and the server's eth0 at ::1. Observed with ip and ping inside the lab's namespaces.
/// </summary>
public class Ipv6Tests
{
    private const string Prefix6 = "2001:db8:200::";
    private const string ComputerX6 = Lab.ComputerXAddress6;
    private const string Server6 = Lab.ServerAddress6;
    private const string Vm1Ip6 = Prefix6 + "201";
    private const string Vm2Ip6 = Prefix6 + "202";
    private const string Vm3Ip6 = Prefix6 + "203";

    /// <summary>The lab with IPv6 on the LAN; nodad, so no address waits a second to be usable.</summary>
    private static Lab Ipv6Lab() => Lab.Create().AddIpv6();

    private static string Sysctl(Lab lab, string path) =>
        Sh.InNetns(lab.ServerNs, "cat", "/proc/sys/" + path).EnsureSuccess("cat " + path).Stdout.Trim();

    private static string Vme1 => "vme7b9a73a1.0";

    [PrivilegedFact]
    public void The_lan_reaches_dual_stack_routed_vms_over_IPv6_through_the_servers_mac()
    {
        using var lab = Ipv6Lab();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201", "--ip", Vm1Ip6);
        HostnetCli.Ok(lab, "vm", "add", "vm2", "--uuid", "4980d06a-5c2e-4d1a-9f3b-000000000002", "--guest", "netns:" + lab.Guest("vm2"));
        HostnetCli.Ok(lab, "adapter", "add", "vm2", "--network", "Routed", "--ip", Vm2Ip6);
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");

        HostnetCli.Ok(lab, "vm", "start", "vm1");
        HostnetCli.Ok(lab, "vm", "start", "vm2");

        // Computer X has never heard of the VMs: its cache learns them from the server's answers.
        Assert.Null(Lab.NeighborMac(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.201"));
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm1Ip6));
        Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, Vm2Ip6));

        // The VMs reach each other and computer X through the server.
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), Vm2Ip6));
        Assert.NotNull(Lab.Ping(lab.Guest("vm2"), ComputerX6));

        // What the server holds, as iproute2 shows it.
        // (ip leaves out of each row the protocol it filtered on.)
        Assert.StartsWith($"{Vm1Ip6} dev {Vme1} ", Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "proto", "77"), StringComparison.Ordinal);
        var proxies = Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy");
        Assert.Contains($"{Vm1Ip6} dev eth0 proxy", proxies, StringComparison.Ordinal);
        Assert.Contains($"{Vm2Ip6} dev eth0 proxy", proxies, StringComparison.Ordinal);
        Assert.Contains($"{Vm1Ip6} lladdr ", Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "dev", Vme1, "nud", "permanent"), StringComparison.Ordinal);
        Assert.Contains("inet6 fe80::ffff:1:1/128 scope link", Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", Vme1), StringComparison.Ordinal);
        Assert.Equal("2", Sysctl(lab, "net/ipv6/conf/eth0/accept_ra"));
        Assert.Equal("1", Sysctl(lab, "net/ipv6/conf/all/forwarding"));
        Assert.Equal("1", Sysctl(lab, "net/ipv6/conf/eth0/proxy_ndp"));
        Assert.Equal("0", Sysctl(lab, "net/ipv6/neigh/eth0/proxy_delay"));

        // The guests: the address as a /128 and the default route through fe80::ffff:1:1.
        Assert.Contains($"inet6 {Vm2Ip6}/128", Sh.Ip("-n", lab.Guest("vm2"), "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        using (var routes = JsonDocument.Parse(Sh.Ip("-n", lab.Guest("vm1"), "-6", "-j", "route", "show", "default")))
            Assert.Equal(["fe80::ffff:1:1 eth0"], routes.RootElement.EnumerateArray().Select(r => r.GetProperty("gateway").GetString() + " " + r.GetProperty("dev").GetString()));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

        // Hostnet's own views: the IPv6 neighbour table with the proxy rows, and the routes of both families.
        var ndp = HostnetCli.Ok(lab, "ndp").Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal("Address HWtype HWaddress Flags Iface", ndp[0]);
        Assert.Contains($"{Vm1Ip6} * * MP eth0", ndp);
        Assert.Contains($"{Vm2Ip6} * * MP eth0", ndp);
        Assert.Contains($"{Vm1Ip6} ether {Lab.Mac(lab.Guest("vm1"), "eth0")} CM {Vme1}", ndp);
        var routeView = HostnetCli.Ok(lab, "route");
        Assert.Contains($"192.168.200.201 dev {Vme1} proto hostnet scope link    # vm1/net0", routeView, StringComparison.Ordinal);
        Assert.Contains($"{Vm1Ip6} dev {Vme1} proto hostnet    # vm1/net0", routeView, StringComparison.Ordinal);

        // A v6 route deleted by hand is drift: plan sees it, apply puts it back, and the VM answers again.
        Sh.Ip("-n", lab.ServerNs, "-6", "route", "del", Vm1Ip6 + "/128", "dev", Vme1);
        Assert.Null(Lab.Ping(lab.ComputerXNs, Vm1Ip6, waitSeconds: 1, attempts: 1));
        Assert.Equal(3, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));

        // Stopped, a VM leaves nothing of IPv6 behind on the server.
        HostnetCli.Ok(lab, "vm", "stop", "vm1");
        Assert.DoesNotContain(Vm1Ip6, Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.DoesNotContain(Vm1Ip6, Sh.Ip("-n", lab.ServerNs, "-6", "route", "show"), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void An_IPv6_address_that_answers_duplicate_address_detection_on_the_lan_is_refused()
    {
        using var lab = Ipv6Lab();
        const string taken = Prefix6 + "205";
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", taken + "/64", "dev", "eth0", "nodad");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "thief", "--guest", "netns:" + lab.Guest("thief"));
        HostnetCli.Ok(lab, "adapter", "add", "thief", "--network", "Routed", "--ip", "192.168.200.205", "--ip", taken);

        var r = HostnetCli.OnLab(lab, "vm", "start", "thief");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"hostnet: error: {taken} already answers on the LAN from {Lab.Mac(lab.ComputerXNs, "eth0")} (via eth0)", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy").Trim());
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
        // X keeps its address: it still answers from itself.
        Assert.NotNull(Lab.Ping(lab.ServerNs, taken));
    }

    [PrivilegedFact]
    public void A_server_that_learns_its_IPv6_default_route_from_router_advertisements_keeps_it_when_forwarding_goes_on()
    {
        using var lab = Ipv6Lab();
        // Computer X plays the LAN's router: one router advertisement (type 134, lifetime 1800 s) to
        // ff02::1 from its link-local fe80::10; the kernel fills in the ICMPv6 checksum of a raw socket.
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", "fe80::10/64", "dev", "eth0", "nodad");
        const string advertise = """
            import socket, struct
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            i = socket.if_nametoindex('eth0')
            s.bind(('fe80::10', 0, 0, i))
            s.sendto(struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0), ('ff02::1', 0, 0, i))
            """;
        string learnt = "";
        for (var i = 0; i < 50 && !learnt.Contains("proto ra", StringComparison.Ordinal); i++)
        {
            Sh.InNetns(lab.ComputerXNs, "python3", "-c", advertise).EnsureSuccess("send a router advertisement");
            Thread.Sleep(100);
            learnt = Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "default");
        }
        Assert.Contains("default via fe80::10 dev eth0 proto ra", learnt, StringComparison.Ordinal);

        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip6);
        Assert.Equal("0", Sysctl(lab, "net/ipv6/conf/all/forwarding"));
        // Forwarding on with accept_ra 1 would purge the route: accept_ra goes to 2 first.
        HostnetCli.Ok(lab, "vm", "start", "vm1");

        Assert.Equal("1", Sysctl(lab, "net/ipv6/conf/all/forwarding"));
        Assert.Contains("default via fe80::10 dev eth0 proto ra", Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "default"), StringComparison.Ordinal);
        // And still takes the advertisements: a new one is accepted while forwarding.
        Assert.Equal("2", Sysctl(lab, "net/ipv6/conf/eth0/accept_ra"));
    }

    [PrivilegedFact]
    public void A_bridged_vm_answers_for_its_own_IPv6_address_and_the_servers_IPv6_moves_to_the_bridge_and_back()
    {
        using var lab = Ipv6Lab();
        Sh.Ip("-n", lab.ServerNs, "-6", "route", "add", "default", "via", ComputerX6, "dev", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm3", "--uuid", "00000003-0000-4000-8000-000000000003", "--guest", "netns:" + lab.Guest("vm3"));
        HostnetCli.Ok(lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", Vm3Ip6 + "/64", "--gateway", Server6);
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip6);

        HostnetCli.Ok(lab, "vm", "start", "vm3");
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        var vm3Mac = Lab.Mac(lab.Guest("vm3"), "eth0");

        // The server's own IPv6 address and default route moved to br1 with the uplink.
        Assert.Contains($"inet6 {Server6}/64", Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", "br1"), StringComparison.Ordinal);
        Assert.DoesNotContain(Server6, Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"default via {ComputerX6} dev br1", Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "default"), StringComparison.Ordinal);

        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip6));
        Assert.Equal(vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip6));
        // Mixed: the routed VM is published on br1, the L3 uplink, and answers X through the server.
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
        Assert.Equal(Lab.Mac(lab.ServerNs, "br1"), Lab.NeighborMac(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.Guest("vm3"), Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.Guest("vm3"), ComputerX6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Server6));

        // The last bridged network gone, the uplink gets its IPv6 address and default route back.
        HostnetCli.Ok(lab, "vm", "rm", "vm3");
        HostnetCli.Ok(lab, "network", "rm", "Bridged");
        Assert.Contains($"inet6 {Server6}/64", Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"default via {ComputerX6} dev eth0", Sh.Ip("-n", lab.ServerNs, "-6", "route", "show", "default"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Server6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
    }

    [PrivilegedFact]
    public void A_dual_stack_vm_switched_live_between_modes_stays_reachable_over_IPv6_and_the_lan_follows()
    {
        using var lab = Ipv6Lab();
        Sh.Ip("-n", lab.ServerNs, "-6", "route", "add", "default", "via", ComputerX6, "dev", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm3", "--uuid", "00000003-0000-4000-8000-000000000003", "--guest", "netns:" + lab.Guest("vm3"));
        HostnetCli.Ok(lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", Vm3Ip6 + "/64",
            "--gateway", "192.168.200.1", "--gateway", Server6);
        HostnetCli.Ok(lab, "vm", "start", "vm3");
        var vm3Mac = Lab.Mac(lab.Guest("vm3"), "eth0");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip6));
        Assert.Equal(vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip6));

        // Bridged to host-routed, running: the unsolicited advertisement (override) moves X's entry to the server's
        // MAC before any ping; the guest holds its /128 and routes through fe80::ffff:1:1.
        HostnetCli.Ok(lab, "adapter", "set", "vm3", "net0", "--network", "Routed", "--ip", "192.168.200.203", "--ip", Vm3Ip6);
        var bridgeMac = Lab.Mac(lab.ServerNs, "br1");
        Assert.Equal(bridgeMac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip6));
        Assert.Contains($"inet6 {Vm3Ip6}/128", Sh.Ip("-n", lab.Guest("vm3"), "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"{Vm3Ip6} dev br1 proxy", Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

        // And back: the guest answers for itself again, and the proxy entry is gone.
        HostnetCli.Ok(lab, "adapter", "set", "vm3", "net0", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", Vm3Ip6 + "/64",
            "--gateway", "192.168.200.1", "--gateway", Server6);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip6));
        Assert.Equal(vm3Mac, Lab.NeighborMac(lab.ComputerXNs, Vm3Ip6));
        Assert.DoesNotContain(Vm3Ip6, Sh.Ip("-n", lab.ServerNs, "-6", "neigh", "show", "proxy"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.Guest("vm3"), ComputerX6));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
    }

    [PrivilegedFact]
    public void A_routed_network_with_its_own_IPv6_gateway_puts_it_on_the_vme_and_its_guests_route_through_it()
    {
        using var lab = Ipv6Lab();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--gateway6", "fe80::1");
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", "192.168.200.201", "--ip", Vm1Ip6);

        HostnetCli.Ok(lab, "vm", "start", "vm1");

        var vmeAddresses = Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", Vme1);
        Assert.Contains("inet6 fe80::1/128 scope link", vmeAddresses, StringComparison.Ordinal);
        Assert.DoesNotContain("fe80::ffff:1:1", vmeAddresses, StringComparison.Ordinal);
        Assert.Equal(["fe80::1 eth0"], GuestDefaults6(lab, "vm1"));
        Assert.Null(Lab.NeighborMac(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), ComputerX6));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

        // Changed while the VM runs: the vme and the guest's default route follow at once.
        HostnetCli.Ok(lab, "network", "set", "Routed", "--gateway6", "fe80::2");
        vmeAddresses = Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", Vme1);
        Assert.Contains("inet6 fe80::2/128 scope link", vmeAddresses, StringComparison.Ordinal);
        Assert.DoesNotContain("fe80::1/128", vmeAddresses, StringComparison.Ordinal);
        Assert.Equal(["fe80::2 eth0"], GuestDefaults6(lab, "vm1"));
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), ComputerX6));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
    }

    [PrivilegedFact]
    public void A_routed_network_with_a_global_IPv6_gateway_gives_its_guests_an_on_link_route_to_it()
    {
        using var lab = Ipv6Lab();
        const string gateway6 = "2001:db8:ffff::1";
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--gateway6", gateway6);
        HostnetCli.Ok(lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + lab.Guest("vm1"));
        HostnetCli.Ok(lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", Vm1Ip6);

        HostnetCli.Ok(lab, "vm", "start", "vm1");

        Assert.Contains($"inet6 {gateway6}/128 scope global", Sh.Ip("-n", lab.ServerNs, "-6", "addr", "show", "dev", Vme1), StringComparison.Ordinal);
        Assert.Contains($"{gateway6} dev eth0", Sh.Ip("-n", lab.Guest("vm1"), "-6", "route", "show"), StringComparison.Ordinal);
        Assert.Equal([gateway6 + " eth0"], GuestDefaults6(lab, "vm1"));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
        Assert.NotNull(Lab.Ping(lab.Guest("vm1"), ComputerX6));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
    }

    [PrivilegedFact]
    public void A_dual_stack_bridged_vm_reaches_computer_x_through_its_gateway_of_each_family()
    {
        using var lab = Ipv6Lab();
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "vm3", "--uuid", "00000003-0000-4000-8000-000000000003", "--guest", "netns:" + lab.Guest("vm3"));
        // Computer X is the LAN's router for the guest, in both families.
        HostnetCli.Ok(lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", Vm3Ip6 + "/64",
            "--gateway", ComputerX6, "--gateway", Lab.ComputerXAddress);

        HostnetCli.Ok(lab, "vm", "start", "vm3");

        Assert.Equal([ComputerX6 + " eth0"], GuestDefaults6(lab, "vm3"));
        Assert.Contains($"default via {Lab.ComputerXAddress} dev eth0", Sh.Ip("-n", lab.Guest("vm3"), "route", "show", "default"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm3Ip6));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, "192.168.200.203"));
        Assert.Equal(Lab.Mac(lab.Guest("vm3"), "eth0"), Lab.NeighborMac(lab.ComputerXNs, Vm3Ip6));
        Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
    }

    private static List<string> GuestDefaults6(Lab lab, string vm)
    {
        using var routes = JsonDocument.Parse(Sh.Ip("-n", lab.Guest(vm), "-6", "-j", "route", "show", "default"));
        return routes.RootElement.EnumerateArray().Select(r => r.GetProperty("gateway").GetString() + " " + r.GetProperty("dev").GetString()).ToList();
    }
}

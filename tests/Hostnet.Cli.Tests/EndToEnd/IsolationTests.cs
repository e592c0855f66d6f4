using System.Collections.Concurrent;
using System.Diagnostics;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// Tenant isolation on a real kernel: a mixed server (a routed VM and a bridged VM on one LAN), guests
/// that forge what a hostile customer would (scapy inside their namespaces), and observers that are not
/// Hostnet: tcpdump on computer X and on the LAN, X's own neighbour table, a TCP listener on the server.
/// Each forged packet is followed by the same guest's real one on the same path: the real one arriving
/// while the forged one did not is the proof, with no waiting for an absence. Each attack is tried again
/// with its protection switched off, where it must get through, so no test can pass by seeing nothing.
/// </summary>
public sealed class IsolationTests
{
    private const string RoutedIp = "192.168.200.201";
    private const string BridgedIp = "192.168.200.203";
    private const string FreeLanIp = "192.168.200.250";
    private const string Gateway = "169.255.30.1";

    private sealed class Mixed : IDisposable
    {
        public Mixed()
        {
            Lab = Lab.Create(prefix: "hniso");
            try
            {
                HostnetCli.Ok(Lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
                HostnetCli.Ok(Lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
                HostnetCli.Ok(Lab, "vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", "--guest", "netns:" + Lab.Guest("vm1"));
                HostnetCli.Ok(Lab, "adapter", "add", "vm1", "--network", "Routed", "--ip", RoutedIp);
                HostnetCli.Ok(Lab, "vm", "add", "vm3", "--uuid", "00000003-0000-4000-8000-000000000003", "--guest", "netns:" + Lab.Guest("vm3"));
                HostnetCli.Ok(Lab, "adapter", "add", "vm3", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ServerAddress);
                HostnetCli.Ok(Lab, "vm", "start", "vm1", "--no-probe");
                HostnetCli.Ok(Lab, "vm", "start", "vm3", "--no-probe");
            }
            catch
            {
                Lab.Dispose();
                throw;
            }
        }

        public Lab Lab { get; }

        public string Vm1 => Lab.Guest("vm1");

        public string Vm3 => Lab.Guest("vm3");

        public string XMac => Lab.Mac(Lab.ComputerXNs, "eth0");

        /// <summary>The server end of vm1's adapter, where vm1's frames go.</summary>
        public string Vme1Mac => Lab.Mac(Lab.ServerNs, "vme7b9a73a1.0");

        public void Dispose() => Lab.Dispose();
    }

    /// <summary>Runs scapy in a guest: <paramref name="frames"/> is a Python expression of a list of frames sent on eth0, in order.</summary>
    private static void Send(string ns, string frames)
    {
        var script = "import logging; logging.getLogger('scapy.runtime').setLevel(logging.ERROR)\n"
            + "from scapy.all import *\n"
            + $"for f in {frames}: sendp(f, iface='eth0', verbose=0)\n";
        Sh.Run("ip", ["netns", "exec", ns, "/usr/bin/python3", "-c", script], timeout: TimeSpan.FromSeconds(60)).EnsureSuccess("scapy in " + ns);
    }

    /// <summary>tcpdump in a namespace, its lines as they come; disposed, it is stopped.</summary>
    internal sealed class Capture : IDisposable
    {
        private readonly Process _p;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Capture(string ns, string dev, string filter)
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", dev, "-n", "-e", "-l", "-p", filter }) psi.ArgumentList.Add(a);
            _p = Process.Start(psi)!;
            _p.OutputDataReceived += (_, e) => { if (e.Data is { } d) _lines.Enqueue(d); };
            _p.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) _listening.TrySetResult(); };
            _p.BeginOutputReadLine();
            _p.BeginErrorReadLine();
            if (!_listening.Task.Wait(TimeSpan.FromSeconds(20))) throw new InvalidOperationException($"tcpdump in {ns} did not start");
        }

        /// <summary>Waits until a line contains <paramref name="marker"/>; the lines seen until then.</summary>
        public IReadOnlyList<string> Until(string marker)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                if (_lines.Any(l => l.Contains(marker, StringComparison.Ordinal))) return _lines.ToList();
                Thread.Sleep(50);
            }
            throw new InvalidOperationException($"the real packet ({marker}) never arrived: {string.Join(" | ", _lines)}");
        }

        public void Dispose()
        {
            try
            {
                _p.Kill();
                _p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            _p.Dispose();
        }
    }

    /// <summary>
    /// A UDP packet to computer X from <paramref name="forgedSource"/> (to port 9001), then the guest's real one
    /// (port 9002): what X saw of the forged one once the real one is there.
    /// </summary>
    private static List<string> SpoofToX(Mixed m, string guestNs, string guestMac, string nextHopMac, string forgedSource, string realSource)
    {
        using var x = new Capture(m.Lab.ComputerXNs, "eth0", "udp and (dst port 9001 or dst port 9002)");
        Send(guestNs, $"[Ether(src='{guestMac}', dst='{nextHopMac}')/IP(src='{forgedSource}', dst='{Lab.ComputerXAddress}')/UDP(sport=4000, dport=9001)/b'forged',"
            + $" Ether(src='{guestMac}', dst='{nextHopMac}')/IP(src='{realSource}', dst='{Lab.ComputerXAddress}')/UDP(sport=4000, dport=9002)/b'real']");
        return x.Until(".9002:").Where(l => l.Contains(".9001:", StringComparison.Ordinal)).ToList();
    }

    private static string GuestMac(Mixed m, string ns) => Lab.Mac(ns, "eth0");

    [PrivilegedFact]
    public void A_routed_guest_cannot_send_from_another_address_even_with_loose_reverse_path_filtering()
    {
        using var m = new Mixed();
        // What distributions and other tools set: the kernel then takes loose (2) over the vme's strict (1).
        Sh.InNetns(m.Lab.ServerNs, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2").EnsureSuccess("sysctl");
        var mac = GuestMac(m, m.Vm1);

        Assert.Empty(SpoofToX(m, m.Vm1, mac, m.Vme1Mac, FreeLanIp, RoutedIp));
        Assert.Empty(SpoofToX(m, m.Vm1, mac, m.Vme1Mac, BridgedIp, RoutedIp));

        // Switched off, the same forged packet gets through: the filter is what stopped it.
        HostnetCli.Ok(m.Lab, "adapter", "set", "vm1", "net0", "--no-protect", "addresses");
        Assert.Single(SpoofToX(m, m.Vm1, mac, m.Vme1Mac, FreeLanIp, RoutedIp));
    }

    [PrivilegedFact]
    public void A_bridged_guest_cannot_send_from_another_address_or_another_mac()
    {
        using var m = new Mixed();
        var mac = GuestMac(m, m.Vm3);

        Assert.Empty(SpoofToX(m, m.Vm3, mac, m.XMac, FreeLanIp, BridgedIp));
        Assert.Empty(SpoofToX(m, m.Vm3, mac, m.XMac, RoutedIp, BridgedIp));

        // A frame with computer X's MAC as its source does not reach the LAN; the guest's own does.
        using (var lan = new Capture(m.Lab.LanNs, "srv-port", "udp and (dst port 9003 or dst port 9004)"))
        {
            Send(m.Vm3, $"[Ether(src='{m.XMac}', dst='ff:ff:ff:ff:ff:ff')/IP(src='{BridgedIp}', dst='192.168.200.255')/UDP(sport=4000, dport=9003),"
                + $" Ether(src='{mac}', dst='ff:ff:ff:ff:ff:ff')/IP(src='{BridgedIp}', dst='192.168.200.255')/UDP(sport=4000, dport=9004)]");
            Assert.DoesNotContain(lan.Until(".9004:"), l => l.Contains(".9003:", StringComparison.Ordinal));
        }

        HostnetCli.Ok(m.Lab, "adapter", "set", "vm3", "net0", "--no-protect", "addresses");
        Assert.Single(SpoofToX(m, m.Vm3, mac, m.XMac, FreeLanIp, BridgedIp));
    }

    [PrivilegedFact]
    public void A_bridged_guest_cannot_poison_computer_xs_arp_entry_for_the_server_nor_answer_dhcp()
    {
        using var m = new Mixed();
        var mac = GuestMac(m, m.Vm3);
        var serverMac = Lab.Mac(m.Lab.ServerNs, "br1");
        Assert.NotNull(Lab.Ping(m.Lab.ComputerXNs, Lab.ServerAddress));

        // A forged reply claiming the server's address, then the guest's real traffic behind it.
        var poison = $"Ether(src='{mac}', dst='{m.XMac}')/ARP(op=2, psrc='{Lab.ServerAddress}', hwsrc='{mac}', pdst='{Lab.ComputerXAddress}', hwdst='{m.XMac}')";
        using (var x = new Capture(m.Lab.ComputerXNs, "eth0", "arp or (udp and dst port 9002)"))
        {
            Send(m.Vm3, $"[{poison}, Ether(src='{mac}', dst='{m.XMac}')/IP(src='{BridgedIp}', dst='{Lab.ComputerXAddress}')/UDP(sport=4000, dport=9002)]");
            Assert.DoesNotContain(x.Until(".9002:"), l => l.Contains($"{Lab.ServerAddress} is-at {mac}", StringComparison.Ordinal));
        }
        Assert.Equal(serverMac, Lab.NeighborMac(m.Lab.ComputerXNs, Lab.ServerAddress));

        // A forged DHCP offer does not reach X.
        var offer = $"Ether(src='{mac}', dst='ff:ff:ff:ff:ff:ff')/IP(src='{BridgedIp}', dst='255.255.255.255')/UDP(sport=67, dport=68)"
            + $"/BOOTP(op=2, yiaddr='192.168.200.77', siaddr='{BridgedIp}', chaddr=b'\\x02\\x00\\x00\\x00\\x00\\x10')/DHCP(options=[('message-type', 'offer'), ('router', '{BridgedIp}'), 'end'])";
        using (var x = new Capture(m.Lab.ComputerXNs, "eth0", "udp and (dst port 68 or dst port 9002)"))
        {
            Send(m.Vm3, $"[{offer}, Ether(src='{mac}', dst='{m.XMac}')/IP(src='{BridgedIp}', dst='{Lab.ComputerXAddress}')/UDP(sport=4000, dport=9002)]");
            Assert.DoesNotContain(x.Until(".9002:"), l => l.Contains(".68:", StringComparison.Ordinal));
        }

        // Switched off, the same reply does change X's entry (the kernel may keep an entry younger than its
        // locktime, 1 s: the reply is sent again until it lands).
        HostnetCli.Ok(m.Lab, "adapter", "set", "vm3", "net0", "--no-protect", "arp,mac");
        for (var i = 0; i < 20 && Lab.NeighborMac(m.Lab.ComputerXNs, Lab.ServerAddress) != mac; i++)
        {
            Send(m.Vm3, $"[{poison}]");
            Thread.Sleep(250);
        }
        Assert.Equal(mac, Lab.NeighborMac(m.Lab.ComputerXNs, Lab.ServerAddress));
    }

    [PrivilegedFact]
    public void A_routed_guest_cannot_name_another_address_in_its_arp()
    {
        using var m = new Mixed();
        var mac = GuestMac(m, m.Vm1);
        // Strict reverse-path filtering would drop such ARP on its own; loose, as distributions set it, would not.
        Sh.InNetns(m.Lab.ServerNs, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2").EnsureSuccess("sysctl");
        // A request naming computer X's address as its sender would make the server note X's address at vm1's MAC.
        var forged = $"Ether(src='{mac}', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, psrc='{Lab.ComputerXAddress}', hwsrc='{mac}', pdst='{Gateway}')";
        Send(m.Vm1, $"[{forged}]");
        Assert.NotNull(Lab.Ping(m.Vm1, Gateway));
        Assert.DoesNotContain(Lab.ComputerXAddress, Sh.Ip("-n", m.Lab.ServerNs, "neigh", "show", "dev", "vme7b9a73a1.0"));

        HostnetCli.Ok(m.Lab, "adapter", "set", "vm1", "net0", "--no-protect", "arp");
        Send(m.Vm1, $"[{forged}]");
        Assert.Contains(Lab.ComputerXAddress, Sh.Ip("-n", m.Lab.ServerNs, "neigh", "show", "dev", "vme7b9a73a1.0"));
    }

    /// <summary>Whether a TCP connection from <paramref name="ns"/> to ADDR:7777 is accepted within 3 s.</summary>
    private static bool Connects(string ns, string address)
    {
        var script = $"import socket,sys\ns=socket.socket(); s.settimeout(3)\ntry:\n s.connect(('{address}', 7777)); print('connected')\nexcept OSError as e:\n print('refused', e)\n";
        return Sh.Run("ip", ["netns", "exec", ns, "/usr/bin/python3", "-c", script], timeout: TimeSpan.FromSeconds(30)).Stdout.Contains("connected", StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void No_guest_reaches_a_service_on_the_servers_own_addresses_but_the_gateway_answers_ping()
    {
        using var m = new Mixed();
        var listener = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", m.Lab.ServerNs, "/usr/bin/python3", "-c",
            "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 7777)); s.listen(16); print('up', flush=True)\nwhile True:\n c,_=s.accept(); c.close()\n" })
            listener.ArgumentList.Add(a);
        using var server = Process.Start(listener)!;
        try
        {
            Assert.Equal("up", server.StandardOutput.ReadLine());
            // The LAN still reaches it: the server's protection is against its VMs only.
            Assert.True(Connects(m.Lab.ComputerXNs, Lab.ServerAddress));

            Assert.NotNull(Lab.Ping(m.Vm1, Gateway));
            Assert.NotNull(Lab.Ping(m.Vm3, Lab.ServerAddress));
            Assert.False(Connects(m.Vm1, Gateway));
            Assert.False(Connects(m.Vm1, Lab.ServerAddress));
            Assert.False(Connects(m.Vm3, Lab.ServerAddress));
            // VMs still reach each other and the LAN through the server.
            Assert.NotNull(Lab.Ping(m.Vm3, RoutedIp));
            Assert.NotNull(Lab.Ping(m.Vm1, Lab.ComputerXAddress));

            // A port the network opens is reachable at once, and closed again as soon as it is cleared.
            HostnetCli.Ok(m.Lab, "network", "set", "Routed", "--server-ports", "tcp/7777");
            Assert.True(Connects(m.Vm1, Gateway));
            // trace says the same: the way to the gateway ends at the server's protection, with the port it opens.
            Assert.Contains("and tcp/7777, which network Routed opens; anything else from vme7b9a73a1.0 to the server is dropped",
                HostnetCli.Ok(m.Lab, "trace", Gateway, "--from-vm", "vm1"), StringComparison.Ordinal);
            Assert.Contains("the server protection of VM vm3, adapter net0 lets through only ARP, ICMP",
                HostnetCli.Ok(m.Lab, "trace", Lab.ServerAddress, "--from-vm", "vm3"), StringComparison.Ordinal);
            Assert.False(Connects(m.Vm3, Lab.ServerAddress));
            HostnetCli.Ok(m.Lab, "network", "set", "Routed", "--no-server-ports");
            Assert.False(Connects(m.Vm1, Gateway));

            HostnetCli.Ok(m.Lab, "adapter", "set", "vm1", "net0", "--no-protect", "server");
            HostnetCli.Ok(m.Lab, "adapter", "set", "vm3", "net0", "--no-protect", "server");
            Assert.True(Connects(m.Vm1, Gateway));
            Assert.True(Connects(m.Vm3, Lab.ServerAddress));
        }
        finally
        {
            server.Kill();
            server.WaitForExit(5000);
        }
    }

    [PrivilegedFact]
    public void A_flushed_ruleset_is_planned_and_mended_and_a_guest_moved_between_modes_keeps_its_protections()
    {
        using var m = new Mixed();
        Assert.Equal(0, HostnetCli.OnLab(m.Lab, "plan", "--exit-code").ExitCode);
        Assert.Contains("table inet hostnet", Sh.InNetns(m.Lab.ServerNs, "nft", "list", "tables").Stdout, StringComparison.Ordinal);

        // An admin's `nft flush ruleset`: plan shows the tables and elements to make, apply makes them.
        Sh.InNetns(m.Lab.ServerNs, "nft", "flush", "ruleset").EnsureSuccess("nft flush ruleset");
        var plan = HostnetCli.OnLab(m.Lab, "plan", "--exit-code");
        Assert.Equal(3, plan.ExitCode);
        Assert.Contains("+ nft table bridge hostnet", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("+ nft element inet hostnet addr4 { vme7b9a73a1.0 . 192.168.200.201 }", plan.Stdout, StringComparison.Ordinal);
        HostnetCli.Ok(m.Lab, "apply", "--no-probe");
        Assert.Equal(0, HostnetCli.OnLab(m.Lab, "plan", "--exit-code").ExitCode);

        // One element deleted by hand comes back.
        Sh.InNetns(m.Lab.ServerNs, "nft", "delete", "element", "inet", "hostnet", "addr_on", "{ \"vme7b9a73a1.0\" }").EnsureSuccess("nft delete element");
        Assert.Contains("+ nft element inet hostnet addr_on { vme7b9a73a1.0 }", HostnetCli.OnLab(m.Lab, "plan").Stdout, StringComparison.Ordinal);
        // trace shows the filter step on vm1's way out, missing, with its fix.
        var trace = HostnetCli.OnLab(m.Lab, "trace", Lab.ComputerXAddress, "--from-vm", "vm1");
        Assert.Equal(1, trace.ExitCode);
        Assert.Contains("nft element inet hostnet addr_on { vme7b9a73a1.0 } is missing", trace.Stdout, StringComparison.Ordinal);
        HostnetCli.Ok(m.Lab, "apply", "--no-probe");
        Assert.Contains("nft table inet hostnet holds vme7b9a73a1.0 with protections mac, addresses, arp, guards, server",
            HostnetCli.Ok(m.Lab, "trace", Lab.ComputerXAddress, "--from-vm", "vm1"), StringComparison.Ordinal);
        Sh.InNetns(m.Lab.ServerNs, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2").EnsureSuccess("sysctl");
        Assert.Empty(SpoofToX(m, m.Vm1, GuestMac(m, m.Vm1), m.Vme1Mac, FreeLanIp, RoutedIp));

        // vm1 moved live to the bridged network: its protections go with it, into the bridge's table.
        HostnetCli.Ok(m.Lab, "adapter", "set", "vm1", "net0", "--network", "Bridged", "--ip", RoutedIp + "/24", "--gateway", Lab.ServerAddress);
        Assert.Empty(SpoofToX(m, m.Vm1, GuestMac(m, m.Vm1), m.XMac, FreeLanIp, RoutedIp));
        Assert.Contains("vme7b9a73a1.0", Sh.InNetns(m.Lab.ServerNs, "nft", "list", "set", "bridge", "hostnet", "addr_on").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("vme7b9a73a1.0", Sh.InNetns(m.Lab.ServerNs, "nft", "list", "set", "inet", "hostnet", "addr_on").Stdout, StringComparison.Ordinal);

        // The last adapter gone, the tables go.
        HostnetCli.Ok(m.Lab, "vm", "stop", "vm1");
        HostnetCli.Ok(m.Lab, "vm", "stop", "vm3");
        Assert.DoesNotContain("hostnet", Sh.InNetns(m.Lab.ServerNs, "nft", "list", "tables").Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Frames a bridged guest must never put on a shared LAN, by destination: the IEEE 802.1 reserved group
    /// addresses (an STP BPDU, LACP, 802.1X, LLDP) and Cisco's (a DTP frame, a PVST+ BPDU), then the guest's
    /// own broadcast on port 9004; what the LAN side of the server's port saw of them once that one arrived.
    /// </summary>
    private static List<string> ReservedFramesOnLan(Mixed m)
    {
        var mac = GuestMac(m, m.Vm3);
        string[] reserved = ["01:80:c2:00:00:00", "01:80:c2:00:00:02", "01:80:c2:00:00:03", "01:80:c2:00:00:0e", "01:00:0c:cc:cc:cc", "01:00:0c:cc:cc:cd"];
        using var lan = new Capture(m.Lab.LanNs, "srv-port", string.Join(" or ", reserved.Select(r => "ether dst " + r)) + " or (udp and dst port 9004)");
        Send(m.Vm3, $"[Dot3(src='{mac}', dst='01:80:c2:00:00:00')/LLC()/STP(rootid=0, bridgeid=0),"
            + $" Ether(src='{mac}', dst='01:80:c2:00:00:02', type=0x8809)/Raw(b'\\x01\\x01' + b'\\x00' * 108),"
            + $" Ether(src='{mac}', dst='01:80:c2:00:00:03', type=0x888e)/EAPOL(version=1, type=1),"
            + $" Ether(src='{mac}', dst='01:80:c2:00:00:0e', type=0x88cc)/Raw(b'\\x02\\x07\\x04' + bytes(6) + b'\\x00\\x00'),"
            + $" Dot3(src='{mac}', dst='01:00:0c:cc:cc:cc')/LLC(dsap=0xaa, ssap=0xaa, ctrl=3)/SNAP(OUI=0x0c, code=0x2004)/Raw(b'\\x01' * 26),"
            + $" Dot3(src='{mac}', dst='01:00:0c:cc:cc:cd')/LLC(dsap=0xaa, ssap=0xaa, ctrl=3)/SNAP(OUI=0x0c, code=0x010b)/STP(rootid=0, bridgeid=0),"
            + $" Ether(src='{mac}', dst='ff:ff:ff:ff:ff:ff')/IP(src='{BridgedIp}', dst='192.168.200.255')/UDP(sport=4000, dport=9004)]");
        return lan.Until(".9004:").Where(l => reserved.Any(r => l.Contains("> " + r, StringComparison.Ordinal))).ToList();
    }

    [PrivilegedFact]
    public void A_bridged_guest_puts_no_bpdu_nor_other_reserved_link_frame_on_the_lan()
    {
        using var m = new Mixed();
        // As an admin who lets 802.1X and LLDP cross the bridge would (bits 3 and 14); STP is off on br1, so
        // the bridge floods BPDUs. LACP's address (02) the Linux bridge never forwards.
        Sh.Ip("-n", m.Lab.ServerNs, "link", "set", "br1", "type", "bridge", "group_fwd_mask", "0x4008");

        Assert.Empty(ReservedFramesOnLan(m));

        // Switched off, the same frames reach the LAN: the guard is what stopped them.
        HostnetCli.Ok(m.Lab, "adapter", "set", "vm3", "net0", "--no-protect", "guards");
        var through = ReservedFramesOnLan(m);
        foreach (var dst in new[] { "01:80:c2:00:00:00", "01:80:c2:00:00:03", "01:80:c2:00:00:0e", "01:00:0c:cc:cc:cc", "01:00:0c:cc:cc:cd" })
            Assert.Contains(through, l => l.Contains("> " + dst, StringComparison.Ordinal));
    }

    [PrivilegedFact]
    public void Watch_mends_a_flushed_ruleset_at_once_and_a_forged_packet_is_dropped_again()
    {
        using var m = new Mixed();
        Sh.InNetns(m.Lab.ServerNs, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2").EnsureSuccess("sysctl");
        // An hour between periodic resyncs: what mends the tables below is nf_tables' own announcement.
        using var watch = WatchTests.RunningWatch.Start(m.Lab, resyncSeconds: 3600);
        Assert.True(Eventually(() => HostnetCli.OnLab(m.Lab, "plan", "--exit-code").ExitCode == 0), watch.Report);

        Sh.InNetns(m.Lab.ServerNs, "nft", "flush", "ruleset").EnsureSuccess("nft flush ruleset");
        Assert.True(Eventually(() => Sh.InNetns(m.Lab.ServerNs, "nft", "list", "set", "inet", "hostnet", "addr4").Stdout
            .Replace("\"", "", StringComparison.Ordinal).Contains("vme7b9a73a1.0 . 192.168.200.201", StringComparison.Ordinal)), watch.Report);
        Assert.True(Eventually(() => HostnetCli.OnLab(m.Lab, "plan", "--exit-code").ExitCode == 0), watch.Report);
        var tables = Sh.InNetns(m.Lab.ServerNs, "nft", "list", "tables").Stdout;
        Assert.Contains("table bridge hostnet", tables, StringComparison.Ordinal);
        Assert.Contains("table arp hostnet", tables, StringComparison.Ordinal);
        Assert.Empty(SpoofToX(m, m.Vm1, GuestMac(m, m.Vm1), m.Vme1Mac, FreeLanIp, RoutedIp));
        Assert.Empty(SpoofToX(m, m.Vm3, GuestMac(m, m.Vm3), m.XMac, FreeLanIp, BridgedIp));

        // One element deleted by hand is mended the same way.
        Sh.InNetns(m.Lab.ServerNs, "nft", "delete", "element", "bridge", "hostnet", "addr_on", "{ \"vme00000003.0\" }").EnsureSuccess("nft delete element");
        Assert.True(Eventually(() => Sh.InNetns(m.Lab.ServerNs, "nft", "list", "set", "bridge", "hostnet", "addr_on").Stdout
            .Contains("vme00000003.0", StringComparison.Ordinal)), watch.Report);
        Assert.Empty(SpoofToX(m, m.Vm3, GuestMac(m, m.Vm3), m.XMac, FreeLanIp, BridgedIp));

        Assert.Contains("kernel change: applied", watch.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("periodic", watch.Out, StringComparison.Ordinal);
        Assert.Equal(0, watch.Stop());
        Assert.Equal("", watch.Err);
    }

    /// <summary>Polls <paramref name="condition"/> for up to a minute: a generous bound, not a measured duration.</summary>
    private static bool Eventually(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (condition()) return true;
            Thread.Sleep(200);
        }
        return condition();
    }
}

using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// Tenant isolation seen from real QEMU guests (a routed and a bridged one, booted as in
/// <see cref="QemuGuestTests"/>): each guest's own kernel and busybox try to speak as someone else
/// — an address it does not own, an ARP claim for the server's address — and computer X's tcpdump
/// and neighbour table are the observers. Each forged packet is followed by the same guest's real
/// one on the same path: the real one arriving while the forged one did not is the proof. The
/// protections are then switched off and the same attacks get through, so the observers can see them.
/// </summary>
public sealed class QemuIsolationTests(ITestOutputHelper output)
{
    private const string RoutedIp = "192.168.200.201";
    private const string BridgedIp = "192.168.200.203";
    private const string FreeLanIp = "192.168.200.250";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private static void GuestOk(QemuGuest guest, string command, string who)
    {
        var r = guest.Exec(command, CommandTimeout);
        Assert.True(r.ExitCode == 0, $"{who} guest: `{command}` exited {r.ExitCode}:\n{r.Output}");
    }

    /// <summary>
    /// With computer X capturing <paramref name="filter"/>: the guest runs <paramref name="attack"/>, then pings X from
    /// <paramref name="ownIp"/>, which must be answered. The lines X saw up to that ping's request.
    /// </summary>
    private static IReadOnlyList<string> AttackThenPing(Lab lab, QemuGuest guest, string attack, string ownIp, string filter, string who)
    {
        using var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", filter);
        var forged = guest.Exec(attack, CommandTimeout);
        var real = guest.Exec($"ping -c 1 -W 5 -I {ownIp} {Lab.ComputerXAddress}", CommandTimeout);
        Assert.True(real.ExitCode == 0, $"{who} guest: ping from {ownIp} after `{attack}` (exit {forged.ExitCode}: {forged.Output.Trim()}) exited {real.ExitCode}:\n{real.Output}");
        return x.Until($": {ownIp} > {Lab.ComputerXAddress}: ICMP echo request");
    }

    private static string ForgedPing(string address) => $"ping -c 1 -W 2 -I {address} {Lab.ComputerXAddress}";

    // busybox arping binds its probe socket to the source it is given: an address the guest does not own needs
    // ip_nonlocal_bind. -U: the requests name 192.168.200.1 at the guest's MAC as their sender, which updates
    // an existing entry for 192.168.200.1 on every host that hears them.
    private const string ArpClaim = "echo 1 >/proc/sys/net/ipv4/ip_nonlocal_bind && arping -U -c 2 -s " + Lab.ServerAddress + " -I eth0 " + Lab.ComputerXAddress;

    [PrivilegedFact]
    public void Qemu_guests_cannot_send_from_an_address_they_do_not_own_nor_claim_the_servers_address_in_arp()
    {
        using var lab = Lab.Create(prefix: "hnqem");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        // The UUIDs of QemuGuestTests: the same MACs on every run.
        HostnetCli.Ok(lab, "vm", "add", "qr", "--guest", "tap", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        HostnetCli.Ok(lab, "adapter", "add", "qr", "--network", "Routed", "--ip", RoutedIp);
        HostnetCli.Ok(lab, "vm", "add", "qb", "--guest", "tap", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097");
        HostnetCli.Ok(lab, "adapter", "add", "qb", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ServerAddress);
        HostnetCli.Ok(lab, "vm", "start", "qb");
        HostnetCli.Ok(lab, "vm", "start", "qr");
        // What distributions and other tools set: loose reverse-path filtering lets a routed guest's forged
        // source through unless Hostnet's own rule stops it.
        Sh.InNetns(lab.ServerNs, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2").EnsureSuccess("sysctl");

        var routedPlan = QemuGuestTests.PlanFor(lab, "qr");
        var bridgedPlan = QemuGuestTests.PlanFor(lab, "qb");
        var serverMacs = new[] { Lab.Mac(lab.ServerNs, "eth0"), Lab.Mac(lab.ServerNs, "br1") };

        QemuGuest? routed = null, bridged = null;
        try
        {
            (routed, bridged) = QemuGuestTests.BootBoth(output, lab, routedPlan, bridgedPlan);

            // Both guests work, and computer X knows the server's MAC for 192.168.200.1.
            QemuGuestTests.LanPings(lab, RoutedIp, "routed");
            QemuGuestTests.LanPings(lab, BridgedIp, "bridged");
            QemuGuestTests.GuestPings(routed, Lab.ComputerXAddress, "routed");
            QemuGuestTests.GuestPings(bridged, Lab.ComputerXAddress, "bridged");
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Lab.ServerAddress));
            var xServerEntry = Lab.NeighborMac(lab.ComputerXNs, Lab.ServerAddress);
            Assert.NotNull(xServerEntry);
            Assert.Contains(xServerEntry, serverMacs);

            // The routed guest takes a free LAN address and pings X from it: nothing from that address reaches X.
            GuestOk(routed, $"ip addr add {FreeLanIp}/32 dev eth0", "routed");
            var seen = AttackThenPing(lab, routed, ForgedPing(FreeLanIp), RoutedIp, "icmp", "routed");
            Assert.DoesNotContain(seen, l => l.Contains($": {FreeLanIp} >", StringComparison.Ordinal));

            // The bridged guest takes the routed VM's address and pings X from it: nothing from it reaches X.
            GuestOk(bridged, $"ip addr add {RoutedIp}/32 dev eth0", "bridged");
            seen = AttackThenPing(lab, bridged, ForgedPing(RoutedIp), BridgedIp, "icmp", "bridged");
            Assert.DoesNotContain(seen, l => l.Contains($": {RoutedIp} >", StringComparison.Ordinal));
            // Given back, so that only the routed guest answers for it again.
            GuestOk(bridged, $"ip addr del {RoutedIp}/32 dev eth0", "bridged");

            // The bridged guest claims the server's address in ARP: no such claim reaches X (the server's own
            // requests name it too, from the server's MAC), and X's entry for the server is unchanged.
            bool ForgedClaim(string l) =>
                (l.Contains($"tell {Lab.ServerAddress},", StringComparison.Ordinal) || l.Contains($"{Lab.ServerAddress} is-at", StringComparison.Ordinal))
                && !serverMacs.Any(mac => l.Contains(mac + " >", StringComparison.Ordinal));
            seen = AttackThenPing(lab, bridged, ArpClaim, BridgedIp, "arp or icmp", "bridged");
            Assert.DoesNotContain(seen, ForgedClaim);
            Assert.Equal(xServerEntry, Lab.NeighborMac(lab.ComputerXNs, Lab.ServerAddress));

            // Switched off, the same attacks get through: the filters are what stopped them.
            HostnetCli.Ok(lab, "adapter", "set", "qr", "net0", "--no-protect", "addresses");
            seen = AttackThenPing(lab, routed, ForgedPing(FreeLanIp), RoutedIp, "icmp", "routed");
            Assert.Contains(seen, l => l.Contains($": {FreeLanIp} > {Lab.ComputerXAddress}: ICMP echo request", StringComparison.Ordinal));

            HostnetCli.Ok(lab, "adapter", "set", "qb", "net0", "--no-protect", "arp");
            seen = AttackThenPing(lab, bridged, ArpClaim, BridgedIp, "arp or icmp", "bridged");
            Assert.Contains(seen, ForgedClaim);
            // The kernel keeps an entry younger than its locktime (1 s) as it is: the claim is made again until it lands.
            for (var i = 0; i < 10 && Lab.NeighborMac(lab.ComputerXNs, Lab.ServerAddress) != bridgedPlan.Mac; i++)
            {
                GuestOk(bridged, ArpClaim, "bridged");
            }
            Assert.Equal(bridgedPlan.Mac, Lab.NeighborMac(lab.ComputerXNs, Lab.ServerAddress));
        }
        finally
        {
            foreach (var g in new[] { routed, bridged })
            {
                if (g is null) continue;
                g.Dispose();
                output.WriteLine("guest console:\n" + g.Transcript + (g.QemuStderr.Length > 0 ? "qemu stderr:\n" + g.QemuStderr : ""));
            }
        }
    }
}

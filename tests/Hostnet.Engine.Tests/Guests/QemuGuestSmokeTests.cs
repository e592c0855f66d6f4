using System.Diagnostics;
using System.Globalization;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Engine.Tests.Guests;

/// <summary>
/// Proves the test guest itself: a real QEMU guest on a hand-made persistent
/// tap, wired the host-routed way (gateway /32 and proxy ARP on the tap, a /32
/// route to the guest), all inside a network namespace this test creates.
/// </summary>
public sealed class QemuGuestSmokeTests(ITestOutputHelper output)
{
    private const string Gateway = "169.255.30.1";
    private const string GuestAddress = "192.168.200.201";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    [PrivilegedFact]
    public void Routed_guest_on_a_tap_pings_its_gateway_and_the_server_pings_the_guest()
    {
        var total = Stopwatch.StartNew();
        var suffix = Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture);
        var ns = "hn-guest-" + suffix;
        // A name of Hostnet's own shape (vme%08x.%d, bit 31 clear): the dot matters for /proc/sys paths.
        var tap = "vme" + (Random.Shared.Next() & 0x7fffffff).ToString("x8", CultureInfo.InvariantCulture) + ".0";
        QemuGuest? guest = null;
        NamespaceClaims.Claim(ns);
        Sh.Ip("netns", "add", ns);
        try
        {
            Sh.Ip("-n", ns, "link", "set", "lo", "up");
            Sh.Ip("-n", ns, "tuntap", "add", "dev", tap, "mode", "tap", "vnet_hdr");
            Sh.Ip("-n", ns, "addr", "add", Gateway + "/32", "dev", tap);
            Sh.Ip("-n", ns, "link", "set", tap, "up");
            Sh.InNetns(ns, "sh", "-c", $"echo 1 > /proc/sys/net/ipv4/conf/{tap}/proxy_arp").EnsureSuccess("proxy_arp");
            Sh.Ip("-n", ns, "route", "add", GuestAddress + "/32", "dev", tap, "scope", "link");

            guest = QemuGuest.Start(
                ns,
                ["-netdev", $"tap,id=net0,ifname={tap},script=no,downscript=no",
                 "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56"],
                $"hn.ip0={GuestAddress}/32 hn.gw0={Gateway} hn.onlink0=1",
                TimeSpan.FromSeconds(60));
            output.WriteLine($"guest boot to ready marker: {guest.BootTime.TotalSeconds:F2} s");

            var ping = guest.Exec($"ping -c 1 -W 2 {Gateway}", CommandTimeout);
            Assert.True(ping.ExitCode == 0, $"guest ping {Gateway} exited {ping.ExitCode}:\n{ping.Output}");
            Assert.Contains("1 packets received", ping.Output, StringComparison.Ordinal);

            var routes = guest.Run("ip route", CommandTimeout);
            Assert.Contains($"default via {Gateway} dev eth0", routes, StringComparison.Ordinal);
            Assert.Contains($"{Gateway} dev eth0 scope link", routes, StringComparison.Ordinal);

            var addrs = guest.Run("ip addr show dev eth0", CommandTimeout);
            Assert.Contains($"inet {GuestAddress}/32", addrs, StringComparison.Ordinal);
            Assert.Contains("52:54:00:12:34:56", addrs, StringComparison.Ordinal);

            var neigh = guest.Exec("ip neigh show", CommandTimeout);
            Assert.Equal(0, neigh.ExitCode);
            Assert.Contains(Gateway, neigh.Output, StringComparison.Ordinal);

            var fail = guest.Exec("false", CommandTimeout);
            Assert.Equal(1, fail.ExitCode);

            var back = Sh.InNetns(ns, "ping", "-c", "1", "-W", "2", GuestAddress);
            Assert.True(back.ExitCode == 0, $"server ping {GuestAddress} exited {back.ExitCode}: {back.Stdout}{back.Stderr}");

            var serverNeigh = Sh.Ip("-n", ns, "neigh", "show", "dev", tap);
            Assert.Contains($"{GuestAddress} lladdr 52:54:00:12:34:56", serverNeigh, StringComparison.Ordinal);
        }
        finally
        {
            if (guest is not null)
            {
                guest.Dispose();
                output.WriteLine("guest console:\n" + guest.Transcript);
            }
            NamespaceClaims.Release(ns);
            output.WriteLine($"total test time: {total.Elapsed.TotalSeconds:F2} s");
        }
    }
}

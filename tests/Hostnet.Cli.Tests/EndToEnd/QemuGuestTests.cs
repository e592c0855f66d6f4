using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// Real QEMU guests on the taps Hostnet makes: a host-routed and a bridged VM on one lab server,
/// each started with exactly what <c>hostnet vm qemu-args</c> prints, inside the server's namespace,
/// and configured from the guest-side settings it prints. Observed with ping, <c>ip neigh</c> and
/// <c>ip route</c> in the lab's namespaces and inside the guests.
/// </summary>
public sealed class QemuGuestTests(ITestOutputHelper output)
{
    private const string RoutedIp = "192.168.200.201";
    private const string BridgedIp = "192.168.200.203";
    private const string RoutedGateway = "169.255.30.1";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    // A TCG guest on a loaded two-core machine answers late: one ping, but waited for generously.
    private const int PingWaitSeconds = 5;

    /// <summary>What <c>vm qemu-args</c> says about a VM with one adapter, turned into QEMU's and the test guest's terms.</summary>
    internal sealed record GuestPlan(IReadOnlyList<string> QemuArgs, string KernelParams, string Tap, string Mac);

    internal static GuestPlan PlanFor(Lab lab, string vm)
    {
        var args = HostnetCli.Ok(lab, "vm", "qemu-args", vm, "--args-only").Trim();
        Assert.DoesNotContain('\n', args);
        var plain = HostnetCli.Ok(lab, "vm", "qemu-args", vm);
        Assert.Equal(args, plain.Split('\n')[0]);

        using var doc = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "vm", "qemu-args", vm));
        var root = doc.RootElement;
        Assert.Equal(args.Split(' '), root.GetProperty("qemuArgs").EnumerateArray().Select(e => e.GetString()!));
        var adapter = Assert.Single(root.GetProperty("adapters").EnumerateArray().ToList());

        // The test guest's kernel command line contract (tests/guest/init): hn.ipN, hn.gwN, hn.onlinkN.
        var address = Assert.Single(adapter.GetProperty("addresses").EnumerateArray().ToList()).GetString()!;
        var kernelParams = "hn.ip0=" + address;
        if (adapter.GetProperty("gateway").GetString() is { } gw) kernelParams += " hn.gw0=" + gw;
        if (adapter.GetProperty("onLinkGateway").GetBoolean()) kernelParams += " hn.onlink0=1";
        return new GuestPlan(args.Split(' '), kernelParams, adapter.GetProperty("hostInterface").GetString()!, adapter.GetProperty("mac").GetString()!);
    }

    private static QemuGuest Boot(ITestOutputHelper output, Lab lab, GuestPlan plan)
    {
        var guest = QemuGuest.Start(lab.ServerNs, plan.QemuArgs, plan.KernelParams, BootTimeout);
        output.WriteLine($"{plan.Tap}: boot {guest.BootTime.TotalSeconds:F2} s");
        return guest;
    }

    /// <summary>Boots both guests at once (each one QEMU vCPU thread): one boot's wall time instead of two.</summary>
    internal static (QemuGuest Routed, QemuGuest Bridged) BootBoth(ITestOutputHelper output, Lab lab, GuestPlan routed, GuestPlan bridged)
    {
        var r = Task.Run(() => Boot(output, lab, routed));
        var b = Task.Run(() => Boot(output, lab, bridged));
        try
        {
            Task.WaitAll(r, b);
        }
        catch (AggregateException)
        {
            if (r.IsCompletedSuccessfully) r.Result.Dispose();
            if (b.IsCompletedSuccessfully) b.Result.Dispose();
            throw;
        }
        return (r.Result, b.Result);
    }

    internal static void GuestPings(QemuGuest guest, string address, string who)
    {
        var r = guest.Exec($"ping -c 1 -W {PingWaitSeconds} {address}", CommandTimeout);
        Assert.True(r.ExitCode == 0, $"{who} guest: ping {address} exited {r.ExitCode}:\n{r.Output}");
    }

    internal static void LanPings(Lab lab, string address, string who) =>
        Assert.True(Lab.Ping(lab.ComputerXNs, address, PingWaitSeconds) is not null, $"computer X gets no answer from the {who} guest at {address}");

    private static bool LinkExists(Lab lab, string dev) =>
        Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", dev]).ExitCode == 0;

    [PrivilegedFact]
    public void Routed_and_bridged_qemu_guests_on_one_server_reach_the_lan_and_each_other_across_a_qemu_restart()
    {
        var total = Stopwatch.StartNew();
        using var lab = Lab.Create();
        var serverMac = Lab.Mac(lab.ServerNs, "eth0");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        // Fixed UUIDs, so that every run is the same run. qb's first adapter is the one whose generated MAC began
        // with fe (its tap's own MAC) before generation kept the first byte off fe: with a random UUID, one run
        // in 64 had a bridged guest that computer X could not reach.
        HostnetCli.Ok(lab, "vm", "add", "qr", "--guest", "tap", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        HostnetCli.Ok(lab, "adapter", "add", "qr", "--network", "Routed", "--ip", RoutedIp);
        HostnetCli.Ok(lab, "vm", "add", "qb", "--guest", "tap", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097");
        HostnetCli.Ok(lab, "adapter", "add", "qb", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ServerAddress);
        // Bridged first: starting the first bridged VM while a routed one runs is refused by the probe
        // ("arp probe dev br1: No such device") — the routed address is probed on br1 before br1 exists.
        HostnetCli.Ok(lab, "vm", "start", "qb");
        HostnetCli.Ok(lab, "vm", "start", "qr");
        output.WriteLine($"lab and hostnet: {total.Elapsed.TotalSeconds:F2} s");

        var routedPlan = PlanFor(lab, "qr");
        var bridgedPlan = PlanFor(lab, "qb");
        Assert.Equal($"hn.ip0={RoutedIp}/32 hn.gw0={RoutedGateway} hn.onlink0=1", routedPlan.KernelParams);
        Assert.Equal($"hn.ip0={BridgedIp}/24 hn.gw0={Lab.ServerAddress}", bridgedPlan.KernelParams);
        var routedTapMac = Lab.Mac(lab.ServerNs, routedPlan.Tap);
        Assert.StartsWith("fe:", routedTapMac, StringComparison.Ordinal);
        var bridgedTapMac = Lab.Mac(lab.ServerNs, bridgedPlan.Tap);
        Assert.Equal("fe:1e:b7:92:67:7a", bridgedTapMac);
        Assert.Equal(":1e:b7:92:67:7a", bridgedPlan.Mac[2..]);
        Assert.NotEqual(bridgedTapMac, bridgedPlan.Mac);

        QemuGuest? routed = null, bridged = null;
        try
        {
            (routed, bridged) = BootBoth(output, lab, routedPlan, bridgedPlan);

            // Computer X reaches both: the routed VM through the server's MAC, the bridged one with its own.
            LanPings(lab, RoutedIp, "routed");
            LanPings(lab, BridgedIp, "bridged");
            Assert.Equal(serverMac, Lab.NeighborMac(lab.ComputerXNs, RoutedIp));
            Assert.Equal(bridgedPlan.Mac, Lab.NeighborMac(lab.ComputerXNs, BridgedIp));

            // The guests reach computer X and each other.
            GuestPings(routed, Lab.ComputerXAddress, "routed");
            GuestPings(routed, BridgedIp, "routed");
            GuestPings(bridged, Lab.ComputerXAddress, "bridged");
            GuestPings(bridged, RoutedIp, "bridged");

            // The routed guest resolves its gateway to the host end of its tap (proxy ARP on the vme).
            var neigh = routed.Run($"ip neigh show {RoutedGateway}", CommandTimeout);
            Assert.Contains($"lladdr {routedTapMac}", neigh, StringComparison.Ordinal);

            // QEMU goes away and comes back on the same persistent taps: connectivity returns without an apply.
            var restart = Stopwatch.StartNew();
            routed.Dispose();
            bridged.Dispose();
            routed = bridged = null;
            Assert.True(LinkExists(lab, routedPlan.Tap), $"{routedPlan.Tap} went away with QEMU");
            Assert.True(LinkExists(lab, bridgedPlan.Tap), $"{bridgedPlan.Tap} went away with QEMU");
            (routed, bridged) = BootBoth(output, lab, routedPlan, bridgedPlan);
            LanPings(lab, RoutedIp, "restarted routed");
            LanPings(lab, BridgedIp, "restarted bridged");
            GuestPings(routed, BridgedIp, "restarted routed");
            GuestPings(bridged, RoutedIp, "restarted bridged");
            output.WriteLine($"restart of both guests to connectivity: {restart.Elapsed.TotalSeconds:F2} s");
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

            // vm stop while QEMU still holds the taps: the taps go, and nothing routed stays behind.
            HostnetCli.Ok(lab, "vm", "stop", "qr");
            HostnetCli.Ok(lab, "vm", "stop", "qb");
            Assert.False(routed.HasExited, "QEMU of the routed guest exited");
            Assert.False(bridged.HasExited, "QEMU of the bridged guest exited");
            Assert.False(LinkExists(lab, routedPlan.Tap), $"{routedPlan.Tap} is still there after vm stop");
            Assert.False(LinkExists(lab, bridgedPlan.Tap), $"{bridgedPlan.Tap} is still there after vm stop");
            Assert.DoesNotContain(RoutedIp, Sh.Ip("-n", lab.ServerNs, "route", "show", "table", "all"), StringComparison.Ordinal);
            Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
            Assert.Null(Lab.Ping(lab.ComputerXNs, RoutedIp, waitSeconds: 1, attempts: 1));
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
        }
        finally
        {
            foreach (var g in new[] { routed, bridged })
            {
                if (g is null) continue;
                g.Dispose();
                output.WriteLine("guest console:\n" + g.Transcript + (g.QemuStderr.Length > 0 ? "qemu stderr:\n" + g.QemuStderr : ""));
            }
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F2} s");
        }
    }

    /// <summary>
    /// The forms of <c>vm qemu-args</c> against a state directory only (no kernel): the libvirt elements
    /// are valid in a domain by libvirt's own schema, and the errors are one line and exit 1.
    /// </summary>
    [ToolFact("virt-xml-validate")]
    public void Qemu_args_in_libvirt_form_are_valid_interface_elements_of_a_domain()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hn-qemu-args-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string Ok(params string[] args)
            {
                var r = HostnetCli.Run(["--state-dir", dir, .. args]);
                Assert.True(r.ExitCode == 0, $"hostnet {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
                return r.Stdout;
            }
            Ok("network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
            Ok("network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
            Ok("vm", "add", "vm1", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
            Ok("adapter", "add", "vm1", "--network", "Routed", "--ip", RoutedIp, "--mac", "92:43:91:09:ad:87");
            Ok("adapter", "add", "vm1", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ServerAddress, "--mac", "02:00:00:00:02:03");

            Assert.Equal(
                "-netdev tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=92:43:91:09:ad:87 "
                + "-netdev tap,id=net1,ifname=vme7b9a73a1.1,script=no,downscript=no -device virtio-net-pci,netdev=net1,mac=02:00:00:00:02:03\n",
                Ok("vm", "qemu-args", "vm1", "--args-only"));
            var plain = Ok("vm", "qemu-args", "vm1");
            Assert.Contains($"  ip route add {RoutedGateway} dev eth0 scope link\n", plain, StringComparison.Ordinal);
            Assert.Contains($"  ip route add default via {RoutedGateway} dev eth0\n", plain, StringComparison.Ordinal);
            Assert.Contains($"  ip addr add {BridgedIp}/24 dev eth1\n", plain, StringComparison.Ordinal);
            Assert.Contains($"  ip route add default via {Lab.ServerAddress} dev eth1 metric 1\n", plain, StringComparison.Ordinal);

            var interfaces = Ok("vm", "qemu-args", "vm1", "--libvirt");
            Assert.Contains("<target dev='vme7b9a73a1.1' managed='no'/>", interfaces, StringComparison.Ordinal);
            var domain = Path.Combine(dir, "domain.xml");
            File.WriteAllText(domain,
                "<domain type='kvm'>\n  <name>vm1</name>\n  <memory unit='MiB'>128</memory>\n  <os><type>hvm</type></os>\n"
                + "  <devices>\n" + interfaces + "  </devices>\n</domain>\n");
            var valid = Sh.Run("virt-xml-validate", [domain, "domain"]);
            Assert.True(valid.ExitCode == 0, $"virt-xml-validate exited {valid.ExitCode}: {valid.Stderr}{valid.Stdout}\n{File.ReadAllText(domain)}");

            var both = HostnetCli.Run(["--state-dir", dir, "--json", "vm", "qemu-args", "vm1", "--libvirt"]);
            Assert.Equal(1, both.ExitCode);
            Assert.StartsWith("hostnet: error: ", both.Stderr, StringComparison.Ordinal);
            Ok("vm", "add", "ns1", "--guest", "netns");
            var netns = HostnetCli.Run(["--state-dir", dir, "vm", "qemu-args", "ns1"]);
            Assert.Equal((1, ""), (netns.ExitCode, netns.Stdout));
            Assert.Equal("hostnet: error: VM ns1 is a netns:hostnet-ns1 guest, not a QEMU guest: its adapters are veth pairs that Hostnet configures itself\n", netns.Stderr);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A fact that needs an external tool on PATH: skipped with a reason where it is missing, never under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var found = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, tool)));
        if (!found && !Privilege.IsCi) Skip = string.Create(CultureInfo.InvariantCulture, $"needs {tool} on PATH; runs under CI=true");
    }
}

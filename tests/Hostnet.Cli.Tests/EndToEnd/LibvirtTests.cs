using System.Diagnostics;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// libvirt starts Hostnet's VMs networked: a real libvirtd of the test's own (<see cref="LibvirtDaemon"/>) in
/// a lab's server namespace, with Hostnet's hook installed by <c>hostnet libvirt install-hook --hooks-dir</c>,
/// and domains defined with the interfaces <c>hostnet vm qemu-args --libvirt</c> prints. A plain
/// <c>virsh start</c> and <c>virsh destroy</c>, no <c>hostnet vm start|stop</c>; observed with ping from
/// computer X and with ip in the server's namespace.
/// </summary>
public sealed class LibvirtTests(ITestOutputHelper output)
{
    private const string RoutedIp = "192.168.200.201";
    private const string BridgedIp = "192.168.200.203";
    private const string TakenIp = "192.168.200.77";
    private static readonly Guid RoutedUuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-0000000000a1");
    private static readonly Guid BridgedUuid = Guid.Parse("5e1ec7ed-0000-4000-8000-0000000000a2");
    private static readonly Guid TakenUuid = Guid.Parse("3a7e0000-0000-4000-8000-0000000000a3");
    private static readonly TimeSpan DaemonTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);

    private static bool LinkExists(Lab lab, string dev) =>
        Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", dev]).ExitCode == 0;

    private static string DomainXml(Lab lab, LibvirtDaemon libvirt, string vm, Guid uuid)
    {
        var plan = QemuGuestTests.PlanFor(lab, vm);
        return libvirt.DomainXml(vm, uuid, plan.KernelParams, HostnetCli.Ok(lab, "vm", "qemu-args", vm, "--libvirt"));
    }

    [LibvirtFact]
    public void Virsh_start_brings_routed_and_bridged_guests_up_virsh_destroy_takes_their_networking_away_and_an_address_in_use_refuses_the_domain()
    {
        var total = Stopwatch.StartNew();
        using var lab = Lab.Create(prefix: "hnlv");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "lr", "--uuid", RoutedUuid.ToString());
        HostnetCli.Ok(lab, "adapter", "add", "lr", "--network", "Routed", "--ip", RoutedIp);
        HostnetCli.Ok(lab, "vm", "add", "lb", "--uuid", BridgedUuid.ToString());
        HostnetCli.Ok(lab, "adapter", "add", "lb", "--network", "Bridged", "--ip", BridgedIp + "/24", "--gateway", Lab.ServerAddress);
        HostnetCli.Ok(lab, "vm", "add", "lx", "--uuid", TakenUuid.ToString());
        HostnetCli.Ok(lab, "adapter", "add", "lx", "--network", "Routed", "--ip", TakenIp);
        // Computer X already answers for lx's address.
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", TakenIp + "/24", "dev", "eth0");

        var machine = LibvirtDaemon.MachinePaths();
        using (var libvirt = LibvirtDaemon.Create(lab.Prefix))
        {
            Run(lab, libvirt, total);
        }
        output.WriteLine($"total: {total.Elapsed.TotalSeconds:F2} s");
        // Nothing of the machine's own libvirt was made, written or removed.
        Assert.Equal(machine, LibvirtDaemon.MachinePaths());
    }

    private void Run(Lab lab, LibvirtDaemon libvirt, Stopwatch total)
    {
        try
        {
            var installed = HostnetCli.Ok(lab, "libvirt", "install-hook", "--hooks-dir", libvirt.HooksDir);
            var hook = Path.Combine(libvirt.HooksDir, "qemu.d", "hostnet");
            Assert.StartsWith($"wrote {hook} (runs ", installed, StringComparison.Ordinal);
            Assert.Contains($" --netns {lab.ServerNs} --state-dir {lab.StateDir} libvirt hook DOMAIN OPERATION SUBOPERATION EXTRA)\n", installed, StringComparison.Ordinal);
            libvirt.Start(lab.ServerNs, DaemonTimeout);
            output.WriteLine($"lab, hostnet and libvirtd: {total.Elapsed.TotalSeconds:F2} s");

            libvirt.Define("lr", DomainXml(lab, libvirt, "lr", RoutedUuid));
            libvirt.Define("lb", DomainXml(lab, libvirt, "lb", BridgedUuid));
            libvirt.Define("lx", DomainXml(lab, libvirt, "lx", TakenUuid));
            var routedTap = QemuGuestTests.PlanFor(lab, "lr").Tap;
            var bridgedTap = QemuGuestTests.PlanFor(lab, "lb").Tap;
            var takenTap = QemuGuestTests.PlanFor(lab, "lx").Tap;
            Assert.False(LinkExists(lab, routedTap), $"{routedTap} exists before its domain starts");

            // Bridged first: the first bridged start makes br1, which then is the routed VMs' L3 uplink.
            libvirt.Virsh("start", "lb").EnsureSuccess("virsh start lb");
            libvirt.Virsh("start", "lr").EnsureSuccess("virsh start lr");
            Assert.Matches(@"(?m)^lr +\S+ +tap +running +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
            Assert.Matches(@"(?m)^lb +\S+ +tap +running +net0=Bridged", HostnetCli.Ok(lab, "vm", "list"));
            libvirt.WaitForGuest("lb", BootTimeout);
            libvirt.WaitForGuest("lr", BootTimeout);
            output.WriteLine($"both domains up: {total.Elapsed.TotalSeconds:F2} s");

            QemuGuestTests.LanPings(lab, RoutedIp, "routed");
            QemuGuestTests.LanPings(lab, BridgedIp, "bridged");
            Assert.Equal(Lab.Mac(lab.ServerNs, "eth0"), Lab.NeighborMac(lab.ComputerXNs, RoutedIp));
            Assert.Contains($"{RoutedIp} dev br1", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

            // virsh destroy: libvirt's release hook stops the networking, as vm stop does.
            libvirt.Virsh("destroy", "lr").EnsureSuccess("virsh destroy lr");
            libvirt.Virsh("destroy", "lb").EnsureSuccess("virsh destroy lb");
            Assert.False(LinkExists(lab, routedTap), $"{routedTap} is still there after virsh destroy");
            Assert.False(LinkExists(lab, bridgedTap), $"{bridgedTap} is still there after virsh destroy");
            Assert.DoesNotContain(RoutedIp, Sh.Ip("-n", lab.ServerNs, "route", "show", "table", "all"), StringComparison.Ordinal);
            Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
            Assert.Matches(@"(?m)^lr +\S+ +tap +stopped +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
            Assert.Matches(@"(?m)^lb +\S+ +tap +stopped +net0=Bridged", HostnetCli.Ok(lab, "vm", "list"));
            Assert.Null(Lab.Ping(lab.ComputerXNs, RoutedIp, waitSeconds: 1, attempts: 1));
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);

            // An address that answers on the LAN: libvirt refuses the domain and says Hostnet's line.
            var refused = libvirt.Virsh("start", "lx");
            output.WriteLine("virsh start lx: " + refused.Stderr);
            Assert.NotEqual(0, refused.ExitCode);
            var line = HostnetCli.OnLab(lab, "vm", "start", "lx");
            Assert.Equal(1, line.ExitCode);
            Assert.StartsWith("hostnet: error: ", line.Stderr, StringComparison.Ordinal);
            Assert.Contains(line.Stderr.Trim(), refused.Stderr, StringComparison.Ordinal);
            Assert.Contains(TakenIp, line.Stderr, StringComparison.Ordinal);
            Assert.Equal("shut off", libvirt.Virsh("domstate", "lx").EnsureSuccess("virsh domstate lx").Stdout.Trim());
            Assert.False(LinkExists(lab, takenTap), $"{takenTap} was made for a refused domain");
            Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
            Assert.Matches(@"(?m)^lx +\S+ +tap +stopped +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + libvirt.Diagnostics(), e);
        }
    }

    /// <summary>The hook as libvirt runs it, twice each: <c>prepare begin</c> starts the VM once, <c>release end</c> stops it once, nothing on stdout.</summary>
    [PrivilegedFact]
    public void The_hook_starts_and_stops_a_vm_idempotently()
    {
        using var lab = Lab.Create(prefix: "hnlv");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "lr", "--uuid", RoutedUuid.ToString());
        HostnetCli.Ok(lab, "adapter", "add", "lr", "--network", "Routed", "--ip", RoutedIp);
        var tap = QemuGuestTests.PlanFor(lab, "lr").Tap;
        // Another name: the UUID decides. The interface libvirt opens is a Hostnet tap: the domain is Hostnet's.
        var xml = $"<domain type='qemu' id='7'><name>web</name><uuid>{RoutedUuid}</uuid><devices>{HostnetInterface(tap)}</devices></domain>\n";

        ShResult Hook(string operation, string subOperation) =>
            HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "libvirt", "hook", "web", operation, subOperation, "-"], stdin: xml);

        for (var i = 0; i < 2; i++)
        {
            using (var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", $"arp or (udp and dst port {MarkerPort})"))
            {
                Assert.Equal(new ShResult(0, "", ""), Hook("prepare", "begin"));
                // A plain start tells the LAN at once; the second finds it started and sends nothing.
                Assert.Equal(i == 0 ? 1 : 0, Garps(x, lab, RoutedIp).Count);
            }
            Assert.True(LinkExists(lab, tap), $"{tap} is missing after prepare begin #{i + 1}");
            Assert.Contains(RoutedIp + " dev eth0", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
            Assert.Matches(@"(?m)^lr +\S+ +tap +running +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
        }
        // libvirt restarted, QEMU attached: nothing changes.
        var before = Sh.Ip("-n", lab.ServerNs, "-d", "link", "show", "dev", tap);
        Assert.Equal(new ShResult(0, "", ""), Hook("reconnect", "begin"));
        Assert.Equal(new ShResult(0, "", ""), Hook("attach", "begin"));
        Assert.Equal(before, Sh.Ip("-n", lab.ServerNs, "-d", "link", "show", "dev", tap));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(new ShResult(0, "", ""), Hook("release", "end"));
            Assert.False(LinkExists(lab, tap), $"{tap} is still there after release end #{i + 1}");
            Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
            Assert.Matches(@"(?m)^lr +\S+ +tap +stopped +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
        }
    }

    /// <summary>The port of the marker packet that tells a capture on computer X that everything sent before it has arrived.</summary>
    internal const int MarkerPort = 9011;

    /// <summary>An <c>&lt;interface&gt;</c> as <c>hostnet vm qemu-args --libvirt</c> prints it, for the tap <paramref name="tap"/>.</summary>
    internal static string HostnetInterface(string tap) => $"<interface type='ethernet'><target dev='{tap}' managed='no'/></interface>";

    /// <summary>
    /// The gratuitous ARPs for <paramref name="address"/> computer X has seen: a marker packet from the server goes the
    /// same way after whatever the server sent before, so once it is there, every announcement sent before it is too.
    /// </summary>
    internal static List<string> Garps(IsolationTests.Capture x, Lab lab, string address)
    {
        Sh.InNetns(lab.ServerNs, "bash", "-c", $"echo marker > /dev/udp/{Lab.ComputerXAddress}/{MarkerPort}").EnsureSuccess("marker to X");
        return x.Until($".{MarkerPort}:").Where(l => l.Contains($"who-has {address} tell {address},", StringComparison.Ordinal)).ToList();
    }
}

/// <summary>
/// An incoming migration, in the order libvirt runs the hook on the target: <c>migrate begin</c>, then the
/// <c>prepare</c>, <c>start</c> and <c>started begin</c> of a start, all before the guest's memory arrives. The
/// address still answers on the LAN (from the source server) meanwhile: <c>migrate begin</c> makes the VM's
/// networking ready without the probe that refuses <c>prepare begin</c> and without telling the LAN, the start's
/// hooks find it started and change nothing, and <c>hostnet vm announce</c> tells the LAN once the guest runs here.
/// </summary>
public sealed class LibvirtMigrationTests
{
    [PrivilegedFact]
    public void Migrate_begin_makes_the_vm_ready_without_the_probe_nor_telling_the_lan_which_vm_announce_then_does()
    {
        const string Address = "192.168.200.78";
        using var lab = Lab.Create(prefix: "hnlv");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "lm", "--uuid", "3a7e0000-0000-4000-8000-0000000000b1");
        HostnetCli.Ok(lab, "adapter", "add", "lm", "--network", "Routed", "--ip", Address);
        var tap = QemuGuestTests.PlanFor(lab, "lm").Tap;
        // Computer X stands in for the source server, which answers for the guest until it has moved.
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", Address + "/24", "dev", "eth0");
        var xml = $"<domain type='qemu'><name>lm</name><uuid>3a7e0000-0000-4000-8000-0000000000b1</uuid><devices>{LibvirtTests.HostnetInterface(tap)}</devices></domain>\n";

        ShResult Hook(string operation, string subOperation) =>
            HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "libvirt", "hook", "lm", operation, subOperation, "-"], stdin: xml);

        var refused = Hook("prepare", "begin");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"hostnet: error: {Address} already answers on the LAN from ", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("", refused.Stdout);
        Assert.NotEqual(0, Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", tap]).ExitCode);

        using (var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", $"arp or (udp and dst port {LibvirtTests.MarkerPort})"))
        {
            foreach (var (operation, subOperation) in new[] { ("migrate", "begin"), ("prepare", "begin"), ("start", "begin"), ("started", "begin") })
                Assert.Equal(new ShResult(0, "", ""), Hook(operation, subOperation));
            // Everything is ready here...
            Assert.Equal(0, Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", tap]).ExitCode);
            Assert.Contains(Address + " dev eth0", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
            Assert.Contains(Address + " dev " + tap, Sh.Ip("-n", lab.ServerNs, "route", "show"), StringComparison.Ordinal);
            Assert.Matches(@"(?m)^lm +\S+ +tap +running +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
            Assert.Equal(0, HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode);
            // ...and the LAN was not told to come here.
            Assert.Empty(LibvirtTests.Garps(x, lab, Address));
        }

        // The guest resumes here: QEMU announces it into its tap (a RARP from the guest's MAC), and the LAN is told.
        using (var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", $"arp or (udp and dst port {LibvirtTests.MarkerPort})"))
        {
            WaitForTheWaiter(lab, tap);
            FromTheGuest(lab, tap, QemuGuestTests.PlanFor(lab, "lm").Mac);
            x.Until($"who-has {Address} tell {Address},");
        }

        // Told again by hand, as often as wanted.
        using (var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", $"arp or (udp and dst port {LibvirtTests.MarkerPort})"))
        {
            Assert.Equal("announced 1 address of VM lm\n", HostnetCli.Ok(lab, "vm", "announce", "lm"));
            Assert.Single(LibvirtTests.Garps(x, lab, Address));
        }

        Assert.Equal(new ShResult(0, "", ""), Hook("release", "end"));
        Assert.NotEqual(0, Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", tap]).ExitCode);
        Assert.Equal("", Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy").Trim());
        var stopped = HostnetCli.OnLab(lab, "vm", "announce", "lm");
        Assert.Equal((1, "", "hostnet: error: VM lm is stopped: start it with 'hostnet vm start lm' (its start tells the LAN)\n"),
            (stopped.ExitCode, stopped.Stdout, stopped.Stderr));
    }

    [PrivilegedFact]
    public void A_migration_that_fails_before_the_guest_runs_here_tells_the_lan_nothing()
    {
        const string Address = "192.168.200.79";
        using var lab = Lab.Create(prefix: "hnlv");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "lf", "--uuid", "3a7e0000-0000-4000-8000-0000000000b2");
        HostnetCli.Ok(lab, "adapter", "add", "lf", "--network", "Routed", "--ip", Address);
        var tap = QemuGuestTests.PlanFor(lab, "lf").Tap;
        var xml = $"<domain type='qemu'><name>lf</name><uuid>3a7e0000-0000-4000-8000-0000000000b2</uuid><devices>{LibvirtTests.HostnetInterface(tap)}</devices></domain>\n";

        ShResult Hook(string operation, string subOperation) =>
            HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "libvirt", "hook", "lf", operation, subOperation, "-"], stdin: xml);

        using var x = new IsolationTests.Capture(lab.ComputerXNs, "eth0", $"arp or (udp and dst port {LibvirtTests.MarkerPort})");
        Assert.Equal(new ShResult(0, "", ""), Hook("migrate", "begin"));
        Assert.Equal(0, Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", tap]).ExitCode);
        // The migration fails: libvirt releases the domain on the target, and the waiting announcement goes with its tap.
        Assert.Equal(new ShResult(0, "", ""), Hook("release", "end"));
        Assert.NotEqual(0, Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "dev", tap]).ExitCode);
        var waiting = $"vm announce lf --when-guest-runs";
        for (var i = 0; i < 100 && Sh.Run("pgrep", ["-f", waiting]).ExitCode == 0; i++) Thread.Sleep(100);
        Assert.NotEqual(0, Sh.Run("pgrep", ["-f", waiting]).ExitCode);
        Assert.Empty(LibvirtTests.Garps(x, lab, Address));
    }

    /// <summary>
    /// Waits until a packet socket of every protocol is bound to <paramref name="tap"/> in the server's namespace
    /// (<c>/proc/net/packet</c>): the announcement left waiting by <c>migrate begin</c> listens.
    /// </summary>
    private static void WaitForTheWaiter(Lab lab, string tap)
    {
        var index = Sh.Ip("-n", lab.ServerNs, "-o", "link", "show", "dev", tap).Split(':')[0].Trim();
        bool Listening() => Sh.InNetns(lab.ServerNs, "cat", "/proc/net/packet").EnsureSuccess("/proc/net/packet").Stdout
            .Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 4 && f[3] == "0003" && f[4] == index);
        for (var i = 0; i < 200 && !Listening(); i++) Thread.Sleep(100);
        Assert.True(Listening(), $"nothing listens on {tap} for the guest's first frame");
    }

    /// <summary>A frame into <paramref name="tap"/> from the guest's side, as QEMU's announcement of a resumed guest: a RARP from <paramref name="mac"/>.</summary>
    private static void FromTheGuest(Lab lab, string tap, string mac)
    {
        const string Script = """
            import fcntl, os, struct, sys
            tap, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
            fd = os.open('/dev/net/tun', os.O_RDWR)
            fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', tap.encode(), 0x0002 | 0x1000))  # TUNSETIFF, IFF_TAP | IFF_NO_PI
            rarp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 3) + mac + bytes(4) + mac + bytes(4)
            os.write(fd, b'\xff' * 6 + mac + b'\x80\x35' + rarp + bytes(60 - 14 - len(rarp)))
            os.close(fd)
            """;
        Sh.Run("ip", ["netns", "exec", lab.ServerNs, "/usr/bin/python3", "-c", Script, tap, mac]).EnsureSuccess("a frame from the guest into " + tap);
    }
}

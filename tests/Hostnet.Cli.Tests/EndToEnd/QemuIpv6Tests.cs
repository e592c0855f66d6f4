using System.Diagnostics;
using System.Text.Json;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// Real QEMU guests reach computer X over IPv6 in both modes: a dual-stack routed guest on a network whose
/// IPv6 gateway is fe80::1, and a dual-stack bridged guest with a gateway of each family. Each guest is
/// started with what <c>hostnet vm qemu-args</c> prints and set up inside with the commands it prints.
/// </summary>
public sealed class QemuIpv6Tests(ITestOutputHelper output)
{
    private const string ComputerX6 = "2001:db8:200::10";
    private const string Server6 = "2001:db8:200::1";
    private const string Routed6 = "2001:db8:200::201";
    private const string Bridged6 = "2001:db8:200::203";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>QEMU's arguments and the guest-side commands of a VM with one adapter, as <c>vm qemu-args --json</c> gives them.</summary>
    private static (IReadOnlyList<string> QemuArgs, IReadOnlyList<string> Commands, string Mac) PlanFor(Lab lab, string vm)
    {
        using var doc = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "vm", "qemu-args", vm));
        var adapter = Assert.Single(doc.RootElement.GetProperty("adapters").EnumerateArray().ToList());
        return (doc.RootElement.GetProperty("qemuArgs").EnumerateArray().Select(e => e.GetString()!).ToList(),
            adapter.GetProperty("ipCommands").EnumerateArray().Select(e => e.GetString()!).ToList(),
            adapter.GetProperty("mac").GetString()!);
    }

    /// <summary>Boots the test guest with IPv6 kept and runs the guest-side commands Hostnet printed, each of which must succeed.</summary>
    private QemuGuest Boot(Lab lab, string vm)
    {
        var (args, commands, _) = PlanFor(lab, vm);
        var guest = QemuGuest.Start(lab.ServerNs, args, "hn.ipv6=1", BootTimeout);
        output.WriteLine($"{vm}: boot {guest.BootTime.TotalSeconds:F2} s");
        var wait = guest.Exec("t=0; while [ ! -e /sys/class/net/eth0 ] && [ $t -lt 100 ]; do usleep 100000; t=$((t + 1)); done; [ -e /sys/class/net/eth0 ]", CommandTimeout);
        Assert.True(wait.ExitCode == 0, $"{vm}: no eth0:\n{wait.Output}");
        foreach (var command in commands)
        {
            var r = guest.Exec(command, CommandTimeout);
            Assert.True(r.ExitCode == 0, $"{vm}: `{command}` exited {r.ExitCode}:\n{r.Output}");
        }
        return guest;
    }

    /// <summary>One ping from the guest, tried a few times: the guest's own DAD holds a new address back for a second.</summary>
    private static void GuestPings(QemuGuest guest, string address, string who)
    {
        var r = guest.Exec($"for i in 1 2 3 4 5; do ping -c 1 -W 5 {address} && exit 0; sleep 1; done; exit 1", CommandTimeout * 2);
        Assert.True(r.ExitCode == 0, $"{who} guest: ping {address} exited {r.ExitCode}:\n{r.Output}");
    }

    [PrivilegedFact]
    public void Routed_and_bridged_qemu_guests_reach_computer_x_over_IPv6()
    {
        var total = Stopwatch.StartNew();
        using var lab = Lab.Create();
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", ComputerX6 + "/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", lab.ServerNs, "addr", "add", Server6 + "/64", "dev", "eth0", "nodad");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0", "--gateway6", "fe80::1");
        HostnetCli.Ok(lab, "network", "add", "Bridged", "--mode", "bridged", "--bridge", "br1", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "qr", "--guest", "tap", "--uuid", "7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        HostnetCli.Ok(lab, "adapter", "add", "qr", "--network", "Routed", "--ip", "192.168.200.201", "--ip", Routed6);
        HostnetCli.Ok(lab, "vm", "add", "qb", "--guest", "tap", "--uuid", "5e1ec7ed-0000-4000-8000-000000000097");
        HostnetCli.Ok(lab, "adapter", "add", "qb", "--network", "Bridged", "--ip", "192.168.200.203/24", "--ip", Bridged6 + "/64",
            "--gateway", Lab.ServerAddress, "--gateway", Server6);
        HostnetCli.Ok(lab, "vm", "start", "qb");
        HostnetCli.Ok(lab, "vm", "start", "qr");
        var (_, routedCommands, _) = PlanFor(lab, "qr");
        Assert.Contains("ip -6 route add default via fe80::1 dev eth0", routedCommands);
        var (_, bridgedCommands, bridgedMac) = PlanFor(lab, "qb");
        Assert.Contains($"ip -6 route add default via {Server6} dev eth0", bridgedCommands);

        QemuGuest? routed = null, bridged = null;
        try
        {
            var r = Task.Run(() => Boot(lab, "qr"));
            var b = Task.Run(() => Boot(lab, "qb"));
            try
            {
                Task.WaitAll(r, b);
            }
            finally
            {
                routed = r.IsCompletedSuccessfully ? r.Result : null;
                bridged = b.IsCompletedSuccessfully ? b.Result : null;
            }

            // The guests reach computer X over IPv6, the routed one through fe80::1 on its tap.
            GuestPings(routed!, ComputerX6, "routed");
            GuestPings(bridged!, ComputerX6, "bridged");
            GuestPings(bridged!, Routed6, "bridged");
            Assert.Contains("fe80::1 dev eth0", routed!.Run("ip -6 route show default", CommandTimeout), StringComparison.Ordinal);

            // Computer X reaches both: the routed guest through the server's MAC, the bridged one with its own.
            Assert.True(Lab.Ping(lab.ComputerXNs, Routed6, 5) is not null, "computer X gets no answer from the routed guest over IPv6");
            Assert.True(Lab.Ping(lab.ComputerXNs, Bridged6, 5) is not null, "computer X gets no answer from the bridged guest over IPv6");
            Assert.Equal(Lab.Mac(lab.ServerNs, "br1"), Lab.NeighborMac(lab.ComputerXNs, Routed6));
            Assert.Equal(bridgedMac, Lab.NeighborMac(lab.ComputerXNs, Bridged6));
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
}

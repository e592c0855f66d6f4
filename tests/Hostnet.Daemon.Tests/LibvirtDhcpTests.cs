using System.Diagnostics;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// The two halves together: a libvirt domain of a stock guest (the project's QEMU test guest told only to run
/// its DHCP client, busybox udhcpc: no address, no route, nothing of Hostnet's on the guest's side), defined with
/// the interface <c>vm qemu-args --libvirt</c> prints and started by a plain <c>virsh start</c> of a real libvirtd
/// with Hostnet's hook installed, while hostnetd runs: the hook starts its networking, hostnetd's DHCP configures
/// the guest, and computer X reaches it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LibvirtDhcpTests : IDisposable
{
    private const string Ip = "192.168.200.201";
    private static readonly Guid Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-0000000000c1");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly string _dir = Directory.CreateTempSubdirectory("hnlc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibvirtFact]
    public void A_stock_guests_domain_started_by_a_plain_virsh_start_is_reachable_from_computer_x()
    {
        using var lab = Lab.Create(prefix: "hnlc");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        HostnetCli.Ok(lab, "vm", "add", "stock", "--guest", "tap", "--uuid", Uuid.ToString());
        HostnetCli.Ok(lab, "adapter", "add", "stock", "--network", "Routed", "--ip", Ip);
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));
        var machine = LibvirtDaemon.MachinePaths();
        using (var libvirt = LibvirtDaemon.Create(lab.Prefix))
        {
            try
            {
                HostnetCli.Ok(lab, "libvirt", "install-hook", "--hooks-dir", libvirt.HooksDir);
                libvirt.Start(lab.ServerNs, Timeout);
                libvirt.Define("stock", libvirt.DomainXml("stock", Uuid, "hn.dhcp0=1", HostnetCli.Ok(lab, "vm", "qemu-args", "stock", "--libvirt")));
                Assert.Null(Lab.Ping(lab.ComputerXNs, Ip, waitSeconds: 1, attempts: 1));

                libvirt.Virsh("start", "stock").EnsureSuccess("virsh start stock");
                libvirt.WaitForGuest("stock", Timeout);
                // A TCG guest on a loaded machine takes its lease late: waited for generously, not timed.
                var clock = Stopwatch.StartNew();
                double? rtt = null;
                while (rtt is null && clock.Elapsed < Timeout) rtt = Lab.Ping(lab.ComputerXNs, Ip, waitSeconds: 2, attempts: 1);
                Assert.True(rtt is not null, $"computer X gets no answer from the stock guest at {Ip}" + libvirt.Diagnostics());
                Assert.Equal(Lab.Mac(lab.ServerNs, "eth0"), Lab.NeighborMac(lab.ComputerXNs, Ip));

                libvirt.Virsh("destroy", "stock").EnsureSuccess("virsh destroy stock");
                Assert.Matches(@"(?m)^stock +\S+ +tap +stopped +net0=Routed", HostnetCli.Ok(lab, "vm", "list"));
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new InvalidOperationException(e.Message + libvirt.Diagnostics(), e);
            }
        }
        Assert.Equal(machine, LibvirtDaemon.MachinePaths());
    }
}

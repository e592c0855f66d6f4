using System.Globalization;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// What a change leaves when the process dies after committing it, before the kernel has followed
/// (<c>HOSTNET_KILL_AFTER_OPS=K</c>: SIGKILL after the K-th kernel operation), and what a namespace file
/// left half-made by a kill does to the next apply. Checked with <c>ip</c> and <c>ping</c>.
/// </summary>
public class CrashAfterCommitTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";

    private static ShResult KilledAfter(Lab lab, int k, params string[] args) =>
        HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, .. args],
            new Dictionary<string, string> { ["HOSTNET_KILL_AFTER_OPS"] = k.ToString(CultureInfo.InvariantCulture) });

    private static void DefineVm(Lab lab, string vm, string uuid, string ip)
    {
        HostnetCli.Ok(lab, "vm", "add", vm, "--uuid", uuid, "--guest", "netns:" + lab.Guest(vm));
        HostnetCli.Ok(lab, "adapter", "add", vm, "--network", "Routed", "--ip", ip);
    }

    private static (bool Running, bool Pending) VmState(Lab lab, string vm)
    {
        using var doc = JsonDocument.Parse(HostnetCli.Ok(lab, "--json", "vm", "show", vm));
        return (doc.RootElement.GetProperty("running").GetBoolean(), doc.RootElement.GetProperty("pendingApply").GetBoolean());
    }

    private static int PlanExitCode(Lab lab) => HostnetCli.OnLab(lab, "plan", "--exit-code").ExitCode;

    private static string[] Namespaces() =>
        Sh.Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();

    [PrivilegedFact]
    public void A_start_killed_after_its_commit_says_pending_until_the_next_apply_finishes_it()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        DefineVm(lab, "vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", Vm1Ip);
        var killedOnce = false;
        for (var k = 1; ; k++)
        {
            var start = KilledAfter(lab, k, "vm", "start", "vm1");
            if (start.ExitCode == 0)
            {
                // Past the last operation: the start finished, nothing is pending.
                Assert.Equal((true, false), VmState(lab, "vm1"));
                break;
            }
            Assert.Equal(137, start.ExitCode); // 128 + SIGKILL, after the commit
            killedOnce = true;
            Assert.Equal((true, true), VmState(lab, "vm1"));
            var list = HostnetCli.Ok(lab, "vm", "list");
            Assert.Contains(" running*  ", list, StringComparison.Ordinal);
            Assert.EndsWith("* pending apply: the kernel has not followed the last change yet; `hostnet apply` finishes it\n", list, StringComparison.Ordinal);
            Assert.Equal(3, PlanExitCode(lab));

            HostnetCli.Ok(lab, "apply");
            Assert.Equal((true, false), VmState(lab, "vm1"));
            Assert.DoesNotContain("*", HostnetCli.Ok(lab, "vm", "list"), StringComparison.Ordinal);
            Assert.Equal(0, PlanExitCode(lab));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
            HostnetCli.Ok(lab, "vm", "stop", "vm1");
            Assert.Equal((false, false), VmState(lab, "vm1"));
        }
        Assert.True(killedOnce);
    }

    [PrivilegedFact]
    public void A_vm_rm_killed_after_its_commit_leaves_no_namespace_after_the_next_apply()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        DefineVm(lab, "vm2", "4980d06a-5c2e-4d1a-9f3b-000000000002", Vm2Ip);
        HostnetCli.Ok(lab, "vm", "start", "vm2");
        var killedOnce = false;
        for (var k = 1; ; k++)
        {
            DefineVm(lab, "vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", Vm1Ip);
            HostnetCli.Ok(lab, "vm", "start", "vm1");
            Assert.Contains(lab.Guest("vm1"), Namespaces());

            var rm = KilledAfter(lab, k, "vm", "rm", "vm1");
            if (rm.ExitCode == 0)
            {
                Assert.DoesNotContain(lab.Guest("vm1"), Namespaces());
                break;
            }
            Assert.Equal(137, rm.ExitCode);
            killedOnce = true;
            Assert.Equal(1, HostnetCli.OnLab(lab, "vm", "show", "vm1").ExitCode);

            HostnetCli.Ok(lab, "apply");
            Assert.DoesNotContain(lab.Guest("vm1"), Namespaces());
            Assert.DoesNotContain("vme7b9a73a1", Sh.Ip("-n", lab.ServerNs, "-o", "link", "show"), StringComparison.Ordinal);
            Assert.DoesNotContain(Vm1Ip, Sh.Ip("-n", lab.ServerNs, "neigh", "show", "proxy"), StringComparison.Ordinal);
            Assert.Equal(0, PlanExitCode(lab));
            // The other VM's namespace and path are untouched.
            Assert.Contains(lab.Guest("vm2"), Namespaces());
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        }
        Assert.True(killedOnce);
    }

    [PrivilegedFact]
    public void A_half_made_namespace_file_that_hostnet_created_is_replaced_by_the_next_apply()
    {
        using var lab = Lab.Create();
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        DefineVm(lab, "vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", Vm1Ip);
        HostnetCli.Ok(lab, "vm", "start", "vm1");
        // What a kill between creating /run/netns/NAME and mounting the namespace onto it leaves.
        Sh.Ip("netns", "del", lab.Guest("vm1"));
        // The kernel tears a namespace down in the background: its veth's server end goes a moment later.
        var gone = System.Diagnostics.Stopwatch.StartNew();
        while (Sh.Run("ip", ["-n", lab.ServerNs, "link", "show", "vme7b9a73a1.0"]).ExitCode == 0 && gone.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(20);
        File.WriteAllBytes("/run/netns/" + lab.Guest("vm1"), []);

        var plan = HostnetCli.OnLab(lab, "plan", "--exit-code");
        Assert.Equal(3, plan.ExitCode);
        Assert.Contains($"+ netns {lab.Guest("vm1")}", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal("", plan.Stderr);

        HostnetCli.Ok(lab, "apply");
        Assert.Equal(0, PlanExitCode(lab));
        Assert.Contains("eth0", Sh.Ip("-n", lab.Guest("vm1"), "-o", "link", "show"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }

    [PrivilegedFact]
    public void A_half_made_namespace_file_that_hostnet_did_not_create_is_one_line_and_the_rest_is_applied()
    {
        using var lab = Lab.Create();
        // Lab.Dispose removes the file with the lab's namespaces (`ip netns del` takes stale files too).
        var stale = "/run/netns/" + lab.Guest("vm1");
        HostnetCli.Ok(lab, "network", "add", "Routed", "--mode", "host-routed", "--uplink", "eth0");
        DefineVm(lab, "vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", Vm1Ip);
        DefineVm(lab, "vm2", "4980d06a-5c2e-4d1a-9f3b-000000000002", Vm2Ip);
        File.WriteAllBytes(stale, []);
        var line = $"VM vm1: {stale} is a file left half-made, not a network namespace, and Hostnet did not create it: "
            + $"VM vm1 is left out; remove the file (`ip netns del {lab.Guest("vm1")}`), then run `hostnet apply`";

        var start = HostnetCli.OnLab(lab, "vm", "start", "vm1");
        Assert.Equal($"hostnet: error: {line} (VM vm1 is saved running, pending apply; `hostnet apply` finishes it)\n", start.Stderr);
        Assert.Equal(1, start.ExitCode);
        // Another VM's start goes through, and says what stays left out.
        var other = HostnetCli.OnLab(lab, "vm", "start", "vm2");
        Assert.Equal($"hostnet: warning: {line}\n", other.Stderr);
        Assert.Equal(0, other.ExitCode);
        Assert.Equal((true, false), VmState(lab, "vm2"));

        var plan = HostnetCli.OnLab(lab, "plan");
        Assert.Equal(0, plan.ExitCode);
        Assert.Equal($"hostnet: warning: {line}\n", plan.Stderr);
        var apply = HostnetCli.OnLab(lab, "apply");
        Assert.Equal($"hostnet: error: {line}\n", apply.Stderr);
        Assert.Equal(1, apply.ExitCode);

        // The rest is applied; the file that is not Hostnet's is left as it was.
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        Assert.True(File.Exists(stale));
        Assert.Equal(0, new FileInfo(stale).Length);
        Assert.Equal((true, true), VmState(lab, "vm1"));

        // Once the admin removes it, the next apply makes the namespace and the VM.
        File.Delete(stale);
        HostnetCli.Ok(lab, "apply");
        Assert.Equal((true, false), VmState(lab, "vm1"));
        Assert.Equal(0, PlanExitCode(lab));
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }
}

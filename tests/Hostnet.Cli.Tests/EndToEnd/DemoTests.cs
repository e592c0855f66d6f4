using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.EndToEnd;

/// <summary>
/// The demo's namespaces have fixed names (<c>hostnet-demo-…</c>): its tests run one at a
/// time, in this collection, and no other test uses that prefix.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DemoCollection
{
    public const string Name = "hostnet demo (fixed namespace names)";
}

/// <summary>
/// <c>sudo ./hostnet demo</c> as a user runs it: the real CLI through the launcher,
/// its printed facts checked against the kernel with iproute2, and nothing left
/// behind — after a normal run, after <c>--keep</c> and <c>demo down</c>, and
/// after a SIGINT at any moment.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed partial class DemoTests
{
    private const string Prefix = "hostnet-demo-";
    private const string ServerNs = Prefix + "srv";
    private const string ComputerXNs = Prefix + "cx";
    private const string StateDir = "/run/hostnet-demo";
    private static readonly string[] VmIps = ["192.168.200.201", "192.168.200.202", "192.168.200.203"];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static string[] Lines(string text) =>
        text.Split('\n').Select(l => Spaces().Replace(l.Trim(), " ")).ToArray();

    /// <summary>The lines of one "== title" section of the demo's output.</summary>
    private static string[] Section(string stdout, string titleStart)
    {
        var lines = stdout.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("== " + titleStart, StringComparison.Ordinal));
        Assert.True(start >= 0, $"no section '{titleStart}' in:\n{stdout}");
        return Lines(string.Join('\n', lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("== ", StringComparison.Ordinal))));
    }

    private static IReadOnlyList<string> DemoNamespaces() =>
        Sh.Run("ip", ["netns", "list"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToList();

    /// <summary>The names of this machine's own links (the namespace the tests run in).</summary>
    private static string[] RootLinks() =>
        Sh.Ip("-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ")[1].Split('@')[0])
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>The names of the links the demo makes (in its own namespaces): none may ever appear in this one.</summary>
    private static bool IsDemoLinkName(string name) =>
        name is "lanbr" or "cx-port" or "srv-port" or "br1" || name.StartsWith("vme", StringComparison.Ordinal);

    private static void AssertNothingLeft(string[] rootLinksBefore, string context)
    {
        Assert.True(DemoNamespaces().Count == 0, $"{context}: namespaces left: {string.Join(' ', DemoNamespaces())}");
        Assert.False(Directory.Exists(StateDir), $"{context}: {StateDir} left");

        // This machine's links are unchanged: none gone, none of the demo's names come. Other test
        // processes on the machine may add links of their own meanwhile; those are not the demo's.
        var after = RootLinks();
        Assert.True(rootLinksBefore.All(after.Contains), $"{context}: links gone from this machine: {string.Join(' ', rootLinksBefore.Except(after))}");
        var added = after.Except(rootLinksBefore).ToList();
        Assert.True(!added.Any(IsDemoLinkName), $"{context}: links of the demo's in this machine's namespace: {string.Join(' ', added)}");
    }

    /// <summary>A lab left by a failed earlier run would make every assertion here meaningless.</summary>
    private static void StartClean()
    {
        HostnetCli.Run(["demo", "down"]).EnsureSuccess("hostnet demo down");
        Assert.Empty(DemoNamespaces());
    }

    [PrivilegedFact]
    public void The_demo_builds_the_seeds_world_shows_it_live_and_removes_it()
    {
        StartClean();
        var links = RootLinks();
        var clock = Stopwatch.StartNew();

        var r = HostnetCli.Run(["demo"]).EnsureSuccess("hostnet demo");

        var seconds = clock.Elapsed.TotalSeconds;
        var stdout = r.Stdout;

        // The server's arp -n has the seed's published rows, on br1 (the L3 uplink of a mixed server).
        var arp = Section(stdout, "The server: arp -n");
        Assert.Contains("192.168.200.201 * * MP br1", arp);
        Assert.Contains("192.168.200.202 * * MP br1", arp);
        Assert.DoesNotContain(arp, l => l.StartsWith("192.168.200.203 * *", StringComparison.Ordinal));

        // Computer X resolved the routed VMs to one MAC (the server's) and the bridged VM to another (its own).
        var cx = Section(stdout, "Computer X: its ARP cache");
        string MacOf(string ip) => cx.Single(l => l.StartsWith(ip + " ether ", StringComparison.Ordinal)).Split(' ')[2];
        Assert.Equal(MacOf(VmIps[0]), MacOf(VmIps[1]));
        Assert.NotEqual(MacOf(VmIps[0]), MacOf(VmIps[2]));
        Assert.Contains(cx, l => l.StartsWith(VmIps[0], StringComparison.Ordinal) && l.EndsWith("the server's MAC: VM #1 is host-routed", StringComparison.Ordinal));
        Assert.Contains(cx, l => l.StartsWith(VmIps[2], StringComparison.Ordinal) && l.EndsWith("VM #3's own MAC: it is bridged", StringComparison.Ordinal));

        // Every ping answered, with its time.
        var pings = Section(stdout, "Pings");
        foreach (var (from, to, ip) in new[]
        {
            ("computer X", "VM #1", VmIps[0]), ("computer X", "VM #2", VmIps[1]), ("computer X", "VM #3", VmIps[2]),
            ("VM #1", "VM #2", VmIps[1]), ("VM #3", "VM #1", VmIps[0]),
        })
        {
            Assert.Contains(pings, l => Regex.IsMatch(l, $@"^{Regex.Escape($"{from} → {to} {ip}")} time=\d+\.\d{{3}} ms$"));
        }

        // Each VM's routes: the routed ones through 169.255.30.1, the bridged one through the server on the LAN.
        var routes = Section(stdout, "Routes");
        Assert.Equal(2, routes.Count(l => l == "default via 169.255.30.1 dev eth0 proto hostnet"));
        Assert.Contains("default via 192.168.200.1 dev eth0 proto hostnet", routes);
        Assert.Contains("192.168.200.201 dev vme7b9a73a1.0 proto hostnet scope link # vm1/net0", routes);

        // The figures name the real interfaces.
        Assert.Contains("vme7b9a73a1.0", stdout, StringComparison.Ordinal);
        Assert.Contains("vme4980d06a.0", stdout, StringComparison.Ordinal);
        Assert.Contains(Section(stdout, "Bridged mode"), l => l.StartsWith("br1 ", StringComparison.Ordinal) && l.Contains("192.168.200.1/24", StringComparison.Ordinal));

        Assert.Contains("Removed the lab", stdout, StringComparison.Ordinal);
        AssertNothingLeft(links, "after the demo");
        Assert.True(seconds < 10, $"the demo took {seconds:0.0} s");
    }

    [PrivilegedFact]
    public void Keep_leaves_a_lab_that_matches_what_the_demo_printed_and_demo_down_removes_it()
    {
        StartClean();
        var links = RootLinks();
        try
        {
            var stdout = HostnetCli.Run(["demo", "--keep"]).EnsureSuccess("hostnet demo --keep").Stdout;
            Assert.Contains($"sudo ./hostnet --netns {ServerNs} --state-dir {StateDir}", stdout, StringComparison.Ordinal);
            Assert.Contains($"ip netns exec {ComputerXNs}", stdout, StringComparison.Ordinal);
            Assert.Equal(6, DemoNamespaces().Count);

            // What the demo printed for computer X is what the kernel holds: the server's MAC for the
            // routed VMs, VM #3's own for the bridged one.
            var serverMac = Lab.Mac(ServerNs, "eth0");
            var vm3Mac = Lab.Mac(Prefix + "vm3", "eth0");
            Assert.Equal(serverMac, Lab.Mac(ServerNs, "br1"));
            var cx = Section(stdout, "Computer X: its ARP cache");
            Assert.Contains(cx, l => l.StartsWith($"{VmIps[0]} ether {serverMac} C", StringComparison.Ordinal));
            Assert.Contains(cx, l => l.StartsWith($"{VmIps[1]} ether {serverMac} C", StringComparison.Ordinal));
            Assert.Contains(cx, l => l.StartsWith($"{VmIps[2]} ether {vm3Mac} C", StringComparison.Ordinal));
            Assert.Equal(serverMac, Lab.NeighborMac(ComputerXNs, VmIps[0]));
            Assert.Equal(vm3Mac, Lab.NeighborMac(ComputerXNs, VmIps[2]));

            // The kept lab answers, and hostnet pointed at it finds its state in sync with the kernel.
            Assert.NotNull(Lab.Ping(ComputerXNs, VmIps[1]));
            var plan = HostnetCli.Run(["--netns", ServerNs, "--state-dir", StateDir, "plan", "--exit-code"]);
            Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);

            var down = HostnetCli.Run(["demo", "down"]).EnsureSuccess("hostnet demo down");
            Assert.Contains("Removed the demo lab", down.Stdout, StringComparison.Ordinal);
            AssertNothingLeft(links, "after demo down");
            Assert.Contains("No demo lab to remove", HostnetCli.Run(["demo", "down"]).EnsureSuccess("demo down again").Stdout, StringComparison.Ordinal);
        }
        finally
        {
            HostnetCli.Run(["demo", "down"]);
        }
    }

    [PrivilegedFact]
    public void A_sigint_at_any_moment_leaves_nothing_behind()
    {
        StartClean();
        HostnetCli.Run(["--version"]).EnsureSuccess("build the CLI");
        var links = RootLinks();
        var interrupted = 0;
        foreach (var ms in new[] { 10, 30, 60, 100, 150, 200, 300, 450, 1000, 2000 })
        {
            // env resets SIGINT to its default: a process started from a non-interactive shell's
            // background job would inherit it ignored, and .NET leaves an ignored SIGINT ignored.
            var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--default-signal=INT", HostnetCli.Launcher, "demo" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Thread.Sleep(ms);
            Sh.Run("kill", ["-INT", p.Id.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), $"SIGINT after {ms} ms: the demo did not exit");
            p.WaitForExit();
            var context = $"SIGINT after {ms} ms (exit {p.ExitCode}): {stderr.Result.Trim()}";
            Assert.True(p.ExitCode is 0 or 130, context + "\n" + stdout.Result);
            if (p.ExitCode == 130) interrupted++;
            AssertNothingLeft(links, context);
        }
        Assert.True(interrupted >= 3, $"only {interrupted} runs were interrupted: the delays no longer cover the demo");
    }

    [PrivilegedFact]
    public void What_a_killed_demo_left_is_removed_by_the_next_one()
    {
        StartClean();
        HostnetCli.Run(["--version"]).EnsureSuccess("build the CLI");
        var links = RootLinks();

        // SIGKILL leaves no chance to clean up: the lab stays half or wholly built.
        var psi = new ProcessStartInfo(HostnetCli.Launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("demo");
        using (var p = Process.Start(psi)!)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (DemoNamespaces().Count < 3 && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(5);
            p.Kill();
            p.WaitForExit();
            _ = stdout.Result + stderr.Result;
        }
        Assert.NotEmpty(DemoNamespaces());

        var r = HostnetCli.Run(["demo"]).EnsureSuccess("hostnet demo after a killed one");
        Assert.Contains("Removed what an earlier demo left:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Removed the lab", r.Stdout, StringComparison.Ordinal);
        AssertNothingLeft(links, "after a demo that followed a killed one");
    }

    [PrivilegedFact]
    public void Without_root_the_demo_is_refused_in_one_line()
    {
        // nobody may not be able to enter the checkout (a clone under /root): it runs a copy it can reach.
        using var cli = HostnetCli.CopyForOtherUsers();
        var r = Sh.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", cli.Binary, "demo"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("hostnet: error: the demo creates network namespaces and needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN): run it as 'sudo ./hostnet demo'",
            r.Stderr.Trim());
        Assert.Empty(DemoNamespaces());
    }

    [Fact]
    public void The_demo_is_never_pointed_at_another_server_or_state()
    {
        foreach (var args in new[] { new[] { "--netns", "lab", "demo" }, ["demo", "--state-dir", "/tmp/elsewhere"], ["--netns", "lab", "demo", "down"] })
        {
            var r = HostnetCli.Run(args);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("hostnet: error: the demo makes its own server (hostnet-demo-srv) and state directory (/run/hostnet-demo): leave --netns and --state-dir out",
                r.Stderr.Trim());
        }
    }
}

using System.Globalization;
using Hostnet.TestKit;
using Xunit.Abstractions;

namespace Hostnet.Cli.Tests.EndToEnd.ServerShapes;

/// <summary>
/// The server's own network on the shapes hosters have: a bridged start moves it onto the
/// bridge whole (every address and route, both families, every attribute; the policy rules that name the
/// uplink name the bridge), <c>network rm</c>
/// gives it back whole, and a process killed after any kernel operation of either — SIGKILL,
/// SIGTERM or Ctrl-C — leaves a server that the next apply brings back: reachable beyond its LAN
/// over IPv4 and IPv6 with cold neighbour caches, and in sync. A SIGTERM or Ctrl-C is held while
/// the server's network is half-moved: then the server is reachable even before that apply.
/// </summary>
public abstract class CrashMatrix<TShape>(ITestOutputHelper output)
    where TShape : ServerShape, new()
{
    private readonly TShape _shape = new();

    /// <summary>More operations than a bridged start or a network rm makes: the loops end when the command completes.</summary>
    private const int MaxOps = 80;

    [PrivilegedFact]
    public void A_bridged_start_and_network_rm_move_every_address_and_route_whole()
    {
        using var lab = _shape.Build();
        var addresses = ServerShape.Addresses(lab.ServerNs, "eth0");
        var routes = ServerShape.OwnRoutes(lab.ServerNs);
        var rules = ServerShape.Rules(lab.ServerNs);
        _shape.AssertServerReachable(lab, "before anything");

        HostnetCli.Ok(lab, "vm", "start", "b");
        Assert.Equal("br1", ServerShape.Master(lab.ServerNs, "eth0"));
        Assert.Equal(addresses, ServerShape.Addresses(lab.ServerNs, "br1"));
        Assert.Empty(ServerShape.Addresses(lab.ServerNs, "eth0"));
        Assert.Equal(string.Join("\n", routes), string.Join("\n", ServerShape.OwnRoutes(lab.ServerNs)));
        Assert.Equal(rules.Replace("eth0", "br1", StringComparison.Ordinal), ServerShape.Rules(lab.ServerNs));
        _shape.AssertServerReachable(lab, "after a bridged start");
        Assert.NotNull(Lab.Ping(lab.Guest("rtr"), ServerShape.BridgedVmIp));

        HostnetCli.Ok(lab, "vm", "rm", "b");
        HostnetCli.Ok(lab, "network", "rm", "Bridged");
        Assert.Equal("", ServerShape.Master(lab.ServerNs, "eth0"));
        Assert.Equal(addresses, ServerShape.Addresses(lab.ServerNs, "eth0"));
        Assert.Equal(string.Join("\n", routes), string.Join("\n", ServerShape.OwnRoutes(lab.ServerNs)));
        Assert.Equal(rules, ServerShape.Rules(lab.ServerNs));
        _shape.AssertServerReachable(lab, "after network rm");
    }

    [PrivilegedFact]
    public void Killed_after_any_operation_of_a_bridged_start_the_next_apply_brings_the_server_back() =>
        Matrix("vm start", lab => { }, ["vm", "start", "b"], "SIGKILL", "HOSTNET_KILL_AFTER_OPS", null, bridged: true);

    [PrivilegedFact]
    public void Killed_after_any_operation_of_network_rm_the_next_apply_brings_the_server_back() =>
        Matrix("network rm", GivenABridge, ["network", "rm", "Bridged"], "SIGKILL", "HOSTNET_KILL_AFTER_OPS", null, bridged: false);

    [PrivilegedFact]
    public void Sigterm_or_ctrl_c_during_a_bridged_start_or_network_rm_leaves_a_server_the_next_apply_brings_back()
    {
        Matrix("vm start", lab => { }, ["vm", "start", "b"], "SIGTERM", "HOSTNET_SIGNAL_AFTER_OPS", "TERM", bridged: true);
        Matrix("network rm", GivenABridge, ["network", "rm", "Bridged"], "Ctrl-C", "HOSTNET_SIGNAL_AFTER_OPS", "INT", bridged: false);
    }

    protected static void GivenABridge(Lab lab)
    {
        HostnetCli.Ok(lab, "vm", "start", "b");
        HostnetCli.Ok(lab, "vm", "rm", "b");
    }

    /// <summary>
    /// For K = 1, 2, …: a fresh server of the shape, <paramref name="given"/>, then the command
    /// stopped after its K-th kernel operation, then <c>apply</c>; until the command completes.
    /// </summary>
    private void Matrix(string what, Action<Lab> given, string[] command, string how, string variable, string? signal, bool bridged) =>
        Matrix(what, given, command, how, variable, signal, bridged, then: null);

    /// <summary>As above, with <paramref name="then"/> happening to the server between the stopped command and the apply.</summary>
    protected void Matrix(string what, Action<Lab> given, string[] command, string how, string variable, string? signal, bool bridged, Action<Lab>? then)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var k = 1; k <= MaxOps; k++)
        {
            output.WriteLine($"{what}, {how} after {k}: {clock.ElapsedMilliseconds} ms");
            using var lab = _shape.Build();
            given(lab);
            var env = new Dictionary<string, string> { [variable] = k.ToString(CultureInfo.InvariantCulture) };
            if (signal is not null) env["HOSTNET_SIGNAL"] = signal;
            var stopped = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, .. command], env);
            if (stopped.ExitCode == 0)
            {
                Assert.True(k > 3, $"{what} completed after only {k - 1} operations: the matrix proved nothing");
                _shape.AssertServerReachable(lab, $"{what} completed");
                return;
            }
            Assert.True(stopped.ExitCode is 137 or 143 or 130, $"{_shape.Name}: {what} stopped by {how} after {k} operations exited {stopped.ExitCode}: {stopped.Stderr}");
            // A signal is held while the server's network is half-moved: it is never left cut off, even before the next apply.
            if (signal is not null) _shape.AssertReachesBeyondLan(lab, $"{what} stopped by {how} after {k} operations, before apply");

            then?.Invoke(lab);
            var apply = HostnetCli.OnLab(lab, "apply");
            Assert.True(apply.ExitCode == 0, $"{_shape.Name}: apply after {what} stopped by {how} after {k} operations exited {apply.ExitCode}: {apply.Stderr}\n{ServerShape.Snapshot(lab.ServerNs)}");
            Assert.Equal(bridged ? "br1" : "", ServerShape.Master(lab.ServerNs, "eth0"));
            _shape.AssertServerReachable(lab, $"{what} stopped by {how} after {k} operations, then apply");
        }
        Assert.Fail($"{what} did not complete within {MaxOps} operations");
    }
}

public sealed class DualStackServerTests(ITestOutputHelper output) : CrashMatrix<DualStackShape>(output)
{
    /// <summary>The bridge deleted by hand after a move died half-way: the uplink gets the server's network back from the journal.</summary>
    [PrivilegedFact]
    public void A_bridge_deleted_by_hand_after_a_killed_move_leaves_the_journal_to_put_the_network_on_the_uplink()
    {
        // Only while the journal holds the move (plan says so): once a move is whole, the server's network is on
        // br1 and deleting br1 by hand takes it along, as it would without Hostnet.
        static void DeleteBridge(Lab lab)
        {
            if (HostnetCli.OnLab(lab, "plan").Stdout.Contains("(interrupted)", StringComparison.Ordinal))
                Sh.Run("ip", ["-n", lab.ServerNs, "link", "del", "br1"]);
        }
        Matrix("vm start", _ => { }, ["vm", "start", "b"], "SIGKILL and br1 deleted", "HOSTNET_KILL_AFTER_OPS", null, bridged: true, then: DeleteBridge);
        Matrix("network rm", GivenABridge, ["network", "rm", "Bridged"], "SIGKILL and br1 deleted", "HOSTNET_KILL_AFTER_OPS", null, bridged: false, then: DeleteBridge);
    }
}

public sealed class HosterServerTests(ITestOutputHelper output) : CrashMatrix<HosterShape>(output);

public sealed class PolicyRoutedServerTests(ITestOutputHelper output) : CrashMatrix<PolicyShape>(output);

public sealed class RuledServerTests(ITestOutputHelper output) : CrashMatrix<RuledShape>(output)
{
    /// <summary>
    /// A bridged start whose move fails at any step (the rules naming br1 half made, those naming eth0 half taken)
    /// is put back: <c>ip rule</c> is as before and the server reachable; plan names the rules among what will move,
    /// and the next apply moves them.
    /// </summary>
    [PrivilegedFact]
    public void A_move_that_fails_at_any_step_puts_the_rules_back_and_plan_names_them()
    {
        var shape = new RuledShape();
        for (var step = 1; step <= 40; step++)
        {
            using var lab = shape.Build();
            var rules = ServerShape.Rules(lab.ServerNs);
            var r = HostnetCli.Run(["--state-dir", lab.StateDir, "--netns", lab.ServerNs, "vm", "start", "b"],
                new Dictionary<string, string> { ["HOSTNET_FAIL_UPLINK_STEP"] = step.ToString(CultureInfo.InvariantCulture) });
            if (r.ExitCode == 0)
            {
                Assert.True(step > 10, $"the move completed after only {step - 1} steps: the rules were not among them");
                return;
            }
            Assert.StartsWith("hostnet: error: moving the server's addresses from eth0 to br1 failed", r.Stderr, StringComparison.Ordinal);
            Assert.Equal("", ServerShape.Master(lab.ServerNs, "eth0"));
            Assert.Equal(rules, ServerShape.Rules(lab.ServerNs));
            shape.AssertReachesBeyondLan(lab, $"the move failed at step {step}");

            var plan = HostnetCli.OnLab(lab, "plan").Stdout;
            foreach (var rule in new[] { "rule to 192.0.2.0/24 iif eth0 lookup 100 priority 1000", "rule oif eth0 lookup 200 priority 1001",
                "rule -6 iif eth0 lookup 100 priority 1000", "rule -6 oif eth0 lookup 200 priority 1001" })
                Assert.Contains(rule, plan, StringComparison.Ordinal);

            HostnetCli.Ok(lab, "apply");
            Assert.Equal("br1", ServerShape.Master(lab.ServerNs, "eth0"));
            Assert.Equal(rules.Replace("eth0", "br1", StringComparison.Ordinal), ServerShape.Rules(lab.ServerNs));
            shape.AssertServerReachable(lab, $"the move failed at step {step}, then apply");
        }
        Assert.Fail("the move did not complete within 40 steps");
    }
}

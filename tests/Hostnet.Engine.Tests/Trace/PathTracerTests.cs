using Hostnet.Engine.Observe;
using Hostnet.Engine.Trace;
using Hostnet.Model;
using Hostnet.TestKit;

namespace Hostnet.Engine.Tests.Trace;

/// <summary>
/// The tracer on a real kernel: the seed's host-routed figure applied by the engine in a lab, then
/// traced through the engine's API.
/// </summary>
public sealed class PathTracerTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";
    private const string Vm3Ip = "192.168.200.203";
    private const string Vm1Vme = "vme7b9a73a1.0";

    /// <summary>vm1 and vm2 running on a host-routed network, vm3 defined but stopped.</summary>
    private static DesiredState RoutedVms(Lab lab)
    {
        static Adapter Net0(string mac, string ip) =>
            new(0, "Routed", MacAddress.Parse(mac), [new IpPrefix(IpAddress.Parse(ip), 32)], null);
        return new DesiredState(
            [Network.HostRouted("Routed", "eth0")],
            [
                new Vm("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Netns(lab.Guest("vm1")), true, [Net0("52:54:00:00:02:01", Vm1Ip)]),
                new Vm("vm2", Guid.Parse("4980d06a-5c2e-4d1a-9f3b-000000000002"), Guest.Netns(lab.Guest("vm2")), true, [Net0("52:54:00:00:02:02", Vm2Ip)]),
                new Vm("vm3", Guid.Parse("5c0ffee0-5c2e-4d1a-9f3b-000000000003"), Guest.Netns(lab.Guest("vm3")), false, [Net0("52:54:00:00:02:03", Vm3Ip)]),
            ]);
    }

    private static HostEngine Applied(Lab lab, DesiredState state)
    {
        var engine = new HostEngine(lab.ServerNs, new MemoryLedger());
        try
        {
            engine.Apply(engine.Prepare(state), new ApplyOptions { Probe = false, Announce = false });
            return engine;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>A trace as one comparable text: where from, and every step with its fix.</summary>
    private static string Text(PathTrace t) =>
        $"{t.Destination} from {t.From}\n" + string.Join('\n', t.Steps.Select(s => $"{(s.Ok ? "ok" : "FAIL")} {s.Step} {s.Detail} | {s.Fix}"));

    private static string RouteStep(PathTrace t) => t.Steps.Single(s => s.Step == "route").Detail;

    [PrivilegedFact]
    public void Traces_run_at_once_on_one_tracer_say_what_each_says_alone()
    {
        using var lab = Lab.Create();
        var state = RoutedVms(lab);
        using var engine = Applied(lab, state);
        var tracer = new PathTracer(engine.ServerNamespace, engine.ServerSocket, state);
        Func<PathTracer, PathTrace>[] traces =
        [
            t => t.FromLan(IpAddress.Parse(Vm1Ip)),
            t => t.FromLan(IpAddress.Parse(Vm2Ip)),
            t => t.FromLan(IpAddress.Parse(Vm3Ip)),
            t => t.FromLan(IpAddress.Parse("192.168.200.99")),
            t => t.FromVm("vm1", IpAddress.Parse(Vm2Ip)),
            t => t.FromVm("vm2", IpAddress.Parse(Vm1Ip)),
            t => t.FromVm("vm1", IpAddress.DefaultRoutedGateway),
        ];

        var alone = traces.Select(t => Text(t(tracer))).ToList();
        var atOnce = new string[traces.Length * 6];
        Parallel.For(0, atOnce.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => atOnce[i] = Text(traces[i % traces.Length](tracer)));

        // Each trace says something of its own (a mix-up would show), the lab is whole, and at once each says what it said alone.
        Assert.Equal(traces.Length, alone.Distinct().Count());
        Assert.True(tracer.FromLan(IpAddress.Parse(Vm1Ip)).Complete, alone[0]);
        for (var i = 0; i < atOnce.Length; i++) Assert.Equal(alone[i % traces.Length], atOnce[i]);
    }

    [PrivilegedFact]
    public void A_host_route_another_owner_made_is_not_hostnets()
    {
        using var lab = Lab.Create();
        var state = RoutedVms(lab);
        using var engine = Applied(lab, state);
        var tracer = new PathTracer(engine.ServerNamespace, engine.ServerSocket, state);
        var lookup = $"`ip route get {Vm1Ip} from 192.168.200.2 iif eth0`";
        Assert.StartsWith($"{lookup}: {Vm1Ip} dev {Vm1Vme} (route `{Vm1Ip} dev {Vm1Vme} proto hostnet scope link`)", RouteStep(tracer.FromLan(IpAddress.Parse(Vm1Ip))), StringComparison.Ordinal);

        // Hostnet's /32 replaced by an admin's (proto boot) that refuses the address: the lookup fails, and
        // the /32 in the table is not the one Hostnet makes.
        Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32");
        Sh.Ip("-n", lab.ServerNs, "route", "add", "unreachable", Vm1Ip + "/32");
        Assert.Contains("proto boot", Sh.Ip("-n", lab.ServerNs, "-d", "route", "show", "type", "unreachable"), StringComparison.Ordinal);

        var trace = tracer.FromLan(IpAddress.Parse(Vm1Ip));
        Assert.Equal($"{lookup}: no route (unreachable): the server drops it; the /32 route to {Vm1Vme} is missing; "
            + $"and until it does, eth0 does not answer ARP for {Vm1Ip} either", RouteStep(trace));
    }
}

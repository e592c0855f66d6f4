using Hostnet.Engine.Observe;
using Hostnet.Engine.Trace;
using Hostnet.Model;
using Hostnet.TestKit;

namespace Hostnet.Engine.Tests.Trace;

/// <summary>
/// A trace from a VM to one of the server's own addresses meets the <c>server</c> protection: the step
/// says what passes (ARP, ICMP, the ports the network opens) and that the rest is dropped, as the
/// tables listed by <c>nft</c> hold it.
/// </summary>
public sealed class ServerProtectionTraceTests
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm3Ip = "192.168.200.203";

    /// <summary>A mixed server: vm1 routed, vm3 bridged on br1 with the server's LAN address as its gateway.</summary>
    private static DesiredState Mixed(Lab lab, Protections vm1Protections = Protections.All, params ServerPort[] routedPorts) =>
        new(
            [Network.HostRouted("Routed", "eth0") with { ServerPorts = routedPorts }, Network.Bridged("Bridged", "br1", "eth0")],
            [
                new Vm("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Netns(lab.Guest("vm1")), true,
                    [new Adapter(0, "Routed", MacAddress.Parse("52:54:00:00:02:01"), [new IpPrefix(IpAddress.Parse(Vm1Ip), 32)], null) { Protections = vm1Protections }]),
                new Vm("vm3", Guid.Parse("00000003-0000-4000-8000-000000000003"), Guest.Netns(lab.Guest("vm3")), true,
                    [new Adapter(0, "Bridged", MacAddress.Parse("52:54:00:00:02:03"), [new IpPrefix(IpAddress.Parse(Vm3Ip), 24)], IpAddress.Parse(Lab.ServerAddress))]),
            ]);

    private static PathTrace Trace(Lab lab, DesiredState state, string vm, string destination)
    {
        using var engine = new HostEngine(lab.ServerNs, new MemoryLedger());
        engine.Apply(engine.Prepare(state), new ApplyOptions { Probe = false, Announce = false });
        return new PathTracer(engine.ServerNamespace, engine.ServerSocket, state).FromVm(vm, IpAddress.Parse(destination));
    }

    private static string Text(PathTrace t) => string.Join('\n', t.Steps.Select(s => $"{(s.Ok ? "ok" : "FAIL")} {s.Step} {s.Detail} | {s.Fix}"));

    private static TraceStep ServerStep(PathTrace t) => Assert.Single(t.Steps, s => s.Step == "server");

    [PrivilegedFact]
    public void A_routed_vm_to_its_gateway_and_to_the_servers_lan_address_meets_the_server_protection()
    {
        using var lab = Lab.Create(prefix: "hnist");
        var state = Mixed(lab);

        var toGateway = Trace(lab, state, "vm1", "169.255.30.1");
        var step = ServerStep(toGateway);
        Assert.True(step.Ok, Text(toGateway));
        Assert.Contains("169.255.30.1 is the server's own address: the server protection of VM vm1, adapter net0 lets through only ARP, ICMP", step.Detail, StringComparison.Ordinal);
        Assert.Contains("no service port (network Routed opens none)", step.Detail, StringComparison.Ordinal);
        Assert.Contains("anything else from vme7b9a73a1.0 to the server is dropped (nft table inet hostnet, chain input)", step.Detail, StringComparison.Ordinal);
        // It comes after the filter step on the way out, and last: the packet is the server's.
        Assert.True(toGateway.Steps.ToList().FindIndex(s => s.Step == "filter") < toGateway.Steps.ToList().FindIndex(s => s.Step == "server"));
        Assert.Equal("server", toGateway.Steps[^1].Step);

        var toLanAddress = Trace(lab, state, "vm1", Lab.ServerAddress);
        Assert.Contains(toLanAddress.Steps, s => s.Step == "route" && s.Detail.Contains("is the server's own address", StringComparison.Ordinal));
        Assert.StartsWith("192.168.200.1 is the server's own address: the server protection of VM vm1", ServerStep(toLanAddress).Detail, StringComparison.Ordinal);

        // Another VM's address is no server address: no such step.
        Assert.DoesNotContain(Trace(lab, state, "vm1", Vm3Ip).Steps, s => s.Step == "server");
    }

    [PrivilegedFact]
    public void The_step_names_the_ports_a_network_opens_and_says_when_the_protection_is_off()
    {
        using var lab = Lab.Create(prefix: "hnist");

        var open = ServerStep(Trace(lab, Mixed(lab, Protections.All, new ServerPort("tcp", 7777), new ServerPort("udp", 53)), "vm1", "169.255.30.1"));
        Assert.True(open.Ok);
        Assert.Contains("and tcp/7777, udp/53, which network Routed opens", open.Detail, StringComparison.Ordinal);

        var off = ServerStep(Trace(lab, Mixed(lab, Protections.All & ~Protections.Server), "vm1", "169.255.30.1"));
        Assert.True(off.Ok);
        Assert.Equal("169.255.30.1 is the server's own address and the server protection of VM vm1, adapter net0 is off: the server accepts whatever it sends there", off.Detail);
    }

    [PrivilegedFact]
    public void A_bridged_vm_to_the_server_meets_it_and_a_missing_element_is_a_broken_step_with_apply()
    {
        using var lab = Lab.Create(prefix: "hnist");
        var state = Mixed(lab);

        var toServer = Trace(lab, state, "vm3", Lab.ServerAddress);
        Assert.True(ServerStep(toServer).Ok, Text(toServer));
        Assert.Contains("the server protection of VM vm3, adapter net0 lets through only ARP, ICMP", ServerStep(toServer).Detail, StringComparison.Ordinal);

        // The element the input chain reads for vm1, deleted by hand: the step says so, and apply mends it.
        using var engine = new HostEngine(lab.ServerNs, new MemoryLedger());
        Sh.InNetns(lab.ServerNs, "nft", "delete", "element", "inet", "hostnet", "server_on", "{ \"vme7b9a73a1.0\" }").EnsureSuccess("nft delete element");
        var broken = ServerStep(new PathTracer(engine.ServerNamespace, engine.ServerSocket, state).FromVm("vm1", IpAddress.Parse("169.255.30.1")));
        Assert.False(broken.Ok);
        Assert.Contains("nft element inet hostnet server_on { vme7b9a73a1.0 } is missing", broken.Detail, StringComparison.Ordinal);
        Assert.Equal(TraceStep.Apply, broken.Fix);
    }
}

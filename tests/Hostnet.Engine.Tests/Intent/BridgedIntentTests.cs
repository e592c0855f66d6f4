using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Planning;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Intent;

/// <summary>The bridged and mixed intent, without privileges: what the seed's first figure needs, and where the L3 uplink is.</summary>
public class BridgedIntentTests
{
    private static readonly MacAddress Eth0Mac = MacAddress.Parse("52:54:00:aa:bb:cc");

    private static DesiredState Mixed(bool bridgedRunning, bool routedRunning = true, bool withBridgedNetwork = true)
    {
        var networks = new List<Network> { Network.HostRouted("Routed", "eth0") };
        if (withBridgedNetwork) networks.Add(Network.Bridged("Bridged", "br1", "eth0"));
        var vms = new List<Vm>
        {
            new("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Netns("lab-vm1"), routedRunning,
                [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"), [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null)]),
        };
        if (withBridgedNetwork)
        {
            vms.Add(new Vm("vm3", Guid.Parse("00000003-0000-4000-8000-000000000003"), Guest.Netns("lab-vm3"), bridgedRunning,
                [new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:03"), [new IpPrefix(IpAddress.Parse("192.168.200.203"), 24)], IpAddress.Parse("192.168.200.1"))]));
        }
        return new DesiredState(networks, vms);
    }

    private static ServerFacts Facts(string? eth0Master = null, bool enslavedByHostnet = false) =>
        new(new Dictionary<string, string?> { ["eth0"] = eth0Master }, HasIpv6: false)
        {
            MacOfLink = new Dictionary<string, MacAddress> { ["eth0"] = Eth0Mac },
            EnslavedUplinks = enslavedByHostnet ? new HashSet<string> { "eth0 br1" } : new HashSet<string>(),
        };

    private static List<string> Described(DesiredState s, ServerFacts f) =>
        IntentBuilder.Build(s, f).Objects.Select(o => o.Describe()).ToList();

    [Fact]
    public void A_running_bridged_vm_wants_the_bridge_on_the_uplinks_mac_the_uplink_in_it_and_its_port()
    {
        var objects = Described(Mixed(bridgedRunning: true, routedRunning: false), Facts());

        Assert.Contains("bridge br1 address 52:54:00:aa:bb:cc stp off forward_delay 0 up", objects);
        Assert.Contains("uplink eth0 master br1", objects);
        Assert.Contains("link vme00000003.0 (veth, peer eth0 in netns lab-vm3) address fe:00:00:00:00:03 master br1 up alias \"hostnet:vm3/net0\"", objects);
        Assert.Contains("address 192.168.200.203/24 dev eth0 (guest netns lab-vm3)", objects);
        Assert.Contains("route default via 192.168.200.1 dev eth0 proto hostnet (guest netns lab-vm3)", objects);
        Assert.DoesNotContain(objects, o => o.StartsWith("proxy", StringComparison.Ordinal));
    }

    [Fact]
    public void On_a_mixed_server_the_bridge_is_the_l3_uplink_of_the_routed_vms()
    {
        var objects = Described(Mixed(bridgedRunning: true), Facts());

        Assert.Contains("proxy 192.168.200.201 dev br1", objects);
        Assert.Contains("sysctl net/ipv4/neigh/br1/proxy_delay=0", objects);
        Assert.DoesNotContain("proxy 192.168.200.201 dev eth0", objects);
    }

    [Fact]
    public void The_bridge_stays_while_its_network_exists_even_with_no_vm_running()
    {
        var objects = Described(Mixed(bridgedRunning: false, routedRunning: true), Facts(eth0Master: "br1", enslavedByHostnet: true));

        Assert.Contains("uplink eth0 master br1", objects);
        Assert.Contains("proxy 192.168.200.201 dev br1", objects);
    }

    [Fact]
    public void Removing_the_bridged_network_gives_the_uplink_back_and_moves_the_proxy_entries_home()
    {
        var facts = Facts(eth0Master: "br1", enslavedByHostnet: true);
        var before = IntentBuilder.Build(Mixed(bridgedRunning: false), facts).Objects;
        var after = IntentBuilder.Build(Mixed(bridgedRunning: false, withBridgedNetwork: false), facts).Objects;

        var plan = Planner.Diff(after, before).Steps.Where(s => s.Object.Netns == KernelObject.Server).Select(s => s.ToString()).ToList();

        Assert.Contains("- uplink eth0 master br1", plan);
        Assert.Contains("- bridge br1 address 52:54:00:aa:bb:cc stp off forward_delay 0 up", plan);
        Assert.Contains("- proxy 192.168.200.201 dev br1", plan);
        Assert.Contains("+ proxy 192.168.200.201 dev eth0", plan);
        // The proxy entry on br1 goes before the uplink is given back; the one on eth0 comes after.
        Assert.True(plan.IndexOf("- proxy 192.168.200.201 dev br1") < plan.IndexOf("- uplink eth0 master br1"));
        Assert.True(plan.IndexOf("- uplink eth0 master br1") < plan.IndexOf("+ proxy 192.168.200.201 dev eth0"));
    }

    [Fact]
    public void An_uplink_in_a_bridge_hostnet_did_not_make_is_left_where_it_is()
    {
        var objects = Described(Mixed(bridgedRunning: false, withBridgedNetwork: false), Facts(eth0Master: "br0"));

        Assert.Contains("proxy 192.168.200.201 dev br0", objects);
        Assert.DoesNotContain(objects, o => o.StartsWith("uplink", StringComparison.Ordinal) || o.StartsWith("bridge", StringComparison.Ordinal));
    }
}

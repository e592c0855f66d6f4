using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Planning;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Planning;

/// <summary>The planner, without privileges: the seed's VM #1 and VM #2 on a host-routed network.</summary>
public class PlannerTests
{
    private static readonly Guid Vm1Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly Guid Vm2Uuid = Guid.Parse("4980d06a-5c2e-4d1a-9f3b-000000000002");
    private static readonly ServerFacts Facts = new(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: true);

    private static DesiredState State(bool vm1Running = true, bool vm2Running = true, string vm1Mac = "02:00:00:00:00:01", string guest = "netns")
    {
        var routed = Network.HostRouted("Routed", "eth0");
        Guest G(string vm) => guest == "tap" ? Guest.Tap : Guest.Netns("lab-" + vm);
        var vm1 = new Vm("vm1", Vm1Uuid, G("vm1"), vm1Running,
            [new Adapter(0, "Routed", MacAddress.Parse(vm1Mac), [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null)]);
        var vm2 = new Vm("vm2", Vm2Uuid, G("vm2"), vm2Running,
            [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:02"), [new IpPrefix(IpAddress.Parse("192.168.200.202"), 32)], null)]);
        return new DesiredState([routed], [vm1, vm2]);
    }

    private static IReadOnlyList<KernelObject> Intent(DesiredState s) => IntentBuilder.Build(s, Facts).Objects;

    [Fact]
    public void Intent_holds_every_object_of_the_host_routed_table()
    {
        var described = Intent(State(vm2Running: false)).Select(o => (o.Netns, o.Describe())).ToList();

        Assert.Contains(("", "link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\""), described);
        Assert.Contains(("", "address 169.255.30.1/32 dev vme7b9a73a1.0"), described);
        Assert.Contains(("", "route 192.168.200.201/32 dev vme7b9a73a1.0 scope link proto hostnet"), described);
        Assert.Contains(("", "neighbor 192.168.200.201 lladdr 02:00:00:00:00:01 dev vme7b9a73a1.0 nud permanent"), described);
        Assert.Contains(("", "proxy 192.168.200.201 dev eth0"), described);
        Assert.Contains(("", "sysctl net/ipv4/ip_forward=1"), described);
        Assert.Contains(("", "sysctl net/ipv4/neigh/eth0/proxy_delay=0"), described);
        Assert.Contains(("", "sysctl net/ipv4/conf/vme7b9a73a1.0/proxy_arp=1"), described);
        Assert.Contains(("", "sysctl net/ipv4/conf/vme7b9a73a1.0/rp_filter=1"), described);
        Assert.Contains(("", "sysctl net/ipv6/conf/vme7b9a73a1.0/accept_ra=0"), described);
        Assert.Contains(("lab-vm1", "address 192.168.200.201/32 dev eth0 (guest netns lab-vm1)"), described);
        Assert.Contains(("lab-vm1", "route 169.255.30.1/32 dev eth0 scope link proto hostnet (guest netns lab-vm1)"), described);
        Assert.Contains(("lab-vm1", "route default via 169.255.30.1 dev eth0 proto hostnet (guest netns lab-vm1)"), described);
        Assert.DoesNotContain(described, d => d.Item2.Contains("192.168.200.202", StringComparison.Ordinal));
    }

    [Fact]
    public void Adding_to_an_empty_kernel_creates_everything_in_dependency_order()
    {
        var plan = Planner.Diff(Intent(State()), []);

        Assert.All(plan.Steps, s => Assert.Equal(Change.Add, s.Change));
        Assert.Equal(Intent(State()).Count, plan.Steps.Count);
        int At(string describe) => plan.Steps.ToList().FindIndex(s => s.Object.Describe() == describe);
        var link = At("link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\"");
        var address = At("address 169.255.30.1/32 dev vme7b9a73a1.0");
        var route = At("route 192.168.200.201/32 dev vme7b9a73a1.0 scope link proto hostnet");
        var proxy = At("proxy 192.168.200.201 dev eth0");
        var delay = At("sysctl net/ipv4/neigh/eth0/proxy_delay=0");
        var ns = At("netns lab-vm1");
        var onlink = At("route 169.255.30.1/32 dev eth0 scope link proto hostnet (guest netns lab-vm1)");
        var dflt = At("route default via 169.255.30.1 dev eth0 proto hostnet (guest netns lab-vm1)");
        Assert.True(ns < link && link < address && address < route && route < proxy, string.Join('\n', plan.Steps));
        Assert.True(delay < proxy, "proxy_delay=0 comes before any proxy entry");
        Assert.True(onlink < dflt, "the on-link route to the gateway comes before the default route through it");
    }

    [Fact]
    public void Nothing_to_do_when_the_kernel_matches()
    {
        var plan = Planner.Diff(Intent(State()), Intent(State()));

        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void Stopping_a_vm_removes_its_proxy_entry_and_link_and_leaves_the_other_vm_alone()
    {
        var plan = Planner.Diff(Intent(State(vm1Running: false)), Intent(State()));

        Assert.Equal(
        [
            "- proxy 192.168.200.201 dev eth0",
            "- link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\"",
        ],
            plan.Steps.Where(s => s.Object.Netns == "" && s.Object is not FilterElement).Select(s => s.ToString()));
        // Its filter elements go with it: it as a guest, its MAC, its address, the pair of them, four protections and
        // its DHCP answered in the inet table, its ARP in the arp table.
        Assert.Equal(12, plan.Steps.Count(s => s.Object is FilterElement { Key: var k } && k.StartsWith("vme7b9a73a1.0", StringComparison.Ordinal)));
        Assert.DoesNotContain(plan.Steps, s => s.Object.Describe().Contains("vme4980d06a", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Change != Change.Remove);
    }

    [Fact]
    public void A_changed_mac_changes_the_link_and_replaces_the_permanent_neighbour()
    {
        var plan = Planner.Diff(Intent(State(vm1Mac: "02:00:00:00:00:99")), Intent(State()));

        Assert.Equal(
        [
            "~ link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:99 up alias \"hostnet:vm1/net0\"   (now: link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\")",
            "~ neighbor 192.168.200.201 lladdr 02:00:00:00:00:99 dev vme7b9a73a1.0 nud permanent   (now: neighbor 192.168.200.201 lladdr 02:00:00:00:00:01 dev vme7b9a73a1.0 nud permanent)",
        ],
            plan.Steps.Where(s => s.Object is not FilterElement).Select(s => s.ToString()));
        // The filters' MAC elements follow: the old one out, the new one in.
        Assert.Equal(
        [
            "- nft element arp hostnet mac { vme7b9a73a1.0 . 02:00:00:00:00:01 }",
            "- nft element inet hostnet ident4 { vme7b9a73a1.0 . 02:00:00:00:00:01 . 192.168.200.201 }",
            "- nft element inet hostnet mac { vme7b9a73a1.0 . 02:00:00:00:00:01 }",
            "+ nft element arp hostnet mac { vme7b9a73a1.0 . 02:00:00:00:00:99 }",
            "+ nft element inet hostnet ident4 { vme7b9a73a1.0 . 02:00:00:00:00:99 . 192.168.200.201 }",
            "+ nft element inet hostnet mac { vme7b9a73a1.0 . 02:00:00:00:00:99 }",
        ],
            plan.Steps.Where(s => s.Object is FilterElement).Select(s => s.ToString()));
    }

    [Fact]
    public void A_route_deleted_by_hand_is_added_back_alone()
    {
        var observed = Intent(State()).Where(o => o.Describe() != "route 192.168.200.202/32 dev vme4980d06a.0 scope link proto hostnet").ToList();

        var plan = Planner.Diff(Intent(State()), observed);

        Assert.Equal(["+ route 192.168.200.202/32 dev vme4980d06a.0 scope link proto hostnet"], plan.Steps.Select(s => s.ToString()));
    }

    [Fact]
    public void A_tap_guest_gets_a_tap_and_no_guest_side_objects()
    {
        var objects = Intent(State(guest: "tap", vm2Running: false));

        Assert.Contains(objects, o => o.Describe() == "link vme7b9a73a1.0 (tap) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\"");
        Assert.All(objects, o => Assert.Equal(KernelObject.Server, o.Netns));
    }

    [Fact]
    public void A_link_that_changed_kind_is_removed_then_made_anew()
    {
        var plan = Planner.Diff(Intent(State(guest: "tap", vm2Running: false)), Intent(State(vm2Running: false)).Where(o => o.Netns == "").ToList());

        var linkSteps = plan.Steps.Where(s => s.Object is HostLink).Select(s => s.ToString()).ToList();
        Assert.Equal(
        [
            "- link vme7b9a73a1.0 (veth, peer eth0 in netns lab-vm1) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\"",
            "+ link vme7b9a73a1.0 (tap) address fe:00:00:00:00:01 up alias \"hostnet:vm1/net0\"",
        ], linkSteps);
    }

    [Fact]
    public void A_second_routed_adapter_answers_through_its_own_table()
    {
        var s = State(vm2Running: false);
        var vm1 = s.Vms[0] with
        {
            Adapters = [.. s.Vms[0].Adapters, new Adapter(1, "Routed", MacAddress.Parse("02:00:00:00:01:01"), [new IpPrefix(IpAddress.Parse("192.168.200.204"), 32)], null)],
        };
        var described = Intent(s with { Vms = [vm1, s.Vms[1]] }).Where(o => o.Netns == "lab-vm1").Select(o => o.Describe()).ToList();

        Assert.Contains("rule from 192.168.200.204 lookup 1001 priority 1001 proto hostnet (guest netns lab-vm1)", described);
        Assert.Contains("route default via 169.255.30.1 dev eth1 table 1001 proto hostnet (guest netns lab-vm1)", described);
        Assert.Contains("route 169.255.30.1/32 dev eth1 scope link table 1001 proto hostnet (guest netns lab-vm1)", described);
        // The main table keeps the first adapter's routes.
        Assert.Contains("route default via 169.255.30.1 dev eth0 proto hostnet (guest netns lab-vm1)", described);
        Assert.DoesNotContain(described, d => d.StartsWith("rule from 192.168.200.201", StringComparison.Ordinal));
    }
}

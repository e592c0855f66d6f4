using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Planning;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Planning;

/// <summary>
/// Which addresses a plan claims on the LAN, where the server probes for them, and which steps
/// wait for the probe — without privileges, on the seed's mixed server.
/// </summary>
public class LanClaimsTests
{
    private static readonly IpAddress Vm1Ip = IpAddress.Parse("192.168.200.201");
    private static readonly IpAddress Vm3Ip = IpAddress.Parse("192.168.200.203");
    private static readonly IpAddress Vm4Ip = IpAddress.Parse("192.168.200.204");

    private static DesiredState Mixed(Guest vm3Guest, bool vm3Running = true, bool vm1Running = true, bool vm3Bridged = true)
    {
        var vm1 = new Vm("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Netns("lab-vm1"), vm1Running,
            [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"), [new IpPrefix(Vm1Ip, 32)], null)]);
        var vm3 = new Vm("vm3", Guid.Parse("00000003-0000-4000-8000-000000000003"), vm3Guest, vm3Running,
            [vm3Bridged
                ? new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:03"), [new IpPrefix(Vm3Ip, 24), new IpPrefix(Vm4Ip, 24)], IpAddress.Parse("192.168.200.1"))
                : new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:03"), [new IpPrefix(Vm3Ip, 32)], null)]);
        return new DesiredState([Network.HostRouted("Routed", "eth0"), Network.Bridged("Bridged", "br1", "eth0")], [vm1, vm3]);
    }

    private static ServerFacts Facts(bool bridgeMade) =>
        new(new Dictionary<string, string?> { ["eth0"] = bridgeMade ? "br1" : null }, HasIpv6: false)
        {
            MacOfLink = new Dictionary<string, MacAddress> { ["eth0"] = MacAddress.Parse("52:54:00:aa:bb:cc") },
            EnslavedUplinks = bridgeMade ? new HashSet<string> { "eth0 br1" } : new HashSet<string>(),
        };

    /// <summary>The plan from <paramref name="observed"/> (what the kernel has) to the intent of <paramref name="state"/>.</summary>
    private static (Plan Plan, IReadOnlyList<KernelObject> Intent) PlanFor(DesiredState state, ServerFacts facts, IEnumerable<KernelObject> observed)
    {
        var intent = IntentBuilder.Build(state, facts).Objects;
        return (Planner.Diff(intent, observed), intent);
    }

    private static IReadOnlyList<LanClaim> Claims(DesiredState state, ServerFacts facts, IEnumerable<KernelObject> observed)
    {
        var (plan, intent) = PlanFor(state, facts, observed);
        return LanClaims.Find(plan, intent, state);
    }

    private static List<string> Described(IEnumerable<LanClaim> claims) =>
        claims.Select(c => $"{c.Address} via {c.ProbeDev}: {c.Holder.Describe()}").ToList();

    [Fact]
    public void A_first_start_claims_the_bridged_guests_addresses_through_the_uplink_of_the_bridge_about_to_be_made()
    {
        var claims = Claims(Mixed(Guest.Netns("lab-vm3")), Facts(bridgeMade: false), []);

        Assert.Equal(
            [
                "192.168.200.203 via eth0: address 192.168.200.203/24 dev eth0 (guest netns lab-vm3)",
                "192.168.200.204 via eth0: address 192.168.200.204/24 dev eth0 (guest netns lab-vm3)",
                "192.168.200.201 via eth0: proxy 192.168.200.201 dev br1",
            ],
            Described(claims));
    }

    [Fact]
    public void Once_the_bridge_stands_a_bridged_address_is_probed_on_the_bridge()
    {
        var facts = Facts(bridgeMade: true);
        var standing = IntentBuilder.Build(Mixed(Guest.Netns("lab-vm3"), vm3Running: false, vm1Running: false), facts).Objects;

        var claims = Claims(Mixed(Guest.Netns("lab-vm3"), vm1Running: false), facts, standing);

        Assert.Equal(
            [
                "192.168.200.203 via br1: address 192.168.200.203/24 dev eth0 (guest netns lab-vm3)",
                "192.168.200.204 via br1: address 192.168.200.204/24 dev eth0 (guest netns lab-vm3)",
            ],
            Described(claims));
    }

    [Fact]
    public void A_routed_guests_own_addresses_are_claimed_by_their_published_entries_only()
    {
        var claims = Claims(Mixed(Guest.Netns("lab-vm3"), vm3Bridged: false), Facts(bridgeMade: false), []);

        Assert.Equal(
            ["192.168.200.201 via eth0: proxy 192.168.200.201 dev eth0", "192.168.200.203 via eth0: proxy 192.168.200.203 dev eth0"],
            Described(claims));
    }

    [Fact]
    public void A_bridged_qemu_guest_claims_the_addresses_the_state_gives_it_with_its_tap()
    {
        var facts = Facts(bridgeMade: true);
        var standing = IntentBuilder.Build(Mixed(Guest.Tap, vm3Running: false, vm1Running: false), facts).Objects;

        var claims = Claims(Mixed(Guest.Tap, vm1Running: false), facts, standing);

        Assert.Equal(
            [
                "192.168.200.203 via br1: link vme00000003.0 (tap) address fe:00:00:00:00:03 master br1 up alias \"hostnet:vm3/net0\"",
                "192.168.200.204 via br1: link vme00000003.0 (tap) address fe:00:00:00:00:03 master br1 up alias \"hostnet:vm3/net0\"",
            ],
            Described(claims));
    }

    [Fact]
    public void What_already_stands_claims_nothing_and_a_published_entry_moving_to_the_bridge_is_no_new_claim()
    {
        var before = Mixed(Guest.Netns("lab-vm3"), vm3Running: false);
        var standing = IntentBuilder.Build(before, Facts(bridgeMade: false)).Objects;
        Assert.Empty(Claims(before, Facts(bridgeMade: false), standing));

        // vm3 starts: br1 is made, vm1's entry moves from eth0 to br1; only vm3's addresses are new on the LAN.
        var claims = Claims(Mixed(Guest.Netns("lab-vm3")), Facts(bridgeMade: false), standing);

        Assert.Equal([Vm3Ip, Vm4Ip], claims.Select(c => c.Address));
    }

    [Fact]
    public void What_makes_a_claimed_address_appear_waits_for_its_probe_and_nothing_else_does()
    {
        var state = Mixed(Guest.Netns("lab-vm3"));
        var (plan, intent) = PlanFor(state, Facts(bridgeMade: false), []);
        var claims = LanClaims.Find(plan, intent, state);

        var waiting = plan.Steps
            .Select(s => (Step: s.ToString(), On: LanClaims.WaitsFor(s, claims)))
            .Where(w => w.On is not null)
            .Select(w => $"{w.Step} <- {string.Join(",", w.On!)}")
            .ToList();

        Assert.Equal(
            [
                "+ address 192.168.200.203/24 dev eth0 (guest netns lab-vm3) <- 192.168.200.203",
                "+ address 192.168.200.204/24 dev eth0 (guest netns lab-vm3) <- 192.168.200.204",
                "+ proxy 192.168.200.201 dev br1 <- 192.168.200.201",
                "+ route 192.168.200.201/32 dev vme7b9a73a1.0 scope link proto hostnet <- 192.168.200.201",
                "+ route default via 192.168.200.1 dev eth0 proto hostnet (guest netns lab-vm3) <- 192.168.200.203,192.168.200.204",
            ],
            waiting.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void A_bridged_qemu_guests_tap_waits_for_the_probe_of_its_addresses()
    {
        var facts = Facts(bridgeMade: true);
        var standing = IntentBuilder.Build(Mixed(Guest.Tap, vm3Running: false, vm1Running: false), facts).Objects;
        var state = Mixed(Guest.Tap, vm1Running: false);
        var (plan, intent) = PlanFor(state, facts, standing);
        var claims = LanClaims.Find(plan, intent, state);

        var tap = Assert.Single(plan.Steps, s => s.Object is HostLink);
        Assert.Equal([Vm3Ip, Vm4Ip], LanClaims.WaitsFor(tap, claims));
        Assert.Null(LanClaims.WaitsFor(new PlanStep(Change.Remove, tap.Object, tap.Object), claims));
    }
}

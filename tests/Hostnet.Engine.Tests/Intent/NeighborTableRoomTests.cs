using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Intent;

/// <summary>gc_thresh1..3 raised for the routed addresses a server holds, never lowered.</summary>
public class NeighborTableRoomTests
{
    private static DesiredState Routed(int vms, bool running = true)
    {
        var list = new List<Vm>();
        for (int i = 1; i <= vms; i++)
        {
            var ip = IpAddress.Parse($"10.0.{i >> 8}.{i & 255}");
            list.Add(new Vm($"vm{i}", Guid.Parse($"{i:x8}-0000-4000-8000-000000000000"), Guest.Tap, running,
                [new Adapter(0, "Routed", MacAddress.Parse($"02:00:00:00:{i >> 8:x2}:{i & 255:x2}"), [new IpPrefix(ip, 32)], null)]));
        }
        return new DesiredState([Network.HostRouted("Routed", "eth0")], list);
    }

    private static ServerFacts Facts(long t1, long t2, long t3) =>
        new(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: false)
        {
            NeighborGcThresholds = new Dictionary<string, long>
            {
                ["net/ipv4/neigh/default/gc_thresh1"] = t1,
                ["net/ipv4/neigh/default/gc_thresh2"] = t2,
                ["net/ipv4/neigh/default/gc_thresh3"] = t3,
            },
        };

    private static Dictionary<string, string> Thresholds(DesiredState state, ServerFacts facts) =>
        IntentBuilder.Build(state, facts).Objects.OfType<SysctlObject>()
            .Where(s => s.Path.StartsWith("net/ipv4/neigh/default/", StringComparison.Ordinal))
            .ToDictionary(s => s.Path, s => s.Value);

    [Fact]
    public void Thresholds_are_raised_for_the_routed_addresses()
    {
        var t = Thresholds(Routed(1000), Facts(128, 512, 1024));

        Assert.Equal("1128", t["net/ipv4/neigh/default/gc_thresh1"]);
        Assert.Equal("2512", t["net/ipv4/neigh/default/gc_thresh2"]);
        Assert.Equal("3024", t["net/ipv4/neigh/default/gc_thresh3"]);
    }

    [Fact]
    public void A_higher_value_is_kept_as_it_is()
    {
        var t = Thresholds(Routed(10), Facts(4096, 8192, 16384));

        Assert.Equal("4096", t["net/ipv4/neigh/default/gc_thresh1"]);
        Assert.Equal("8192", t["net/ipv4/neigh/default/gc_thresh2"]);
        Assert.Equal("16384", t["net/ipv4/neigh/default/gc_thresh3"]);
    }

    [Fact]
    public void Nothing_is_wanted_where_the_kernel_does_not_show_them_or_no_routed_vm_runs()
    {
        Assert.Empty(Thresholds(Routed(10), new ServerFacts(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: false)));
        Assert.Empty(Thresholds(Routed(10, running: false), Facts(128, 512, 1024)));
    }

    [Fact]
    public void IPv6_thresholds_are_raised_for_the_routed_IPv6_addresses_apart_from_IPv4_s()
    {
        var vms = new List<Vm>();
        for (int i = 1; i <= 1000; i++)
        {
            // 1,000 dual-stack VMs and 500 more IPv6 addresses: 1,000 IPv4 and 1,500 IPv6 entries.
            List<IpPrefix> addresses = [new IpPrefix(IpAddress.Parse($"10.0.{i >> 8}.{i & 255}"), 32), new IpPrefix(IpAddress.Parse($"2001:db8::{i:x}"), 128)];
            if (i % 2 == 0) addresses.Add(new IpPrefix(IpAddress.Parse($"2001:db8:1::{i:x}"), 128));
            vms.Add(new Vm($"vm{i}", Guid.Parse($"{i:x8}-0000-4000-8000-000000000000"), Guest.Tap, true,
                [new Adapter(0, "Routed", MacAddress.Parse($"02:00:00:00:{i >> 8:x2}:{i & 255:x2}"), addresses, null)]));
        }
        var state = new DesiredState([Network.HostRouted("Routed", "eth0")], vms);
        var facts = new ServerFacts(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: true)
        {
            NeighborGcThresholds = new Dictionary<string, long>
            {
                ["net/ipv4/neigh/default/gc_thresh1"] = 128,
                ["net/ipv4/neigh/default/gc_thresh2"] = 512,
                ["net/ipv4/neigh/default/gc_thresh3"] = 1024,
                ["net/ipv6/neigh/default/gc_thresh1"] = 128,
                ["net/ipv6/neigh/default/gc_thresh2"] = 512,
                ["net/ipv6/neigh/default/gc_thresh3"] = 1024,
            },
        };
        var t = IntentBuilder.Build(state, facts).Objects.OfType<SysctlObject>()
            .Where(s => s.Path.Contains("/neigh/default/", StringComparison.Ordinal)).ToDictionary(s => s.Path, s => s.Value);

        Assert.Equal("1128", t["net/ipv4/neigh/default/gc_thresh1"]);
        Assert.Equal("3024", t["net/ipv4/neigh/default/gc_thresh3"]);
        Assert.Equal("1628", t["net/ipv6/neigh/default/gc_thresh1"]);
        Assert.Equal("3512", t["net/ipv6/neigh/default/gc_thresh2"]);
        Assert.Equal("4024", t["net/ipv6/neigh/default/gc_thresh3"]);

        // An IPv4-only server wants nothing of IPv6's table.
        var v4Only = IntentBuilder.Build(Routed(10), facts).Objects.OfType<SysctlObject>();
        Assert.DoesNotContain(v4Only, s => s.Path.StartsWith("net/ipv6/neigh/default/", StringComparison.Ordinal));
    }
}

using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Model;

namespace Hostnet.Engine.Tests.Kernel;

public class SysctlPathsTests
{
    [Fact]
    public void A_setting_both_families_have_is_asked_for_by_family()
    {
        Assert.Equal("net/ipv4/conf/vme7b9a73a1.0/forwarding", SysctlPaths.Conf(IpFamily.Ipv4, "vme7b9a73a1.0", "forwarding"));
        Assert.Equal("net/ipv6/conf/all/forwarding", SysctlPaths.Conf(IpFamily.Ipv6, "all", "forwarding"));
        Assert.Equal("net/ipv4/neigh/eth0/proxy_delay", SysctlPaths.Neigh(IpFamily.Ipv4, "eth0", "proxy_delay"));
        Assert.Equal("net/ipv6/neigh/eth0/proxy_delay", SysctlPaths.Neigh(IpFamily.Ipv6, "eth0", "proxy_delay"));
    }

    [Fact]
    public void A_routed_adapter_wants_the_settings_it_always_did()
    {
        var state = new DesiredState(
            [Network.HostRouted("Routed", "eth0")],
            [new Vm("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Tap, true,
                [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"), [IpPrefix.Host(IpAddress.Parse("192.168.200.201"))], null)])]);
        var facts = new ServerFacts(new Dictionary<string, string?> { ["eth0"] = null }, HasIpv6: true);
        var paths = IntentBuilder.Build(state, facts).Objects.OfType<SysctlObject>().Select(s => $"{s.Path}={s.Value}").Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "net/ipv4/conf/all/send_redirects=0",
                "net/ipv4/conf/eth0/forwarding=1",
                "net/ipv4/conf/eth0/send_redirects=0",
                "net/ipv4/conf/vme7b9a73a1.0/proxy_arp=1",
                "net/ipv4/conf/vme7b9a73a1.0/rp_filter=1",
                "net/ipv4/ip_forward=1",
                "net/ipv4/neigh/eth0/proxy_delay=0",
                "net/ipv6/conf/vme7b9a73a1.0/accept_ra=0",
            ],
            paths);
    }
}

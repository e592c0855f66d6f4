using Hostnet.Model;

namespace Hostnet.Store.Tests;

/// <summary>A routed network's IPv6 gateway and a dual-stack adapter's IPv6 gateway, written and read back (schema 8).</summary>
public class GatewaysStoreTests
{
    [Fact]
    public void IPv6_gateways_survive_a_reopen_and_a_change_back()
    {
        using var dir = new TempDir();
        var uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        var adapter = new Adapter(0, "Bridged", MacAddress.Parse("02:00:00:00:00:01"),
            [new IpPrefix(IpAddress.Parse("192.168.200.204"), 24), new IpPrefix(IpAddress.Parse("2001:db8:200::204"), 64)], IpAddress.Parse("192.168.200.1"))
        {
            Gateway6 = IpAddress.Parse("2001:db8:200::1"),
        };
        using (var store = StateStore.Open(dir.Path))
        {
            store.Write(tx =>
            {
                tx.AddNetwork(Network.HostRouted("Routed", "eth0") with { Gateway6 = IpAddress.Parse("fe80::1") });
                tx.AddNetwork(Network.Bridged("Bridged", "br1", "eth0"));
                tx.AddVm(new Vm("vm1", uuid, Guest.Tap, false, [adapter]));
            });
        }
        using (var store = StateStore.Open(dir.Path))
        {
            var state = store.Load();
            Assert.Equal("fe80::1", state.GetNetwork("Routed").Gateway6.ToString());
            Assert.Null(state.GetNetwork("Bridged").Gateway6);
            Assert.Equal(adapter, state.GetAdapter("vm1", 0));
            store.Write(tx =>
            {
                tx.SetGateway6("Routed", null);
                tx.SaveAdapter("vm1", adapter with { Gateway6 = null });
            });
            state = store.Load();
            Assert.Equal("fe80::ffff:1:1", state.GetNetwork("Routed").Gateway6.ToString());
            Assert.Null(state.GetNetwork("Routed").Gateway6Given);
            Assert.Null(state.GetAdapter("vm1", 0).Gateway6);
            store.Write(tx => tx.SaveAdapter("vm1", adapter));
            Assert.Equal("2001:db8:200::1", store.Load().GetAdapter("vm1", 0).Gateway6.ToString());
        }
    }
}

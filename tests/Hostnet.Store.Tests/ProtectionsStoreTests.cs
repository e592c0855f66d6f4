using Hostnet.Model;

namespace Hostnet.Store.Tests;

/// <summary>An adapter's protections and a network's server ports, written and read back (schema 7).</summary>
public class ProtectionsStoreTests
{
    [Fact]
    public void Protections_switched_off_and_server_ports_survive_a_reopen_and_a_change_back()
    {
        using var dir = new TempDir();
        var uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        var adapter = new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"), [IpPrefix.Host(IpAddress.Parse("192.168.200.201"))], null)
        {
            Protections = Protections.All & ~(Protections.Mac | Protections.Server),
        };
        using (var store = StateStore.Open(dir.Path))
        {
            store.Write(tx =>
            {
                tx.AddNetwork(Network.HostRouted("Routed", "eth0") with { ServerPorts = [new ServerPort("tcp", 53), new ServerPort("udp", 53)] });
                tx.AddVm(new Vm("vm1", uuid, Guest.Tap, false, [adapter]));
            });
        }
        using (var store = StateStore.Open(dir.Path))
        {
            var state = store.Load();
            Assert.Equal(Protections.Addresses | Protections.Arp | Protections.Guards, state.GetAdapter("vm1", 0).Protections);
            Assert.Equal(["tcp/53", "udp/53"], state.GetNetwork("Routed").ServerPorts.Select(p => p.ToString()));
            store.Write(tx => tx.SaveAdapter("vm1", adapter with { Protections = Protections.All }));
            Assert.Equal(Protections.All, store.Load().GetAdapter("vm1", 0).Protections);
        }
    }
}

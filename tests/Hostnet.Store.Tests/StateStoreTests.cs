using Hostnet.Model;

namespace Hostnet.Store.Tests;

public class StateStoreTests
{
    private static readonly Guid Vm1Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly Guid Vm2Uuid = Guid.Parse("4980d06a-0000-4000-8000-000000000002");

    /// <summary>The seed's mixed server, with a netns guest and two addresses on one adapter.</summary>
    private static DesiredState Seed()
    {
        var s = DesiredState.Empty
            .AddNetwork(Network.HostRouted("Routed", "eth0"))
            .AddNetwork(Network.Bridged("Bridged", "br1", "eth0"))
            .AddVm(new Vm("vm1", Vm1Uuid, Guest.Tap, true, []))
            .AddVm(new Vm("vm2", Vm2Uuid, Guest.Netns("lab-vm2"), false, []));
        s = s.AddAdapter("vm1", s.NewAdapter("vm1", "Routed", ["192.168.200.201", "192.168.200.211"], null, null));
        s = s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", ["192.168.200.203/24"], "192.168.200.1", "02:00:00:00:00:03"));
        return s.AddAdapter("vm2", s.NewAdapter("vm2", "Bridged", [], null, null));
    }

    private static void Save(StateStore store, DesiredState state) => store.Write(tx =>
    {
        foreach (var n in state.Networks) tx.AddNetwork(n);
        foreach (var vm in state.Vms) tx.AddVm(vm);
    });

    [Fact]
    public void The_state_round_trips()
    {
        using var dir = new TempDir();
        var state = Seed();
        using (var store = StateStore.Open(dir.Path)) Save(store, state);
        using (var store = StateStore.Open(dir.Path))
        {
            var loaded = store.Load();
            Assert.Equal(state, loaded);
            Assert.Equal("lab-vm2", loaded.GetVm("vm2").Guest.NetnsName);
            Assert.Equal(IpAddress.DefaultRoutedGateway, loaded.GetNetwork("Routed").Gateway);
            Assert.Equal(Migrations.All.Count, store.SchemaVersion);
        }
    }

    [Fact]
    public void Row_wise_edits_round_trip()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        Save(store, Seed());
        var expected = store.Write(tx =>
        {
            var s = tx.Load();
            var changed = s.ChangedAdapter("vm1", "net0", null, ["192.168.200.220"], null, "02:00:00:00:00:20");
            s = s.SetAdapter("vm1", changed);
            tx.SaveAdapter("vm1", changed);
            s = s.RemoveAdapter("vm2", 1);
            tx.RemoveAdapter("vm2", 1);
            s = s.SetRunning("vm1", false);
            tx.SetRunning("vm1", false);
            s = s.RemoveVm("vm2");
            tx.RemoveVm("vm2");
            s = s.RemoveNetwork("Bridged");
            tx.RemoveNetwork("Bridged");
            return s;
        });
        Assert.Equal(expected, store.Load());
        Assert.Equal("192.168.200.220/32", store.Load().GetAdapter("vm1", 0).Addresses.Single().ToString());
    }

    [Fact]
    public void A_change_that_throws_leaves_nothing()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        Save(store, Seed());
        Assert.Throws<ValidationException>(() => store.Write(tx =>
        {
            tx.RemoveVm("vm1");
            tx.Load().RemoveNetwork("Nope");
        }));
        Assert.Equal(Seed(), store.Load());
    }

    [Fact]
    public void The_database_refuses_a_second_holder_of_an_address_too()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        Save(store, Seed());
        var mac = MacAddress.Parse("02:00:00:00:00:77");
        var rogue = new Adapter(5, "Routed", mac, [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null);
        Assert.ThrowsAny<Exception>(() => store.Write(tx => tx.SaveAdapter("vm2", rogue)));
        Assert.Equal(Seed(), store.Load());
    }

    [Theory]
    [InlineData("/srv/x", null, null, "/srv/x")]
    [InlineData("/srv/x", "lab", "/env", "/srv/x")]
    [InlineData(null, "lab", "/env", "/env")]
    [InlineData(null, "lab", null, "/var/lib/hostnet/netns/lab")]
    [InlineData(null, null, null, "/var/lib/hostnet")]
    [InlineData(null, null, "", "/var/lib/hostnet")]
    public void The_state_directory_comes_from_option_environment_netns_or_default(string? option, string? netns, string? env, string expected) =>
        Assert.Equal(expected, StateStore.ResolveStateDir(option, netns, env));

    [Fact]
    public void A_state_directory_that_cannot_be_made_is_one_clear_error()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "file");
        File.WriteAllText(file, "");
        var e = Assert.Throws<StoreException>(() => StateStore.Open(Path.Combine(file, "state")));
        Assert.StartsWith($"cannot create the state directory {file}/state: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_writers_at_once_lose_nothing()
    {
        using var dir = new TempDir();
        using (var store = StateStore.Open(dir.Path)) store.Write(tx => tx.AddNetwork(Network.HostRouted("Routed", "eth0")));
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                // Each write opens its own connection, as each hostnet process does.
                using var store = StateStore.Open(dir.Path);
                store.Write(tx =>
                {
                    var s = tx.Load();
                    var vm = new Vm($"vm-{w}-{i}", s.NewVmUuid(), Guest.Tap, false, []);
                    s = s.AddVm(vm);
                    tx.AddVm(vm);
                    var a = s.NewAdapter(vm.Name, "Routed", [$"10.{w}.0.{i + 1}"], null, null);
                    s.AddAdapter(vm.Name, a);
                    tx.SaveAdapter(vm.Name, a);
                });
            }
        })).ToArray();
        await Task.WhenAll(writers);
        using var check = StateStore.Open(dir.Path);
        var state = check.Load();
        Assert.Equal(40, state.Vms.Count);
        Assert.Equal(40, state.Vms.Select(v => v.Adapters.Single().Addresses.Single().Address).Distinct().Count());
        Assert.Equal("ok", Scalar(check, "PRAGMA integrity_check"));
    }

    [Fact]
    public void A_change_among_ten_thousand_VMs_touches_only_its_rows()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        var s = DesiredState.Empty.AddNetwork(Network.HostRouted("Routed", "eth0"));
        store.Write(tx =>
        {
            tx.AddNetwork(s.Networks[0]);
            for (var i = 0; i < 10_000; i++)
            {
                var uuid = s.NewVmUuid();
                var vm = new Vm($"vm-{i}", uuid, Guest.Tap, false,
                    [new Adapter(0, "Routed", MacAddress.Generate(uuid, 0), [new IpPrefix(new IpAddress(0x0A000001u + (uint)i), 32)], null)]);
                s = s.AddVm(vm);
                tx.AddVm(vm);
            }
        });

        var changes = store.Write(tx =>
        {
            var before = Changes(tx);
            var a = s.ChangedAdapter("vm-5000", "net0", null, ["10.200.0.1"], null, null);
            tx.SaveAdapter("vm-5000", a);
            return Changes(tx) - before;
        });
        // One address row deleted, the adapter row updated, one address row inserted.
        Assert.Equal(3, changes);
        var removed = store.Write(tx =>
        {
            var before = Changes(tx);
            tx.RemoveVm("vm-7");
            return Changes(tx) - before;
        });
        // The VM row, and by cascade its adapter row and its address row.
        Assert.Equal(3, removed);
        var loaded = store.Load();
        Assert.Equal(9_999, loaded.Vms.Count);
        Assert.Equal("10.200.0.1/32", loaded.GetAdapter("vm-5000", 0).Addresses.Single().ToString());
    }

    private static long Changes(StateTransaction tx)
    {
        using var cmd = tx.CreateCommand("SELECT total_changes()");
        return (long)cmd.ExecuteScalar()!;
    }

    private static object? Scalar(StateStore store, string sql) => store.Write(tx =>
    {
        using var cmd = tx.CreateCommand(sql);
        return cmd.ExecuteScalar();
    });
}

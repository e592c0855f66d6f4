using Hostnet.Model;

namespace Hostnet.Store.Tests;

public class MigrationsTests
{
    [Fact]
    public void Versions_count_up_from_one()
    {
        for (var i = 0; i < Migrations.All.Count; i++) Assert.Equal(i + 1, Migrations.All[i].Version);
    }

    [Fact]
    public void A_new_database_takes_every_step()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        Assert.Equal(Migrations.All.Count, store.SchemaVersion);
    }

    [Fact]
    public void An_old_database_is_migrated_and_keeps_its_state()
    {
        using var dir = new TempDir();
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        using (var old = StateStore.Open(dir.Path, Migrations.All.Take(1).ToList()))
        {
            Assert.Equal(1, old.SchemaVersion);
            old.Write(tx =>
            {
                tx.AddNetwork(Network.HostRouted("Routed", "eth0"));
                tx.AddVm(new Vm("vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Guest.Tap, false,
                    [new Adapter(0, "Routed", mac, [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null)]));
            });
        }
        using var store = StateStore.Open(dir.Path);
        Assert.Equal(Migrations.All.Count, store.SchemaVersion);
        Assert.Equal(mac, store.Load().GetAdapter("vm1", 0).Mac);
        // Step 2's unique index is in force.
        Assert.ThrowsAny<Exception>(() => store.Write(tx => tx.AddVm(new Vm("vm2", Guid.Parse("4980d06a-0000-4000-8000-000000000002"), Guest.Tap, false,
            [new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:02"), [new IpPrefix(IpAddress.Parse("192.168.200.201"), 32)], null)]))));
    }

    [Fact]
    public void A_database_of_IPv4_prefixes_takes_both_families_and_keeps_its_addresses()
    {
        using var dir = new TempDir();
        var vm1 = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
        // The schema before migration 6, the one that took IPv6 prefixes.
        var before = 5;
        using (var old = StateStore.Open(dir.Path, Migrations.All.Take(before).ToList()))
        {
            Assert.Equal(before, old.SchemaVersion);
            old.Write(tx =>
            {
                tx.AddNetwork(Network.HostRouted("Routed", "eth0"));
                tx.AddNetwork(Network.Bridged("Bridged", "br1", "eth0"));
                tx.AddVm(new Vm("vm1", vm1, Guest.Tap, false,
                [
                    new Adapter(0, "Routed", MacAddress.Parse("02:00:00:00:00:01"),
                        [IpPrefix.Host(IpAddress.Parse("192.168.200.201")), IpPrefix.Host(IpAddress.Parse("192.168.200.202"))], null),
                    new Adapter(1, "Bridged", MacAddress.Parse("02:00:00:00:00:02"),
                        [new IpPrefix(IpAddress.Parse("192.168.200.203"), 24)], IpAddress.Parse("192.168.200.1")),
                ]));
            });
            // The old schema holds no IPv6 prefix.
            Assert.ThrowsAny<Exception>(() => old.Write(tx => Insert(tx, "2001:db8::201", 128)));
        }

        using var store = StateStore.Open(dir.Path);
        Assert.Equal(Migrations.All.Count, store.SchemaVersion);
        var state = store.Load();
        Assert.Equal(["192.168.200.201/32", "192.168.200.202/32"], state.GetAdapter("vm1", 0).Addresses.Select(a => a.ToString()));
        Assert.Equal(["192.168.200.203/24"], state.GetAdapter("vm1", 1).Addresses.Select(a => a.ToString()));

        // Both families now; an IPv4 prefix still ends at 32.
        store.Write(tx => Insert(tx, "2001:db8::201", 128));
        Assert.Equal(
            ["192.168.200.201/32", "192.168.200.202/32", "2001:db8::201/128"],
            store.Load().GetAdapter("vm1", 0).Addresses.Select(a => a.ToString()));
        Assert.ThrowsAny<Exception>(() => store.Write(tx => Insert(tx, "2001:db8::202", 129, pos: 4)));
        Assert.ThrowsAny<Exception>(() => store.Write(tx => Insert(tx, "192.168.200.209", 33, pos: 4)));
        // The unique index and the foreign key came back with the table.
        Assert.ThrowsAny<Exception>(() => store.Write(tx => Insert(tx, "192.168.200.203", 32, pos: 4)));
        Assert.ThrowsAny<Exception>(() => store.Write(tx => Insert(tx, "192.168.200.210", 32, pos: 0, idx: 7)));
        store.Write(tx => tx.RemoveVm("vm1"));
        store.Write(tx =>
        {
            using var count = tx.CreateCommand("SELECT count(*) FROM adapter_addresses");
            Assert.Equal(0L, (long)count.ExecuteScalar()!);
        });
    }

    private static void Insert(StateTransaction tx, string address, int prefix, int pos = 3, int idx = 0)
    {
        using var cmd = tx.CreateCommand(
            "INSERT INTO adapter_addresses (vm_id, idx, pos, address, prefix) SELECT id, $idx, $pos, $address, $prefix FROM vms WHERE name = 'vm1'");
        cmd.Parameters.AddWithValue("$idx", idx);
        cmd.Parameters.AddWithValue("$pos", pos);
        cmd.Parameters.AddWithValue("$address", address);
        cmd.Parameters.AddWithValue("$prefix", prefix);
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }

    [Fact]
    public void A_later_step_is_one_more_entry()
    {
        using var dir = new TempDir();
        using (StateStore.Open(dir.Path)) { }
        var extended = Migrations.All.Append(new Migration(Migrations.All.Count + 1, "a table of another layer", "CREATE TABLE extra_objects (id INTEGER PRIMARY KEY, kind TEXT NOT NULL)")).ToList();
        using var store = StateStore.Open(dir.Path, extended);
        Assert.Equal(extended.Count, store.SchemaVersion);
        store.Write(tx =>
        {
            using var cmd = tx.CreateCommand("INSERT INTO extra_objects (kind) VALUES ('link')");
            cmd.ExecuteNonQuery();
        });
    }

    [Fact]
    public void A_database_newer_than_this_hostnet_is_refused()
    {
        using var dir = new TempDir();
        var extended = Migrations.All.Append(new Migration(Migrations.All.Count + 1, "from the future", "CREATE TABLE future (x)")).ToList();
        using (StateStore.Open(dir.Path, extended)) { }
        var e = Assert.Throws<StoreException>(() => StateStore.Open(dir.Path));
        Assert.Equal($"the state database {Path.Combine(dir.Path, "state.db")} has schema version {extended.Count}, newer than this hostnet knows ({Migrations.All.Count}): use a newer hostnet", e.Message);
    }
}

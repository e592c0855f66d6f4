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

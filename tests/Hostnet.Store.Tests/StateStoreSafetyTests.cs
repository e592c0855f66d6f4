using System.Security.Cryptography;
using Hostnet.Model;
using Hostnet.TestKit;
using Microsoft.Data.Sqlite;

namespace Hostnet.Store.Tests;

/// <summary>
/// A state that cannot be mistaken for empty, and that only root reads: a file that is not a whole
/// Hostnet database is refused as it is; a new directory is 0700 and a new database 0600.
/// </summary>
public class StateStoreSafetyTests
{
    private static string Refusal(string path, string what) =>
        $"the state database {path} {what}: it is not a Hostnet state and is not read as one without VMs; restore it from a backup, or move it away to start with no state";

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Mode(string path) => Sh.Run("stat", ["-c", "%a", path]).EnsureSuccess("stat").Stdout.Trim();

    [Fact]
    public void An_empty_database_file_is_refused_and_left_as_it_is()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, StateStore.DatabaseFileName);
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<StoreException>(() => StateStore.Open(dir.Path));
        Assert.Equal(Refusal(path, "is empty"), e.Message);
        Assert.Equal(Refusal(path, "is empty"), Assert.Throws<StoreException>(() => StateStore.OpenIfExists(dir.Path)).Message);
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Equal([StateStore.DatabaseFileName], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Another_programs_sqlite_database_is_refused_and_left_as_it_is()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, StateStore.DatabaseFileName);
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE vms (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO vms (name) VALUES ('theirs')";
            cmd.ExecuteNonQuery();
        }
        var before = Sha(path);
        var e = Assert.Throws<StoreException>(() => StateStore.Open(dir.Path));
        Assert.Equal(Refusal(path, "has no Hostnet schema"), e.Message);
        Assert.Equal(before, Sha(path));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_and_left_as_it_is()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, StateStore.DatabaseFileName);
        File.WriteAllText(path, "{\"networks\": [], \"vms\": []}\n" + new string('x', 5000));
        var before = Sha(path);
        var e = Assert.Throws<StoreException>(() => StateStore.Open(dir.Path));
        Assert.Equal(Refusal(path, "is damaged (not a database)"), e.Message);
        Assert.Equal(before, Sha(path));
    }

    [Fact]
    public void A_truncated_database_is_refused_wherever_it_was_cut()
    {
        using var dir = new TempDir();
        using (var store = StateStore.Open(dir.Path))
        {
            store.Write(tx =>
            {
                tx.AddNetwork(Network.HostRouted("Routed", "eth0"));
                for (var i = 0; i < 200; i++)
                {
                    tx.AddVm(new Vm($"vm-{i}", Guid.NewGuid(), Guest.Tap, true,
                        [new Adapter(0, "Routed", MacAddress.Parse($"02:00:00:00:{i / 256:x2}:{i % 256:x2}"), [new IpPrefix(IpAddress.Parse($"10.0.{i / 200}.{i % 200 + 1}"), 32)], null)]));
                }
            });
        }
        var whole = File.ReadAllBytes(Path.Combine(dir.Path, StateStore.DatabaseFileName));
        Assert.True(whole.Length > 5 * 4096, $"the database is {whole.Length} bytes: too small to cut in many places");
        foreach (var cut in new[] { 0, 16, 100, 4096, 8192, whole.Length / 2, whole.Length - 4096 })
        {
            using var copy = new TempDir();
            var path = Path.Combine(copy.Path, StateStore.DatabaseFileName);
            File.WriteAllBytes(path, whole[..cut]);
            var e = Assert.Throws<StoreException>(() =>
            {
                using var store = StateStore.Open(copy.Path);
                return store.Load();
            });
            Assert.StartsWith($"the state database {path} ", e.Message, StringComparison.Ordinal);
            Assert.EndsWith("it is not a Hostnet state and is not read as one without VMs; restore it from a backup, or move it away to start with no state", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_new_state_directory_and_its_parents_are_0700_and_its_database_0600()
    {
        using var dir = new TempDir();
        var stateDir = Path.Combine(dir.Path, "lib", "hostnet");
        using var store = StateStore.Open(stateDir);
        store.Write(tx => tx.AddNetwork(Network.HostRouted("Routed", "eth0")));
        Assert.Equal("700", Mode(Path.Combine(dir.Path, "lib")));
        Assert.Equal("700", Mode(stateDir));
        var db = Path.Combine(stateDir, StateStore.DatabaseFileName);
        Assert.Equal("600", Mode(db));
        // Open in WAL mode: SQLite gives its side files the database's mode.
        Assert.Equal("600", Mode(db + "-wal"));
        Assert.Equal("600", Mode(db + "-shm"));
        Assert.Equal([StateStore.DatabaseFileName, StateStore.DatabaseFileName + "-shm", StateStore.DatabaseFileName + "-wal"],
            Directory.GetFileSystemEntries(stateDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Opening_for_reading_creates_nothing()
    {
        using var dir = new TempDir();
        var stateDir = Path.Combine(dir.Path, "absent");
        Assert.Null(StateStore.OpenIfExists(stateDir));
        Assert.False(Directory.Exists(stateDir));
        Directory.CreateDirectory(stateDir);
        Assert.Null(StateStore.OpenIfExists(stateDir));
        Assert.Empty(Directory.GetFileSystemEntries(stateDir));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_empty_state_directory_name_is_refused(string stateDir)
    {
        const string refusal = "the state directory is empty: give a directory with --state-dir DIR, or leave the option out";
        Assert.Equal(refusal, Assert.Throws<StoreException>(() => StateStore.Open(stateDir)).Message);
        Assert.Equal(refusal, Assert.Throws<StoreException>(() => StateStore.OpenIfExists(stateDir)).Message);
    }

    [Fact]
    public void An_apply_clears_only_the_pending_marks_it_saw()
    {
        using var dir = new TempDir();
        using var store = StateStore.Open(dir.Path);
        store.Write(tx =>
        {
            tx.AddVm(new Vm("a", Guid.NewGuid(), Guest.Tap, true, []));
            tx.AddVm(new Vm("b", Guid.NewGuid(), Guest.Tap, true, []));
            tx.AddVm(new Vm("c", Guid.NewGuid(), Guest.Tap, false, []));
        });
        store.Write(tx => tx.MarkPending(["a", "b"]));
        var seen = store.Read(tx => tx.PendingVms());
        Assert.Equal(["a", "b"], seen.Keys.Order(StringComparer.Ordinal));
        // Committed while that apply ran: b's newer change, c's first.
        store.Write(tx => tx.MarkPending("b"));
        store.Write(tx => tx.MarkPending("c"));
        store.Write(tx => tx.ClearPending(seen));
        Assert.Equal(["b", "c"], store.Read(tx => tx.PendingVms()).Keys.Order(StringComparer.Ordinal));
    }
}

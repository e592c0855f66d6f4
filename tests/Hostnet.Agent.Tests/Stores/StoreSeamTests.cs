using System.Text;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Agent.Tests.Stores;

/// <summary>
/// The application layer gets its store from the opener it is given: the use cases run the same against a
/// store in memory as against the SQLite database, and touch no database file then.
/// </summary>
public class StoreSeamTests
{
    private const string Import = """
        {"networks":[{"name":"Bridged","mode":"bridged","uplink":"eth0","bridge":"br1"}],
         "vms":[{"name":"vm3","uuid":"5c2e7b9a-0000-4000-8000-000000000003","guest":"tap","running":true,"adapters":[]}]}
        """;

    /// <summary>Use cases that need no kernel: networks, VMs, adapters of stopped VMs, an import, a removal.</summary>
    private static void Run(HostAgent agent)
    {
        agent.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        agent.Vms.Add("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", null);
        agent.Vms.Add("vm2", "4980d06a-0000-4000-8000-000000000002", null);
        agent.Adapters.Add("vm1", "Routed", ["192.168.200.201"], null, "02:00:00:00:00:01");
        agent.Adapters.Add("vm1", "Routed", ["192.168.200.202", "192.168.200.212"], null, "02:00:00:00:00:02");
        agent.Adapters.Set("vm1", "net0", null, ["192.168.200.211"], null, null, clearAddresses: false, clearGateway: false);
        agent.Adapters.Remove("vm1", "net1");
        agent.Vms.Remove("vm2");
        agent.StateFile.Import(() => new MemoryStream(Encoding.UTF8.GetBytes(Import)), "import");
    }

    private static string Export(HostAgent agent) => HostnetJson.Write(agent.StateFile.Export(), HostnetJsonContext.Default.StateDocument);

    private static List<(string, bool)> Pending(HostAgent agent) => agent.Vms.List().Select(v => (v.Vm.Name, v.PendingApply)).ToList();

    [Fact]
    public void The_use_cases_run_the_same_against_a_store_in_memory_and_leave_no_database()
    {
        using var sqliteDir = new TempStateDir();
        using var memoryDir = new TempStateDir();
        var sqlite = new HostAgent(sqliteDir.Path, netns: null);
        var store = new MemoryStore();
        var memory = new HostAgent(memoryDir.Path, netns: null, stores: store);

        Run(sqlite);
        Run(memory);

        Assert.Equal(Export(sqlite), Export(memory));
        Assert.Equal([("vm1", false), ("vm3", true)], Pending(memory));
        Assert.Equal(Pending(sqlite), Pending(memory));
        // Nine changes, each one transaction.
        Assert.Equal(9, store.Commits);
        Assert.True(File.Exists(Path.Combine(sqliteDir.Path, Store.StateStore.DatabaseFileName)));
        Assert.False(File.Exists(Path.Combine(memoryDir.Path, Store.StateStore.DatabaseFileName)));
    }

    [Fact]
    public void A_change_the_kernel_cannot_follow_keeps_nothing_of_it()
    {
        using var dir = new TempStateDir();
        var store = new MemoryStore();
        // A server namespace that is not there: the start is written and marked pending, then refused where it meets the kernel.
        var agent = new HostAgent(dir.Path, netns: "hnst-" + Guid.NewGuid().ToString("N")[..8], stores: store);
        agent.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        agent.Vms.Add("vm1", null, null);
        agent.Adapters.Add("vm1", "Routed", ["192.168.200.201"], null, null);
        var before = Export(agent);

        Assert.Throws<Engine.EngineException>(() => agent.Vms.Start("vm1", probe: false));

        Assert.Equal(before, Export(agent));
        Assert.Equal([("vm1", false)], Pending(agent));
        Assert.Equal(3, store.Commits);
    }

    [Fact]
    public void A_use_case_that_only_reads_opens_no_store_for_writing()
    {
        using var dir = new TempStateDir();
        var store = new MemoryStore();
        var agent = new HostAgent(dir.Path, netns: null, stores: store);

        Assert.Empty(agent.Networks.List());
        Assert.Empty(agent.Vms.List());
        Assert.Empty(agent.StateFile.Export().Vms);

        Assert.False(store.Created);
        Assert.False(Directory.Exists(dir.Path));
    }
}

using System.Reflection;

namespace Hostnet.Agent.Tests.Architecture;

/// <summary>
/// The dependency arrows point one way: front ends → application layer → engine → model, netlink, store → addressing.
/// Read from the built assemblies' own references (what their code uses), so that an arrow that runs the
/// wrong way fails here whatever the project files say.
/// </summary>
public class ArrowTests
{
    private const string Addressing = "Hostnet.Addressing";
    private const string Model = "Hostnet.Model";
    private const string Netlink = "Hostnet.Netlink";
    private const string Store = "Hostnet.Store";
    private const string Engine = "Hostnet.Engine";
    private const string Agent = "Hostnet.Agent";
    private const string Frontend = "Hostnet.Frontend";
    private const string Daemon = "Hostnet.Daemon";
    private const string Cli = "hostnet";
    private const string Sqlite = "Microsoft.Data.Sqlite";

    /// <summary>Each layer and the layers its code must never use.</summary>
    public static TheoryData<string, string> WrongWays() => new()
    {
        // Addresses and MACs are the house's vocabulary: they know nothing of it.
        { Addressing, Model }, { Addressing, Netlink }, { Addressing, Store }, { Addressing, Engine }, { Addressing, Agent }, { Addressing, Cli },
        { Model, Netlink }, { Model, Store }, { Model, Engine }, { Model, Agent }, { Model, Cli },
        { Netlink, Model }, { Netlink, Store }, { Netlink, Engine }, { Netlink, Agent }, { Netlink, Cli },
        { Store, Netlink }, { Store, Engine }, { Store, Agent }, { Store, Cli },
        { Engine, Agent }, { Engine, Cli },
        { Agent, Cli }, { Agent, Frontend },
        { Frontend, Cli }, { Frontend, Daemon }, { Daemon, Cli },
        // Nothing but the CLI starts the daemon.
        { Addressing, Daemon }, { Model, Daemon }, { Netlink, Daemon }, { Store, Daemon }, { Engine, Daemon }, { Agent, Daemon },
        // The CLI parses, calls the application layer and renders: the kernel, the database and the engine are the core's.
        { Cli, Netlink }, { Cli, Store }, { Cli, Engine },
        // So do the daemon and the front ends' shared words: they reach the core through the application layer only.
        { Daemon, Netlink }, { Daemon, Store }, { Daemon, Engine }, { Frontend, Netlink }, { Frontend, Store }, { Frontend, Engine },
        // SQL is the store's: the engine keeps its ledger, and the application layer its state, through the store's interfaces.
        { Engine, Sqlite }, { Agent, Sqlite }, { Cli, Sqlite }, { Daemon, Sqlite }, { Frontend, Sqlite },
    };

    /// <summary>The arrows the house stands on: if these were not seen, the test above would pass for nothing.</summary>
    public static TheoryData<string, string> RightWays() => new()
    {
        { Cli, Agent }, { Cli, Daemon }, { Cli, Frontend }, { Daemon, Agent }, { Daemon, Frontend }, { Frontend, Agent }, { Agent, Engine }, { Agent, Store }, { Agent, Netlink }, { Engine, Netlink }, { Engine, Store }, { Engine, Model }, { Store, Model }, { Store, Sqlite },
        // The model and the netlink client speak the same addresses: no conversion between them.
        { Model, Addressing }, { Netlink, Addressing },
    };

    [Theory]
    [MemberData(nameof(WrongWays))]
    public void No_arrow_runs_the_wrong_way(string from, string to) =>
        Assert.DoesNotContain(to, References(from));

    [Theory]
    [MemberData(nameof(RightWays))]
    public void The_arrows_that_should_exist_are_seen(string from, string to) =>
        Assert.Contains(to, References(from));

    [Fact]
    public void Addressing_uses_nothing_of_Hostnet() =>
        Assert.DoesNotContain(References(Addressing), name => name?.StartsWith("Hostnet", StringComparison.Ordinal) == true);

    private static List<string?> References(string assembly) =>
        Assembly.Load(new AssemblyName(assembly)).GetReferencedAssemblies().Select(a => a.Name).ToList();
}

using System.Reflection;

namespace Hostnet.Agent.Tests.Architecture;

/// <summary>
/// The dependency arrows point one way: front ends → application layer → engine → model, netlink, store.
/// Read from the built assemblies' own references (what their code uses), so that an arrow that runs the
/// wrong way fails here whatever the project files say.
/// </summary>
public class ArrowTests
{
    private const string Model = "Hostnet.Model";
    private const string Netlink = "Hostnet.Netlink";
    private const string Store = "Hostnet.Store";
    private const string Engine = "Hostnet.Engine";
    private const string Agent = "Hostnet.Agent";
    private const string Cli = "hostnet";

    /// <summary>Each layer and the layers its code must never use.</summary>
    public static TheoryData<string, string> WrongWays() => new()
    {
        { Model, Netlink }, { Model, Store }, { Model, Engine }, { Model, Agent }, { Model, Cli },
        { Netlink, Model }, { Netlink, Store }, { Netlink, Engine }, { Netlink, Agent }, { Netlink, Cli },
        { Store, Netlink }, { Store, Engine }, { Store, Agent }, { Store, Cli },
        { Engine, Agent }, { Engine, Cli },
        { Agent, Cli },
        // The CLI parses, calls the application layer and renders: the kernel, the database and the engine are the core's.
        { Cli, Netlink }, { Cli, Store }, { Cli, Engine },
    };

    /// <summary>The arrows the house stands on: if these were not seen, the test above would pass for nothing.</summary>
    public static TheoryData<string, string> RightWays() => new()
    {
        { Cli, Agent }, { Agent, Engine }, { Agent, Store }, { Agent, Netlink }, { Engine, Netlink }, { Engine, Store }, { Engine, Model }, { Store, Model },
    };

    [Theory]
    [MemberData(nameof(WrongWays))]
    public void No_arrow_runs_the_wrong_way(string from, string to) =>
        Assert.DoesNotContain(to, References(from));

    [Theory]
    [MemberData(nameof(RightWays))]
    public void The_arrows_that_should_exist_are_seen(string from, string to) =>
        Assert.Contains(to, References(from));

    private static List<string?> References(string assembly) =>
        Assembly.Load(new AssemblyName(assembly)).GetReferencedAssemblies().Select(a => a.Name).ToList();
}

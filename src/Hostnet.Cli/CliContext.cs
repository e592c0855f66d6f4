using System.CommandLine;
using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Cli;

/// <summary>The options every command takes, before or after the command's name.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> StateDir = new("--state-dir")
    {
        Description = $"Where the state database lives (default: ${StateStore.StateDirVariable}, else {StateStore.DefaultStateDir}, or {StateStore.DefaultStateDir}/netns/NAME with --netns)",
        HelpName = "DIR",
        Recursive = true,
    };

    public static readonly Option<string?> Netns = new("--netns")
    {
        Description = "Manage the server that is network namespace NAME (a lab server) instead of this host",
        HelpName = "NAME",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print list and show output as JSON, for scripts",
        Recursive = true,
    };
}

/// <summary>What a command needs from the command line and the process: its state, its output.</summary>
internal sealed class CliContext
{
    private CliContext(string stateDir, string? netns, bool json, TextWriter output)
    {
        StateDir = stateDir;
        Netns = netns;
        Json = json;
        Out = output;
    }

    public string StateDir { get; }

    /// <summary>The network namespace that is the server, or null for this host.</summary>
    public string? Netns { get; }

    public bool Json { get; }

    public TextWriter Out { get; }

    public static CliContext From(ParseResult parse, TextWriter output)
    {
        var netns = parse.GetValue(GlobalOptions.Netns);
        if (netns is not null) StateRules.CheckNetnsName(netns);
        var option = parse.GetValue(GlobalOptions.StateDir);
        // An empty --state-dir (an unset shell variable) would fall back to the default state: another server's,
        // or none at all, which the next apply would take for "no VMs".
        if (option is not null && string.IsNullOrWhiteSpace(option))
            throw new ValidationException("--state-dir is empty: give the state directory, or leave the option out");
        var stateDir = StateStore.ResolveStateDir(option, netns);
        return new CliContext(stateDir, netns, parse.GetValue(GlobalOptions.Json), output);
    }

    /// <summary>The state database for a command that writes it (created when there is none yet).</summary>
    public StateStore OpenStore() => StateStore.Open(StateDir);

    /// <summary>
    /// This server's <see cref="Engine.KernelLock"/>, for a command that may program the kernel: taken
    /// before its database transaction and held (<c>using</c>) until its apply is done.
    /// </summary>
    public IDisposable TakeKernelLock() => Engine.KernelLock.Take(StateDir);

    /// <summary>The state database for a command that only reads; null when there is none (nothing is created).</summary>
    public StateStore? OpenStoreIfExists() => StateStore.OpenIfExists(StateDir);

    /// <summary>The state as it is now, for a command that only reads: empty when there is no state database yet.</summary>
    public DesiredState Load()
    {
        using var store = OpenStoreIfExists();
        return store?.Load() ?? DesiredState.Empty;
    }

    /// <summary>As <see cref="Load"/>, with the VMs whose last change the kernel has not followed yet.</summary>
    public (DesiredState State, IReadOnlySet<string> Pending) LoadWithPending()
    {
        using var store = OpenStoreIfExists();
        if (store is null) return (DesiredState.Empty, new HashSet<string>());
        return store.Read(tx => (tx.Load(), (IReadOnlySet<string>)tx.PendingVms().Keys.ToHashSet(StringComparer.Ordinal)));
    }

    /// <summary>One change: <paramref name="change"/> runs in one transaction, all kept or, if it throws, none.</summary>
    public T Write<T>(Func<StateTransaction, T> change)
    {
        T result;
        using (var store = OpenStore())
            result = store.Write(change);
        var pending = _afterCommit.ToList();
        _afterCommit.Clear();
        foreach (var action in pending) action();
        return result;
    }

    private readonly List<Action> _afterCommit = [];

    /// <summary>
    /// Runs <paramref name="action"/> once the current <see cref="Write{T}"/> has committed:
    /// the kernel follows the state only after the state is durable.
    /// </summary>
    public void OnCommitted(Action action) => _afterCommit.Add(action);
}

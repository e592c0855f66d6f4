using Hostnet.Engine;
using Hostnet.Engine.Apply;
using Hostnet.Engine.Planning;
using Hostnet.Engine.Trace;
using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>What a plan step does to its kernel object.</summary>
public enum PlanChange
{
    Add,
    Change,
    Remove,
}

/// <summary>One step of a plan, as a front end shows it.</summary>
/// <param name="Change">What it does.</param>
/// <param name="Netns">The namespace of its object, or null for the server's.</param>
/// <param name="Object">Its kernel object, described.</param>
/// <param name="Now">For a change: the object as it is now, described.</param>
public sealed record PlannedStep(PlanChange Change, string? Netns, string Object, string? Now)
{
    /// <summary>The step as <c>plan</c> prints it: <c>+</c> add, <c>-</c> remove, <c>~</c> change with what is there now.</summary>
    public override string ToString() => Change switch
    {
        PlanChange.Add => "+ " + Object,
        PlanChange.Remove => "- " + Object,
        _ => "~ " + Object + (Now is null ? "" : "   (now: " + Now + ")"),
    };
}

/// <summary>The ordered steps that make (or made) the kernel match the state.</summary>
public sealed record PlannedChanges(IReadOnlyList<PlannedStep> Steps)
{
    public bool IsEmpty => Steps.Count == 0;

    public int Count(PlanChange change) => Steps.Count(s => s.Change == change);

    internal static PlannedChanges Of(Plan plan) => new(plan.Steps.Select(s => new PlannedStep(
        s.Change switch { Change.Add => PlanChange.Add, Change.Remove => PlanChange.Remove, _ => PlanChange.Change },
        s.Object.Netns, s.Object.Describe(), s.Change == Change.Change ? s.Before?.Describe() : null)).ToList());
}

/// <summary>One hop of a packet's way through the server, as the kernel answered for it.</summary>
/// <param name="Step">What the hop is: <c>owner</c>, <c>arp</c>, <c>route</c>, <c>fdb</c>…</param>
/// <param name="Ok">The kernel holds what this hop needs.</param>
/// <param name="Detail">What the kernel said, or what is missing, in the core's words.</param>
/// <param name="Fix">When not ok and something can mend it: what to do.</param>
/// <param name="Hint">Where the detail points further, for a front end to say in its words.</param>
public sealed record TracedStep(string Step, bool Ok, string Detail, Remedy? Fix, Remedy? Hint);

/// <summary>A packet's way to <paramref name="Destination"/>, step by step, from <paramref name="From"/>.</summary>
public sealed record TracedPath(string Destination, string From, IReadOnlyList<TracedStep> Steps)
{
    /// <summary>Every hop is there: the packet gets through.</summary>
    public bool Complete => Steps.All(s => s.Ok);

    /// <summary>The hops that are missing or wrong.</summary>
    public IEnumerable<TracedStep> Broken => Steps.Where(s => !s.Ok);

    internal static TracedPath Of(PathTrace t) =>
        new(t.Destination, t.From, t.Steps.Select(s => new TracedStep(s.Step, s.Ok, s.Detail, s.Fix, s.Hint)).ToList());
}

/// <summary>What a failure from the core means to a front end, without its naming the core's types.</summary>
public static class Failures
{
    /// <summary>The problems an engine failure carries (code, the core's sentence, remedy), or null for another failure.</summary>
    public static IReadOnlyList<Problem>? Problems(Exception e) => e is EngineException x ? x.Problems : null;

    /// <summary>Whether trying again later may succeed: the state database stayed locked by another writer.</summary>
    public static bool MayRetry(Exception e) => e is Store.StoreException { IsTransient: true };

    /// <summary>For an apply a signal interrupted: what a shell reports for it (128 + the signal); else null.</summary>
    public static int? InterruptedExitCode(Exception e) => e is InterruptedBySignalException i ? i.ExitCode : null;
}

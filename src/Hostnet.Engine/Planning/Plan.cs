using Hostnet.Engine.Kernel;

namespace Hostnet.Engine.Planning;

/// <summary>What a step does to its object.</summary>
public enum Change
{
    Add,
    Change,
    Remove,
}

/// <summary>One operation of a plan; <paramref name="Before"/> is the observed object a change or removal replaces.</summary>
public sealed record PlanStep(Change Change, KernelObject Object, KernelObject? Before)
{
    public override string ToString() => Change switch
    {
        Change.Add => "+ " + Object.Describe(),
        Change.Remove => "- " + Object.Describe(),
        _ => "~ " + Object.Describe() + (Before is null ? "" : "   (now: " + Before.Describe() + ")"),
    };
}

/// <summary>The ordered operations that make the kernel match the intent.</summary>
public sealed record Plan(IReadOnlyList<PlanStep> Steps)
{
    public static Plan Empty { get; } = new([]);

    public bool IsEmpty => Steps.Count == 0;

    public int Count(Change change) => Steps.Count(s => s.Change == change);
}

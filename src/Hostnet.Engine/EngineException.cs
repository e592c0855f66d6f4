using Hostnet.Model;

namespace Hostnet.Engine;

/// <summary>
/// The engine refuses or cannot finish for a reason the admin can act on (an address that answers on
/// the LAN, an uplink that does not exist). It carries each <see cref="Problem"/>: a stable code, the
/// core's sentence and what mends it, which a front end says in its own words.
/// <see cref="Exception.Message"/> is the core's sentences, for logs.
/// </summary>
public sealed class EngineException : Exception
{
    public EngineException(string message) : base(message) => Problems = [new Problem(Unspecified, message)];

    public EngineException(string message, Exception inner) : base(message, inner) => Problems = [new Problem(Unspecified, message)];

    public EngineException() => Problems = [new Problem(Unspecified, Message)];

    /// <param name="problem">What is wrong, and what mends it.</param>
    /// <param name="inner">The failure underneath, if any.</param>
    public EngineException(Problem problem, Exception? inner = null) : this([problem], inner) { }

    /// <param name="problems">Each thing wrong, in the order met.</param>
    /// <param name="inner">The failure underneath, if any.</param>
    public EngineException(IReadOnlyList<Problem> problems, Exception? inner = null)
        : base(string.Join("; ", problems.Select(p => p.Text)), inner) => Problems = problems;

    /// <summary>The code of a failure made without one.</summary>
    public const string Unspecified = "engine";

    /// <summary>Each thing wrong, with its code, the core's sentence and what mends it.</summary>
    public IReadOnlyList<Problem> Problems { get; }

    /// <summary>The code of the first thing wrong.</summary>
    public string Code => Problems.Count == 0 ? Unspecified : Problems[0].Code;
}

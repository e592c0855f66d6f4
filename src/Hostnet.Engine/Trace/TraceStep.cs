using Hostnet.Model;

namespace Hostnet.Engine.Trace;

/// <summary>
/// One hop of a packet's way through the server, as the kernel answered for it.
/// </summary>
/// <param name="Step">What the hop is, in the seed's terms: <c>owner</c>, <c>arp</c>, <c>route</c>, <c>fdb</c>…</param>
/// <param name="Ok">The kernel holds what this hop needs.</param>
/// <param name="Detail">What the kernel said, or what is missing, in one line.</param>
/// <param name="Fix">When not ok and something can mend it: what to do (<see cref="Remedy.Apply"/>), which a front end says as its own command.</param>
/// <param name="Hint">When the detail goes on to say where to look further: what a front end adds to it in its own words.</param>
public sealed record TraceStep(string Step, bool Ok, string Detail, Remedy? Fix = null, Remedy? Hint = null)
{
    /// <summary>What every missing kernel object of a running VM is mended by.</summary>
    public static readonly Remedy Apply = new Remedy.Apply();
}

/// <summary>A packet's way to <paramref name="Destination"/>, step by step, from <paramref name="From"/>.</summary>
/// <param name="Destination">The address traced.</param>
/// <param name="From">Where the packet starts: <c>the LAN</c> or <c>VM vm1</c>.</param>
/// <param name="Steps">The hops in the order the packet meets them.</param>
public sealed record PathTrace(string Destination, string From, IReadOnlyList<TraceStep> Steps)
{
    /// <summary>Every hop is there: the packet gets through.</summary>
    public bool Complete => Steps.All(s => s.Ok);

    /// <summary>The hops that are missing or wrong.</summary>
    public IEnumerable<TraceStep> Broken => Steps.Where(s => !s.Ok);
}

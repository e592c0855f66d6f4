namespace Hostnet.Agent;

/// <summary>
/// An apply this agent ran, as <see cref="HostAgent.Applied"/> tells it: why it ran, the steps it carried out
/// (empty when the kernel already matched, or when it failed before its first step), how long it took, and
/// its failure. <see cref="Cause"/> is <see cref="ApplyCauses.Apply"/> or <see cref="ApplyCauses.Change"/> for a
/// request, the watch loop's reason otherwise.
/// </summary>
public sealed record ApplyReport(string Cause, PlannedChanges Done, TimeSpan Took, Exception? Failure)
{
    /// <summary>Whether the watch loop ran it, rather than a request.</summary>
    public bool ByWatch => Cause is not (ApplyCauses.Apply or ApplyCauses.Change);
}

/// <summary>Why an apply ran: the words the watch prints and the daemon's events carry.</summary>
public static class ApplyCauses
{
    /// <summary>The whole state, asked for (<c>apply</c>).</summary>
    public const string Apply = "apply";

    /// <summary>One change to the state that a running VM follows (<c>vm start</c>, <c>adapter add</c>…).</summary>
    public const string Change = "change";

    /// <summary>The watch loop's first cycle: the state restored.</summary>
    public const string Start = "start";

    /// <summary>The kernel reported a change to what Hostnet owns.</summary>
    public const string KernelChange = "kernel change";

    /// <summary>The state database changed (another process wrote it).</summary>
    public const string StateChange = "state change";

    /// <summary>The periodic resync, for what the kernel does not report.</summary>
    public const string Periodic = "periodic";

    /// <summary>A cycle after a failed one.</summary>
    public const string Retry = "retry";
}

/// <summary>What kind of failure a front end counts.</summary>
public static class KernelErrors
{
    /// <summary>Whether <paramref name="e"/> is, or was caused by, an error the kernel answered on netlink.</summary>
    public static bool IsNetlink(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is Netlink.NetlinkException) return true;
        return false;
    }
}

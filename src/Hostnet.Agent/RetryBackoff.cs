namespace Hostnet.Agent;

/// <summary>
/// How long a long-running loop waits before it tries again after a failure: <see cref="First"/>,
/// doubling with each failure in a row up to <see cref="Cap"/>, and <see cref="First"/> again once
/// something has gone well. A fault that stays (a database locked for an hour) costs one try, and one
/// line, every few seconds; a fault that passes is retried within a tenth of a second.
/// </summary>
public sealed class RetryBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    private TimeSpan _next = First;

    /// <summary>The wait before the next try; each call doubles the one after it, up to <see cref="Cap"/>.</summary>
    public TimeSpan Next()
    {
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Cap.Ticks));
        return delay;
    }

    /// <summary>After a good try: the next failure waits <see cref="First"/> again.</summary>
    public void Reset() => _next = First;
}

using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>
/// The writes to the state that the process running a watch loop made itself (the daemon's requests), so that its
/// loop can tell them from another process's. Each is recorded as the state it found and the state it committed;
/// such a write has either made the kernel follow it (start, stop, an adapter of a running VM…) or, by its
/// contract, leaves that to an apply (an imported running VM is pending until <c>apply</c>). A loop whose last
/// cycle saw state A, woken by the database, finds state B: when recorded writes lead from A to B, none of it is
/// another process's and there is nothing to apply. A write of another process between them breaks the chain,
/// and the loop applies as before.
/// </summary>
public sealed class OwnStateWrites
{
    /// <summary>The writes kept for a loop that has not looked yet: past that many the oldest go (and the loop applies).</summary>
    private const int Kept = 256;

    private readonly Lock _gate = new();
    private readonly List<(DesiredState Before, DesiredState After, IReadOnlyDictionary<string, long> Pending)> _writes = [];
    private bool _lapsed;

    /// <summary>A write of this process committed: the state it found, the state it left, and the pending marks it left.</summary>
    internal void Wrote(DesiredState before, DesiredState after, IReadOnlyDictionary<string, long> pending)
    {
        lock (_gate)
        {
            if (_writes.Count == Kept) _writes.RemoveAt(0);
            _writes.Add((before, after, pending));
        }
    }

    /// <summary>A write committed, but the kernel did not follow it: the loop must apply whatever it finds next.</summary>
    internal void Lapsed()
    {
        lock (_gate) _lapsed = true;
    }

    /// <summary>
    /// Whether this process's own writes lead from <paramref name="seen"/> (what the loop last saw, and either applied or
    /// found so led) to <paramref name="now"/>, with no pending mark but theirs or those the loop saw: a pending mark of
    /// another process (a change its kernel did not follow) is that process's write, even when the state is the same.
    /// The writes used, and those before them, are forgotten; when they do not lead there, all but those written from
    /// <paramref name="now"/> on.
    /// </summary>
    internal bool Lead(DesiredState seen, IReadOnlyDictionary<string, long> seenPending, DesiredState now, IReadOnlyDictionary<string, long> pending)
    {
        lock (_gate)
        {
            if (_lapsed)
            {
                _lapsed = false;
                _writes.Clear();
                return false;
            }
            var at = seen;
            var atPending = seenPending;
            var used = -1;
            for (var i = 0; i < _writes.Count; i++)
            {
                if (!_writes[i].Before.Equals(at)) continue;
                at = _writes[i].After;
                atPending = _writes[i].Pending;
                used = i;
            }
            if (at.Equals(now) && pending.All(p => atPending.TryGetValue(p.Key, out var n) && n == p.Value))
            {
                _writes.RemoveRange(0, used + 1);
                return true;
            }
            var from = _writes.FindIndex(w => w.Before.Equals(now));
            _writes.RemoveRange(0, from < 0 ? _writes.Count : from);
            return false;
        }
    }
}

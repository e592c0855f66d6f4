using Hostnet.Engine;

namespace Hostnet.Agent;

/// <summary>
/// The watch loop's sign of life, for a watchdog (systemd's <c>WatchdogSec</c>): the loop beats while it waits
/// (at least every <see cref="BeatEvery"/>) and at the end of each cycle, and marks the cycles it runs. It is alive
/// while its last beat is fresh, or while a cycle under way has run for less than <see cref="LongestCycle"/>: a
/// cycle beats only when it ends, and the longest a sound one takes is its wait for the kernel lock (bounded by
/// <see cref="KernelLock.Timeout"/>) and one apply of the whole server (about a second at 10,000 VMs, see
/// bench/README.md), far below <see cref="ApplyAllowance"/>. A loop that hangs in a wait, dies, or is stuck in an
/// apply past that bound is no longer alive, and the watchdog stops being fed.
/// </summary>
public sealed class LoopHeartbeat
{
    /// <summary>What a cycle may take beyond its wait for the kernel lock: two orders of magnitude above the longest apply measured.</summary>
    public static readonly TimeSpan ApplyAllowance = TimeSpan.FromMinutes(2);

    private long _beat = Environment.TickCount64;
    private long _cycleSince;

    /// <summary>The longest a waiting loop goes without a beat (a watchdog asks for beats well within its own interval).</summary>
    public TimeSpan BeatEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a cycle may run before its loop counts as stuck.</summary>
    public static TimeSpan LongestCycle => KernelLock.Timeout() + ApplyAllowance;

    /// <summary>The loop is waiting, or has just done something: it lives.</summary>
    public void Beat() => Volatile.Write(ref _beat, Environment.TickCount64);

    /// <summary>A cycle (the kernel lock, an apply) begins: it beats again when it ends.</summary>
    public void CycleBegins() => Volatile.Write(ref _cycleSince, Environment.TickCount64);

    /// <summary>The cycle is over, done or failed.</summary>
    public void CycleEnds()
    {
        Beat();
        Volatile.Write(ref _cycleSince, 0);
    }

    /// <summary>Whether the loop has beaten within <paramref name="fresh"/>, or runs a cycle begun within <see cref="LongestCycle"/>.</summary>
    public bool IsAlive(TimeSpan fresh) => IsAlive(Environment.TickCount64, fresh, LongestCycle);

    /// <summary>As <see cref="IsAlive(TimeSpan)"/> at <paramref name="nowMs"/> (<see cref="Environment.TickCount64"/>'s clock).</summary>
    public bool IsAlive(long nowMs, TimeSpan fresh, TimeSpan longestCycle)
    {
        var cycle = Volatile.Read(ref _cycleSince);
        if (cycle != 0) return nowMs - cycle < (long)longestCycle.TotalMilliseconds;
        return nowMs - Volatile.Read(ref _beat) < (long)fresh.TotalMilliseconds;
    }

    /// <summary>
    /// Waits until <paramref name="until"/> says done (each call waits at most the time it is given), <paramref name="timeout"/>
    /// passes or <paramref name="stop"/> is cancelled, beating at least every <see cref="BeatEvery"/>; whether
    /// <paramref name="until"/> said done.
    /// </summary>
    public bool Wait(Func<TimeSpan, bool> until, TimeSpan timeout, CancellationToken stop)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Hang.WhileAsked(stop);
            Beat();
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || stop.IsCancellationRequested) return false;
            if (until(left < BeatEvery ? left : BeatEvery)) return true;
        }
    }

    /// <summary>
    /// Watchdog testing: while the file <c>HOSTNET_WATCH_HANG_FILE</c> names exists, the loop blocks at its next wait
    /// without beating, as a loop that hangs would.
    /// </summary>
    private static class Hang
    {
        private static readonly string? File = Environment.GetEnvironmentVariable("HOSTNET_WATCH_HANG_FILE") is { Length: > 0 } f ? f : null;

        public static void WhileAsked(CancellationToken stop)
        {
            if (File is null) return;
            while (System.IO.File.Exists(File) && !stop.IsCancellationRequested) stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(20));
        }
    }
}

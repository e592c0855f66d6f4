namespace Hostnet.Agent.Tests;

/// <summary>The watch loop's liveness as a watchdog reads it, on explicit clock readings.</summary>
public sealed class LoopHeartbeatTests
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LongestCycle = TimeSpan.FromMinutes(3);

    [Fact]
    public void A_loop_that_has_just_beaten_lives_and_one_silent_for_longer_than_fresh_does_not()
    {
        var heartbeat = new LoopHeartbeat();
        heartbeat.Beat();
        var now = Environment.TickCount64;

        Assert.True(heartbeat.IsAlive(now, Fresh, LongestCycle));
        Assert.False(heartbeat.IsAlive(now + (long)Fresh.TotalMilliseconds + 1000, Fresh, LongestCycle));
    }

    [Fact]
    public void A_cycle_lives_past_fresh_up_to_its_bound_and_a_stuck_one_not_beyond()
    {
        var heartbeat = new LoopHeartbeat();
        heartbeat.CycleBegins();
        var now = Environment.TickCount64;

        Assert.True(heartbeat.IsAlive(now + (long)Fresh.TotalMilliseconds * 2, Fresh, LongestCycle));
        Assert.False(heartbeat.IsAlive(now + (long)LongestCycle.TotalMilliseconds + 1000, Fresh, LongestCycle));

        heartbeat.CycleEnds();
        Assert.True(heartbeat.IsAlive(Environment.TickCount64, Fresh, LongestCycle));
    }
}

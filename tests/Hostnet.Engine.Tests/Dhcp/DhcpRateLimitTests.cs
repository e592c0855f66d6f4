using Hostnet.Engine.Dhcp;

namespace Hostnet.Engine.Tests.Dhcp;

/// <summary>The per-vme token bucket of the DHCP responder, on a clock the test moves.</summary>
public class DhcpRateLimitTests
{
    private const string Vme1 = "vme7b9a73a1.0";
    private const string Vme2 = "vme4980d06a.0";

    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static int Admitted(DhcpRateLimit limit, string vme, int requests) =>
        Enumerable.Range(0, requests).Count(_ => limit.Admit(vme));

    [Fact]
    public void A_burst_is_answered_and_what_comes_over_it_is_dropped_and_counted()
    {
        var limit = new DhcpRateLimit(new ManualClock());
        Assert.Equal(DhcpRateLimit.Burst, Admitted(limit, Vme1, 100));
        Assert.Equal(100 - DhcpRateLimit.Burst, limit.Dropped(Vme1));
    }

    [Fact]
    public void Tokens_come_back_at_the_rate_and_never_beyond_the_burst()
    {
        var clock = new ManualClock();
        var limit = new DhcpRateLimit(clock);
        Admitted(limit, Vme1, DhcpRateLimit.Burst);
        Assert.False(limit.Admit(Vme1));

        // Half a token's time: still nothing.
        clock.Advance(TimeSpan.FromSeconds(0.5 / DhcpRateLimit.PerSecond));
        Assert.False(limit.Admit(Vme1));
        // The other half: one.
        clock.Advance(TimeSpan.FromSeconds(0.5 / DhcpRateLimit.PerSecond));
        Assert.True(limit.Admit(Vme1));
        Assert.False(limit.Admit(Vme1));

        // One second: the rate's worth.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DhcpRateLimit.PerSecond, Admitted(limit, Vme1, 100));

        // A long quiet spell fills the bucket, no more.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(DhcpRateLimit.Burst, Admitted(limit, Vme1, 100));
        Assert.Equal(1 + 1 + 1 + (100 - DhcpRateLimit.PerSecond) + (100 - DhcpRateLimit.Burst), limit.Dropped(Vme1));
    }

    [Fact]
    public void A_guest_that_floods_its_vme_leaves_the_other_vmes_their_own_buckets()
    {
        var clock = new ManualClock();
        var limit = new DhcpRateLimit(clock);
        for (var second = 0; second < 10; second++)
        {
            Admitted(limit, Vme1, 10_000);
            // The other guest's client, a discover and a request each second, is answered every time.
            Assert.Equal(2, Admitted(limit, Vme2, 2));
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(0, limit.Dropped(Vme2));
        Assert.Equal(10 * 10_000 - DhcpRateLimit.Burst - 9 * DhcpRateLimit.PerSecond, limit.Dropped(Vme1));
    }

    [Fact]
    public void A_vme_forgotten_starts_again_with_a_full_bucket()
    {
        var limit = new DhcpRateLimit(new ManualClock());
        Admitted(limit, Vme1, 50);
        limit.Forget(Vme1);
        Assert.Equal(0, limit.Dropped(Vme1));
        Assert.Equal(DhcpRateLimit.Burst, Admitted(limit, Vme1, 50));
    }
}

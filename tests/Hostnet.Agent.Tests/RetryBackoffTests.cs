namespace Hostnet.Agent.Tests;

public class RetryBackoffTests
{
    [Fact]
    public void Doubles_from_a_tenth_of_a_second_up_to_five_and_starts_again_after_a_success()
    {
        var backoff = new RetryBackoff();
        var waits = Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalMilliseconds).ToList();
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 5000, 5000], waits);
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }
}

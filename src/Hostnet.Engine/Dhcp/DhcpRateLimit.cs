namespace Hostnet.Engine.Dhcp;

/// <summary>
/// How many of a guest's DHCP requests and router solicitations are answered: a token bucket per vme, as DHCP
/// servers and switches' DHCP snooping limit each port. A vme holds at most <see cref="Burst"/> tokens and gains
/// <see cref="PerSecond"/> a second; a request that finds none is dropped unanswered and counted
/// (<see cref="Dropped"/>). One responder thread serves every vme, so a guest that floods it would otherwise
/// keep it from the others; a client that behaves (a few messages at boot, one per renewal) never meets the limit.
/// </summary>
public sealed class DhcpRateLimit(TimeProvider clock)
{
    /// <summary>The requests a vme may send at once.</summary>
    public const int Burst = 10;

    /// <summary>The requests a vme may send each second beyond the burst.</summary>
    public const int PerSecond = 4;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>True when a request that came in on <paramref name="vme"/> now is answered; false: dropped and counted.</summary>
    public bool Admit(string vme)
    {
        var now = clock.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(vme, out var bucket))
            {
                bucket = new Bucket { Tokens = Burst, Since = now };
                _buckets[vme] = bucket;
            }
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + clock.GetElapsedTime(bucket.Since, now).TotalSeconds * PerSecond);
            bucket.Since = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return true;
            }
            bucket.Dropped++;
            return false;
        }
    }

    /// <summary>The requests dropped on <paramref name="vme"/> since its bucket was made.</summary>
    public long Dropped(string vme)
    {
        lock (_gate) return _buckets.TryGetValue(vme, out var b) ? b.Dropped : 0;
    }

    /// <summary>Forgets <paramref name="vme"/> (it no longer has a lease): a vme of that name starts again with a full bucket.</summary>
    public void Forget(string vme)
    {
        lock (_gate) _buckets.Remove(vme);
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public long Since { get; set; }

        public long Dropped { get; set; }
    }
}

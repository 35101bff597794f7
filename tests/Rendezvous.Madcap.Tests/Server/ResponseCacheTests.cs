using System.Net;
using Rendezvous.Madcap.Server;

namespace Rendezvous.Madcap.Tests.Server;

public sealed class ResponseCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private static ResponseKey Key(uint xid, int port = 4000) => new(xid, 3, "00AA", new IPEndPoint(IPAddress.Loopback, port));

    [Fact]
    public void An_answer_is_found_for_exactly_one_interval_across_a_generation_turnover()
    {
        var cache = new ResponseCache(Interval);
        byte[] answer = [1, 2, 3];
        cache.Add(Key(1), T0, answer);
        Assert.Same(answer, cache.Find(Key(1), T0.AddSeconds(59)));
        Assert.Null(cache.Find(Key(1, port: 4001), T0));
        Assert.Null(cache.Find(Key(2), T0));

        // A later answer turns the generation over; the first one is still found until its own interval ends.
        cache.Add(Key(2), T0.AddSeconds(61), [4]);
        cache.Add(Key(3), T0.AddSeconds(30), [5]);
        Assert.Same(answer, cache.Find(Key(1), T0.AddSeconds(59.9)));
        Assert.Null(cache.Find(Key(1), T0.AddSeconds(60)));
        Assert.NotNull(cache.Find(Key(3), T0.AddSeconds(89)));
        Assert.NotNull(cache.Find(Key(2), T0.AddSeconds(120)));

        // Two intervals on, everything older is gone from memory, not only hidden.
        cache.Add(Key(4), T0.AddSeconds(200), [6]);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_flood_of_distinct_requests_never_holds_more_than_two_generations()
    {
        var cache = new ResponseCache(Interval);
        for (var i = 0u; i < ResponseCache.MaxPerGeneration * 3 + 10; i++)
        {
            cache.Add(Key(i), T0, [0]);
        }

        Assert.InRange(cache.Count, ResponseCache.MaxPerGeneration, 2 * ResponseCache.MaxPerGeneration);
        Assert.NotNull(cache.Find(Key((uint)ResponseCache.MaxPerGeneration * 3 + 9), T0));
    }
}

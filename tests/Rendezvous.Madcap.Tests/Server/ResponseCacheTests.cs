using System.Net;
using Rendezvous.Madcap.Server;

namespace Rendezvous.Madcap.Tests.Server;

public sealed class ResponseCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private static ResponseKey Key(uint xid, int port = 4000, string lease = "00AA", byte type = 3, string address = "127.0.0.1") =>
        new(xid, type, lease, new IPEndPoint(IPAddress.Parse(address), port));

    private static byte[] Found(ResponseCache cache, ResponseKey key)
    {
        var found = cache.Find(key, T0);
        Assert.NotNull(found);
        return found;
    }

    [Fact]
    public void An_answer_is_found_for_exactly_one_interval_and_then_taken_out()
    {
        var cache = new ResponseCache(Interval);
        byte[] answer = [1, 2, 3];
        cache.Add(Key(1), T0, answer);
        Assert.Equal(answer, cache.Find(Key(1), T0.AddSeconds(59.9)));
        Assert.Null(cache.Find(Key(1), T0.AddSeconds(60)));

        cache.Add(Key(2), T0.AddSeconds(30), [4]);
        Assert.Equal(2, cache.Count);
        Assert.Equal([4], cache.Find(Key(2), T0.AddSeconds(89)));

        // Adding takes out what has aged an interval, so it is gone from memory, not only hidden.
        cache.Add(Key(3), T0.AddSeconds(95), [5]);
        Assert.Equal(1, cache.Count);
        Assert.Null(cache.Find(Key(2), T0.AddSeconds(89)));
    }

    [Fact]
    public void Every_part_of_the_key_tells_requests_apart()
    {
        var cache = new ResponseCache(Interval);
        cache.Add(Key(7), T0, [1]);
        Assert.Equal([1], cache.Find(Key(7), T0));
        Assert.Null(cache.Find(Key(8), T0));
        Assert.Null(cache.Find(Key(7, port: 4001), T0));
        Assert.Null(cache.Find(Key(7, lease: "00AB"), T0));
        Assert.Null(cache.Find(Key(7, lease: "00AA00"), T0));
        Assert.Null(cache.Find(Key(7, type: 1), T0));
        Assert.Null(cache.Find(Key(7, address: "127.0.0.2"), T0));
        Assert.Null(cache.Find(Key(7, address: "::ffff:127.0.0.1"), T0));

        cache.Add(Key(7, address: "::1"), T0, [2]);
        Assert.Equal([2], cache.Find(Key(7, address: "::1"), T0));
        Assert.Equal([1], cache.Find(Key(7), T0));
    }

    [Fact]
    public void A_second_answer_to_one_key_replaces_the_first()
    {
        var cache = new ResponseCache(Interval);
        cache.Add(Key(1), T0, [1]);
        cache.Add(Key(1), T0.AddSeconds(1), [2, 2]);
        Assert.Equal([2, 2], cache.Find(Key(1), T0.AddSeconds(2)));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_flood_of_distinct_requests_keeps_the_newest_within_the_entry_limit()
    {
        var cache = new ResponseCache(Interval, capacity: 1000);
        Assert.Equal(1024, cache.Capacity);
        for (var i = 0u; i < 5000; i++)
        {
            cache.Add(Key(i), T0, [(byte)i]);
        }

        Assert.Equal(1024, cache.Count);
        Assert.Null(cache.Find(Key(5000 - 1025), T0));
        for (var i = 5000u - 1024; i < 5000; i++)
        {
            Assert.Equal([(byte)i], Found(cache, Key(i)));
        }
    }

    [Fact]
    public void Bytes_wrap_around_the_ring_without_one_answer_overwriting_another()
    {
        // 1,000 bytes of ring: each record is 4 + 97 bytes, so about nine fit, and records wrap past its end.
        var cache = new ResponseCache(Interval, capacity: 64, arenaBytes: 1000);
        for (var i = 0u; i < 300; i++)
        {
            cache.Add(Key(i, lease: $"{i % 100:D4}"), T0, Enumerable.Repeat((byte)i, 97).ToArray());
            var held = 0;
            for (var j = 0u; j <= i; j++)
            {
                if (cache.Find(Key(j, lease: $"{j % 100:D4}"), T0) is { } found)
                {
                    Assert.Equal(Enumerable.Repeat((byte)j, 97), found);
                    held++;
                }
            }

            Assert.InRange(held, (int)Math.Min(i + 1, 8), 9);
            Assert.Equal([(byte)i], Found(cache, Key(i, lease: $"{i % 100:D4}")).Distinct());
        }
    }

    [Fact]
    public void An_answer_too_big_for_an_eighth_of_the_ring_is_not_kept()
    {
        var cache = new ResponseCache(Interval, capacity: 64, arenaBytes: 800);
        cache.Add(Key(1), T0, new byte[96]);
        cache.Add(Key(2), T0, new byte[97]);
        Assert.NotNull(cache.Find(Key(1), T0));
        Assert.Null(cache.Find(Key(2), T0));
    }

    [Fact]
    public void Concurrent_adds_and_finds_always_return_the_answer_of_their_own_key()
    {
        var cache = new ResponseCache(Interval, capacity: 4096, arenaBytes: 64 * 1024);
        Parallel.For(0, 4, worker =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                var xid = (uint)(worker * 1_000_000 + i);
                var answer = BitConverter.GetBytes(xid);
                cache.Add(Key(xid, lease: $"{xid:X8}"), T0, answer);
                if (cache.Find(Key(xid, lease: $"{xid:X8}"), T0) is { } found)
                {
                    Assert.Equal(answer, found);
                }

                var older = xid - (uint)Math.Min(i, 100);
                if (cache.Find(Key(older, lease: $"{older:X8}"), T0) is { } old)
                {
                    Assert.Equal(BitConverter.GetBytes(older), old);
                }
            }
        });
        Assert.InRange(cache.Count, 1, 4096);
    }
}

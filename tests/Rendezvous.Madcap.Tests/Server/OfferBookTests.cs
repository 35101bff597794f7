using System.Net;
using Rendezvous.Madcap.Server;
using Rendezvous.Testing;
using StoredScope = Rendezvous.Madcap.Leases.MadcapScope;

namespace Rendezvous.Madcap.Tests.Server;

/// <summary>The candidate pool's supply: what a fetch returns is the store's answer (here a function of the test, standing in for a search's result, not for the database).</summary>
public sealed class OfferBookTests
{
    private static readonly StoredScope Scope = new(IPAddress.Parse("239.1.0.0"), IPAddress.Parse("239.1.255.255"), 16, [new("en", "Test", true)], TimeSpan.FromHours(1), TimeSpan.FromDays(1), []);

    private static IPAddress Address(int i) => new([239, 1, (byte)(i >> 8), (byte)i]);

    /// <summary>Fetches that answer from a counter of addresses, each fetch starting where the last ended (or again from <paramref name="restartAt"/>), and can be held back.</summary>
    private sealed class Search(int restartAt = -1)
    {
        private int _next;
        public int Calls;
        public TaskCompletionSource? Gate;
        public readonly List<int> Limits = [];

        public async Task<IReadOnlyList<IPAddress>> FetchAsync(int limit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            lock (Limits)
            {
                Limits.Add(limit);
            }

            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            if (restartAt >= 0)
            {
                _next = restartAt;
            }

            var found = Enumerable.Range(_next, limit).Select(Address).ToArray();
            _next += limit;
            return found;
        }
    }

    [Fact]
    public async Task A_pool_running_below_a_quarter_fetches_the_next_candidates_without_making_a_request_wait()
    {
        var book = new OfferBook(new ManualClock(DateTimeOffset.UnixEpoch), TimeSpan.FromMinutes(1), 100);
        var search = new Search();
        var first = await book.CandidatesAsync(Scope, 1, search.FetchAsync, CancellationToken.None);
        Assert.Equal([Address(0)], first);
        Assert.Equal(1, search.Calls);

        // Take the pool down to a quarter; the next fetch is held back, and requests are still answered at once.
        search.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var taken = new List<IPAddress>(first);
        for (var i = 1; i < (OfferBook.PoolSize * 3 / 4) + 10; i++)
        {
            var next = book.CandidatesAsync(Scope, 1, search.FetchAsync, CancellationToken.None);
            Assert.True(next.IsCompletedSuccessfully, $"request {i} waited");
            taken.AddRange(await next);
        }

        // The fetch starts in the background, off the caller's thread.
        var started = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref search.Calls) < 2 && DateTime.UtcNow < started)
        {
            await Task.Delay(1);
        }

        Assert.Equal(2, Volatile.Read(ref search.Calls));
        Assert.Equal(taken.Count, taken.Distinct().Count());
        search.Gate.SetResult();
        // Until the refill lands, the first pool's last candidates; then the second fetch's first.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IPAddress last;
        do
        {
            last = Assert.Single(await book.CandidatesAsync(Scope, 1, search.FetchAsync, CancellationToken.None));
            taken.Add(last);
            await Task.Delay(1);
        }
        while (!last.Equals(Address(OfferBook.PoolSize)) && DateTime.UtcNow < deadline);

        Assert.Equal(Address(OfferBook.PoolSize), last);
        Assert.Equal(taken.Count, taken.Distinct().Count());
        Assert.Equal([OfferBook.PoolSize, OfferBook.PoolSize], search.Limits);
    }

    [Fact]
    public async Task A_refilled_pool_leaves_out_the_candidates_handed_out_lately()
    {
        // Every fetch finds the same addresses 0..255 free, as a search does while leases of them are still committing.
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var book = new OfferBook(clock, TimeSpan.FromMinutes(1), 100);
        var search = new Search(restartAt: 0);
        var handedOut = await book.CandidatesAsync(Scope, 10, search.FetchAsync, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 10).Select(Address), handedOut);

        clock.Advance(OfferBook.CandidateLifetime); // stale: the next request refetches and waits for it
        var after = await book.CandidatesAsync(Scope, 10, search.FetchAsync, CancellationToken.None);
        Assert.Equal(2, search.Calls);
        Assert.Equal(Enumerable.Range(10, 10).Select(Address), after);
    }

    [Fact]
    public async Task A_short_fetch_gives_what_there_is_and_starts_no_background_fetch()
    {
        var book = new OfferBook(new ManualClock(DateTimeOffset.UnixEpoch), TimeSpan.FromMinutes(1), 100);
        var calls = 0;
        Task<IReadOnlyList<IPAddress>> Fetch(int limit, CancellationToken cancellationToken)
        {
            calls++;
            return Task.FromResult<IReadOnlyList<IPAddress>>([Address(1), Address(2), Address(3)]);
        }

        Assert.Equal([Address(1), Address(2)], await book.CandidatesAsync(Scope, 2, Fetch, CancellationToken.None));
        Assert.Equal([Address(3)], await book.CandidatesAsync(Scope, 2, Fetch, CancellationToken.None));
        Assert.Empty(await book.CandidatesAsync(Scope, 1, Fetch, CancellationToken.None));
        Assert.Equal(1, calls);
    }
}

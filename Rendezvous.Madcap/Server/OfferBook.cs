using System.Net;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Madcap.Server;

/// <summary>
/// The server's outstanding OFFERs and its supply of candidate addresses, in memory.
/// <para>
/// An OFFER holds its addresses for [OFFER-HOLD] (RFC 2730 section 2.2) here, not in PostgreSQL:
/// the REQUEST that follows leases exactly those addresses in one durable statement, so a
/// four-way exchange costs one database write, as a two-way one does. Held addresses are never
/// offered or leased again by this server while the hold lasts. Another server on the same
/// database does not see them: if it leases one meanwhile, the exclusion constraint refuses our
/// lease of it and the REQUEST is served from a fresh search, so its ACK names other addresses.
/// A restart forgets the holds, with the same effect. Nothing leased is ever lost.
/// </para>
/// <para>
/// Candidates: per scope, addresses that a read-only search found free for any lease starting
/// now (up to the scope's maximum lease), fetched <see cref="PoolSize"/> at a time and used for
/// <see cref="CandidateLifetime"/> at most. Requests that start as soon as possible take from
/// here instead of searching the scope each time; a candidate leased elsewhere since only makes
/// that lease fall back to a search. When a pool runs below a quarter, the next fetch starts at
/// once, in the background, so that requests do not wait for it (waiting for the fetch set the
/// four-way exchange's p99 under load); a fetch leaves out the last <see cref="PoolSize"/>
/// candidates handed out, whose leases may still be committing while it reads.
/// </para>
/// </summary>
public sealed class OfferBook(TimeProvider time, TimeSpan hold, int capacity)
{
    /// <summary>Candidates fetched at once per scope.</summary>
    public const int PoolSize = 256;

    /// <summary>How long fetched candidates are used before the scope is searched again.</summary>
    public static readonly TimeSpan CandidateLifetime = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Held> _offers = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset Until)> _expiry = new();
    private readonly Dictionary<IPAddress, int> _perClient = new();
    private readonly Dictionary<IPAddress, HashSet<IPAddress>> _heldPerScope = new();
    private readonly Dictionary<IPAddress, Pool> _pools = new();

    /// <summary>Offers held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                Expire();
                return _offers.Count;
            }
        }
    }

    /// <summary>The live offer held for this Lease Identifier (hex), or null.</summary>
    public Lease? Find(string key)
    {
        lock (_lock)
        {
            Expire();
            return _offers.TryGetValue(key, out var held) ? held.Offer : null;
        }
    }

    /// <summary>Holds an offer for the hold time; false when the book is full (its capacity) or the key holds one.</summary>
    public bool TryHold(string key, Lease offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        lock (_lock)
        {
            Expire();
            if (_offers.Count >= capacity || _offers.ContainsKey(key))
            {
                return false;
            }

            var until = time.GetUtcNow() + hold;
            _offers[key] = new Held(offer, until);
            _expiry.Enqueue((key, until));
            Adjust(offer, +1);
            return true;
        }
    }

    /// <summary>Removes and returns the live offer for this key (its REQUEST came, to us or to another server), or null.</summary>
    public Lease? Take(string key)
    {
        lock (_lock)
        {
            Expire();
            if (!_offers.Remove(key, out var held))
            {
                return null;
            }

            Adjust(held.Offer, -1);
            return held.Offer;
        }
    }

    /// <summary>How many addresses the live offers to this client address hold.</summary>
    public int HeldBy(IPAddress? client)
    {
        if (client is null)
        {
            return 0;
        }

        lock (_lock)
        {
            Expire();
            return _perClient.GetValueOrDefault(client);
        }
    }

    /// <summary>The addresses held in this scope now (a copy; empty when none).</summary>
    public IReadOnlyCollection<IPAddress> HeldIn(IPAddress scope)
    {
        lock (_lock)
        {
            Expire();
            return _heldPerScope.TryGetValue(scope, out var held) && held.Count > 0 ? [.. held] : [];
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> candidates of the scope, none of them held, taken from its
    /// pool; the pool is refilled through <paramref name="fetch"/> (asked for <see cref="PoolSize"/>)
    /// when it is stale or short, one fetch per scope at a time. Fewer than asked when the scope
    /// has fewer free.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> CandidatesAsync(
        MadcapScope scope, int count, Func<int, CancellationToken, Task<IReadOnlyList<IPAddress>>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(fetch);
        var taken = new List<IPAddress>(count);
        for (var round = 0; ; round++)
        {
            Task refill;
            lock (_lock)
            {
                Expire();
                var pool = PoolOf(scope.First);
                var fresh = time.GetUtcNow() - pool.FetchedAt < CandidateLifetime;
                while (fresh && taken.Count < count && pool.Free.TryDequeue(out var address))
                {
                    taken.Add(address);
                    pool.Taken(address);
                }

                if (taken.Count == count || round == 2 || (fresh && pool.LastFetchShort))
                {
                    // Enough; or the scope has no more than the pool held (a fetch came back short).
                    if (fresh && !pool.LastFetchShort && pool.Refill is null && pool.Free.Count < PoolSize / 4)
                    {
                        // Running low: fetch the next candidates now, so that no request waits for them.
                        pool.Refill = RefillAsync(scope, pool, fetch, CancellationToken.None);
                        _ = pool.Refill.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    }

                    return taken;
                }

                refill = pool.Refill ??= RefillAsync(scope, pool, fetch, cancellationToken);
            }

            await refill.ConfigureAwait(false);
        }
    }

    private async Task RefillAsync(MadcapScope scope, Pool pool, Func<int, CancellationToken, Task<IReadOnlyList<IPAddress>>> fetch, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller holds the lock
        try
        {
            var found = await fetch(PoolSize, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                var held = _heldPerScope.GetValueOrDefault(scope.First);
                pool.Free.Clear();
                foreach (var address in found)
                {
                    // Neither held for an offer, nor handed out lately: its lease may not have committed when the search read.
                    if ((held is null || !held.Contains(address)) && !pool.WasTakenLately(address))
                    {
                        pool.Free.Enqueue(address);
                    }
                }

                pool.FetchedAt = time.GetUtcNow();
                pool.LastFetchShort = found.Count < PoolSize;
            }
        }
        finally
        {
            lock (_lock)
            {
                pool.Refill = null;
            }
        }
    }

    private Pool PoolOf(IPAddress scope)
    {
        if (!_pools.TryGetValue(scope, out var pool))
        {
            if (_pools.Count >= 1024)
            {
                _pools.Clear(); // requests naming many scopes must not grow it without bound
            }

            _pools[scope] = pool = new Pool();
        }

        return pool;
    }

    /// <summary>Drops the offers whose hold has passed (oldest first: every hold is equally long).</summary>
    private void Expire()
    {
        var now = time.GetUtcNow();
        while (_expiry.TryPeek(out var next) && next.Until <= now)
        {
            _expiry.Dequeue();
            if (_offers.TryGetValue(next.Key, out var held) && held.Until == next.Until)
            {
                _offers.Remove(next.Key);
                Adjust(held.Offer, -1);
            }
        }

        if (_offers.Count == 0 && _expiry.Count > 0)
        {
            _expiry.Clear(); // only entries of offers already taken
        }
    }

    private void Adjust(Lease offer, int sign)
    {
        if (offer.Client is { } client)
        {
            var left = _perClient.GetValueOrDefault(client) + (sign * offer.Addresses.Count);
            if (left > 0)
            {
                _perClient[client] = left;
            }
            else
            {
                _perClient.Remove(client);
            }
        }

        if (!_heldPerScope.TryGetValue(offer.Scope, out var held))
        {
            _heldPerScope[offer.Scope] = held = [];
        }

        foreach (var address in offer.Addresses)
        {
            if (sign > 0)
            {
                held.Add(address);
            }
            else
            {
                held.Remove(address);
            }
        }

        if (held.Count == 0)
        {
            _heldPerScope.Remove(offer.Scope);
        }
    }

    private sealed record Held(Lease Offer, DateTimeOffset Until);

    private sealed class Pool
    {
        private readonly HashSet<IPAddress> _lately = [];
        private readonly Queue<IPAddress> _latelyOrder = new();

        public Queue<IPAddress> Free { get; } = new();

        /// <summary>Remembers one of the last <see cref="PoolSize"/> candidates handed out.</summary>
        public void Taken(IPAddress address)
        {
            if (_lately.Add(address))
            {
                _latelyOrder.Enqueue(address);
                if (_latelyOrder.Count > PoolSize)
                {
                    _lately.Remove(_latelyOrder.Dequeue());
                }
            }
        }

        public bool WasTakenLately(IPAddress address) => _lately.Contains(address);

        public DateTimeOffset FetchedAt { get; set; } = DateTimeOffset.MinValue;

        public bool LastFetchShort { get; set; }

        public Task? Refill { get; set; }
    }
}

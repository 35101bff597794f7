using System.Collections.Concurrent;

namespace Rendezvous.Madcap.Server;

/// <summary>
/// The server's response cache (RFC 2730 section 1.5, [RESPONSE-CACHE-INTERVAL]): a retransmitted
/// request gets the answer it got before. Two generations, each one interval long: answers go
/// into the current one, lookups try both and honour each answer's own age, and the older
/// generation is dropped whole when the current one has aged an interval. Every operation is
/// O(1); no scan runs on the hot path. A flood of distinct requests is bounded by
/// <see cref="MaxPerGeneration"/>: the generation turns over early, so a retransmission then may
/// get a recomputed answer, which for a lease already granted is the same lease.
/// </summary>
public sealed class ResponseCache(TimeSpan interval)
{
    /// <summary>Most answers one generation holds.</summary>
    public const int MaxPerGeneration = 65_536;

    private readonly Lock _turn = new();
    private volatile Generation _current = new(DateTimeOffset.MinValue);
    private volatile Generation _previous = new(DateTimeOffset.MinValue);

    /// <summary>The answer given to <paramref name="key"/> less than an interval before <paramref name="now"/>, or null.</summary>
    public byte[]? Find(in ResponseKey key, DateTimeOffset now)
    {
        foreach (var generation in (ReadOnlySpan<Generation>)[_current, _previous])
        {
            if (generation.Answers.TryGetValue(key, out var cached) && now - cached.At < interval)
            {
                return cached.Response;
            }
        }

        return null;
    }

    /// <summary>Remembers the answer given at <paramref name="now"/>.</summary>
    public void Add(in ResponseKey key, DateTimeOffset now, byte[] response)
    {
        var current = _current;
        if (now - current.Started >= interval || current.Answers.Count >= MaxPerGeneration)
        {
            lock (_turn)
            {
                if (ReferenceEquals(current, _current))
                {
                    // A whole generation past its interval holds nothing worth keeping.
                    _previous = now - current.Started >= interval * 2 ? new Generation(now) : current;
                    _current = new Generation(now);
                }

                current = _current;
            }
        }

        current.Answers[key] = (now, response);
    }

    /// <summary>How many answers both generations hold.</summary>
    public int Count => _current.Answers.Count + _previous.Answers.Count;

    private sealed class Generation(DateTimeOffset started)
    {
        public DateTimeOffset Started { get; } = started;

        public ConcurrentDictionary<ResponseKey, (DateTimeOffset At, byte[] Response)> Answers { get; } = new();
    }
}

/// <summary>What makes two requests the same for the response cache: xid, message type, Lease Identifier and source.</summary>
public readonly record struct ResponseKey(uint Xid, byte MessageType, string LeaseIdentifier, System.Net.IPEndPoint Source);

namespace Rendezvous.Madcap.Server;

/// <summary>One bucket of a <see cref="DurationSnapshot"/>: how many durations were at most <see cref="UpToMs"/> and above the previous bucket's bound.</summary>
public sealed record DurationBucket(double UpToMs, long Count);

/// <summary>
/// Durations recorded since the server started: how many, percentiles (each the upper bound of the
/// bucket it falls in, so at most 12.5 % high), the largest, and the non-empty buckets, from which
/// the distribution of any interval can be had by subtracting two snapshots.
/// </summary>
public sealed record DurationSnapshot(long Count, double? P50Ms, double? P90Ms, double? P99Ms, double? P999Ms, double MaxMs, IReadOnlyList<DurationBucket> Buckets);

/// <summary>
/// A lock-free histogram of durations in microseconds, in log-linear buckets: exact below 16 µs,
/// then eight buckets per power of two (12.5 % wide) up to about 67 s; longer ones fall in the last.
/// Recording is one interlocked increment, with no allocation, so it can sit on every exchange.
/// </summary>
public sealed class DurationHistogram
{
    private const int Linear = 16;
    private const int SubBuckets = 8;
    private const int SubBits = 3;
    private const int LowestExponent = 4; // 16 = 2^4, the first logarithmic bucket's lower bound
    private const int HighestExponent = 26; // 2^26 µs is about 67 s
    private const int Count = Linear + (HighestExponent - LowestExponent + 1) * SubBuckets;

    private readonly long[] _counts = new long[Count];
    private long _maxMicroseconds;

    public void Record(TimeSpan duration)
    {
        var microseconds = Math.Max(0, (long)duration.TotalMicroseconds);
        Interlocked.Increment(ref _counts[BucketOf(microseconds)]);
        var max = Volatile.Read(ref _maxMicroseconds);
        while (microseconds > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxMicroseconds, microseconds, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The bucket of a duration: its value below 16 µs, else 16 + 8 per power of two above 2^4, plus the next three bits.</summary>
    public static int BucketOf(long microseconds)
    {
        if (microseconds < Linear)
        {
            return (int)microseconds;
        }

        var exponent = 63 - (int)long.LeadingZeroCount(microseconds);
        if (exponent > HighestExponent)
        {
            return Count - 1;
        }

        var sub = (int)(microseconds >> (exponent - SubBits)) & (SubBuckets - 1);
        return Linear + (exponent - LowestExponent) * SubBuckets + sub;
    }

    /// <summary>The largest duration, in microseconds, that falls in bucket <paramref name="index"/> (exclusive upper bound minus one for the linear ones' exact values).</summary>
    public static long UpperBound(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var exponent = LowestExponent + (index - Linear) / SubBuckets;
        var sub = (index - Linear) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (exponent - SubBits)) - 1;
    }

    public DurationSnapshot Snapshot()
    {
        var counts = new long[Count];
        long total = 0;
        for (var i = 0; i < Count; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        var buckets = new List<DurationBucket>();
        for (var i = 0; i < Count; i++)
        {
            if (counts[i] > 0)
            {
                buckets.Add(new DurationBucket(Milliseconds(UpperBound(i)), counts[i]));
            }
        }

        return new DurationSnapshot(
            total, Percentile(counts, total, 0.50), Percentile(counts, total, 0.90), Percentile(counts, total, 0.99), Percentile(counts, total, 0.999),
            Milliseconds(Volatile.Read(ref _maxMicroseconds)), buckets);
    }

    /// <summary>The upper bound of the bucket holding the q-th quantile, or null when nothing was recorded.</summary>
    private static double? Percentile(long[] counts, long total, double q)
    {
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Milliseconds(UpperBound(i));
            }
        }

        return Milliseconds(UpperBound(counts.Length - 1));
    }

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;
}

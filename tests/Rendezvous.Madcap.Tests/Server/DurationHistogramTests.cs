using Rendezvous.Madcap.Server;

namespace Rendezvous.Madcap.Tests.Server;

public sealed class DurationHistogramTests
{
    [Fact]
    public void Every_duration_falls_in_a_bucket_whose_bounds_hold_it_and_are_at_most_an_eighth_wide()
    {
        var previousBound = -1L;
        var lastIndex = -1;
        for (long us = 0; us < 70_000_000; us = us < 4096 ? us + 1 : us + us / 97)
        {
            var index = DurationHistogram.BucketOf(us);
            Assert.True(index >= lastIndex, $"{us} µs went back to bucket {index} from {lastIndex}");
            var upper = DurationHistogram.UpperBound(index);
            var lower = index == 0 ? 0 : DurationHistogram.UpperBound(index - 1) + 1;
            Assert.InRange(us, lower, upper);
            Assert.True(upper - lower <= Math.Max(0, lower / 8), $"bucket {index} is {lower}..{upper}");
            if (index != lastIndex)
            {
                Assert.True(lower == previousBound + 1, $"bucket {index} starts at {lower}, after a bound of {previousBound}");
                previousBound = upper;
                lastIndex = index;
            }
        }
    }

    [Fact]
    public void Percentiles_are_the_bounds_of_the_buckets_they_fall_in()
    {
        var histogram = new DurationHistogram();
        Assert.Equal((0L, (double?)null, 0.0), (histogram.Snapshot().Count, histogram.Snapshot().P50Ms, histogram.Snapshot().MaxMs));
        for (var i = 0; i < 98; i++)
        {
            histogram.Record(TimeSpan.FromMicroseconds(500));
        }

        histogram.Record(TimeSpan.FromMilliseconds(12));
        histogram.Record(TimeSpan.FromMilliseconds(40));
        var snapshot = histogram.Snapshot();
        Assert.Equal(100, snapshot.Count);
        Assert.InRange(snapshot.P50Ms!.Value, 0.5, 0.5 * 1.125);
        Assert.InRange(snapshot.P90Ms!.Value, 0.5, 0.5 * 1.125);
        Assert.InRange(snapshot.P99Ms!.Value, 12, 12 * 1.125);
        Assert.InRange(snapshot.P999Ms!.Value, 40, 40 * 1.125);
        Assert.Equal(40, snapshot.MaxMs);
        Assert.Equal([98L, 1, 1], snapshot.Buckets.Select(b => b.Count));
    }

    [Fact]
    public void Negative_and_huge_durations_are_kept_at_the_ends()
    {
        var histogram = new DurationHistogram();
        histogram.Record(TimeSpan.FromTicks(-5));
        histogram.Record(TimeSpan.FromHours(3));
        var snapshot = histogram.Snapshot();
        Assert.Equal(2, snapshot.Count);
        Assert.Equal(0, snapshot.Buckets[0].UpToMs);
        Assert.Equal(TimeSpan.FromHours(3).TotalMilliseconds, snapshot.MaxMs);
        Assert.True(snapshot.Buckets[^1].UpToMs > 60_000);
    }

    [Fact]
    public void Concurrent_recording_loses_no_count()
    {
        var histogram = new DurationHistogram();
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(TimeSpan.FromMicroseconds((worker * 50_000) + i));
            }
        });
        var snapshot = histogram.Snapshot();
        Assert.Equal(400_000, snapshot.Count);
        Assert.Equal(399.999, snapshot.MaxMs);
    }
}

using System.Globalization;
using System.Text;
using Rendezvous.Directory.Sdp;
using Xunit.Abstractions;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>
/// Random schedules against a deliberately naive reference: every repetition from k = 0 on, filtered.
/// A failure names the seed and the case, and prints the schedule as SDP lines.
/// </summary>
public sealed class SdpSchedulePropertyTests(ITestOutputHelper output)
{
    private const int FixedSeed = 20260413;
    private const int Cases = 2000;
    private const long Minute = 60;
    private const long Hour = 3600;
    private const long Day = 86400;

    private static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Random_schedules_match_the_brute_force_reference() => Check(FixedSeed, Cases);

    [Fact]
    public void Random_schedules_from_a_clock_seed_match_the_brute_force_reference()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"Seed {seed}: to reproduce a failure, set FixedSeed to {seed}.");
        Check(seed, Cases);
    }

    private static void Check(int seed, int cases)
    {
        var random = new Random(seed);
        for (var index = 0; index < cases; index++)
        {
            var times = Schedule(random);
            var context = $"seed {seed}, case {index}:\n{Describe(times)}";
            CheckBounds(times, context);
            foreach (var (from, to) in Windows(random, times))
            {
                CheckWindow(times, from, to, $"{context}window [{from:O}, {to:O})");
            }
        }
    }

    private static void CheckWindow(SdpTime[] times, DateTimeOffset from, DateTimeOffset to, string context)
    {
        var actual = SdpSchedule.Occurrences(times, from, to).ToList();
        var expected = Reference(times, from, to);
        if (!expected.SequenceEqual(actual))
        {
            Assert.Fail($"{context}\nexpected:\n{string.Join('\n', expected)}\nactual:\n{string.Join('\n', actual)}");
        }

        // The same facts, stated on their own so that a reference bug cannot hide them.
        var outside = actual.Find(o => !(o.Start < to && (o.Stop is null || o.Stop > from)));
        Assert.True(outside is null, $"{context}: {outside} is outside the window");
        var unsorted = Enumerable.Range(1, Math.Max(0, actual.Count - 1)).FirstOrDefault(i => Key(actual[i - 1]).CompareTo(Key(actual[i])) >= 0);
        Assert.True(unsorted == 0, $"{context}: {actual.ElementAtOrDefault(unsorted - 1)} comes before {actual.ElementAtOrDefault(unsorted)}");
        Assert.Equal(actual.Count, actual.DistinctBy(o => (o.TimeIndex, o.Start, o.Stop)).Count());

        var bounds = SdpSchedule.Bounds(times);
        Assert.True(actual.Count == 0 || !bounds.IsEmpty, context);
        var unbounded = actual.Find(o => (bounds.Start is not null && o.Start < bounds.Start) || (bounds.Stop is not null && (o.Stop is null || o.Stop > bounds.Stop)));
        Assert.True(unbounded is null, $"{context}: {unbounded} is outside {bounds}");
    }

    /// <summary>The bounds are tight: an occurrence starts at Start, none before; one stops at Stop, none after.</summary>
    private static void CheckBounds(SdpTime[] times, string context)
    {
        var bounds = SdpSchedule.Bounds(times);
        if (times.Any(t => t is { IsPermanent: true, Repeats.Count: 0 }))
        {
            Assert.Equal(new SdpBounds(null, null), bounds);
            return;
        }

        if (bounds.IsEmpty)
        {
            Assert.True(IsBounded(times), context);
            Assert.Empty(Reference(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
            return;
        }

        var start = bounds.Start!.Value;
        Assert.Empty(Reference(times, DateTimeOffset.MinValue, start));
        Assert.Contains(Reference(times, DateTimeOffset.MinValue, start.AddTicks(1)), o => o.Start == start);
        Assert.True(IsBounded(times) == bounds.Stop is not null, $"{context}{bounds}");
        if (bounds.Stop is { } stop)
        {
            Assert.Empty(Reference(times, stop, DateTimeOffset.MaxValue));
            Assert.Contains(Reference(times, stop.AddTicks(-1), DateTimeOffset.MaxValue), o => o.Stop == stop);
        }
    }

    private static (DateTimeOffset, int, int, int) Key(SdpOccurrence o) => (o.Start, o.TimeIndex, o.RepeatIndex ?? -1, o.OffsetIndex ?? -1);

    // ---- The reference: no cleverness, no shared code. ----

    private static List<SdpOccurrence> Reference(SdpTime[] times, DateTimeOffset from, DateTimeOffset to)
    {
        var all = new List<SdpOccurrence>();
        if (from >= to)
        {
            return all; // an empty window
        }

        for (var i = 0; i < times.Length; i++)
        {
            var time = times[i];
            if (time.Start == 0 && time.Stop == 0 && time.Repeats.Count == 0)
            {
                all.Add(new(DateTimeOffset.MinValue, null, i) { IsPermanent = true });
                continue;
            }

            long start = (long)time.Start;
            long? stop = time.Stop == 0 ? null : (long)time.Stop;
            if (stop < start)
            {
                continue;
            }

            if (time.Repeats.Count == 0)
            {
                all.Add(new(At(start), stop is null ? null : At(stop.Value), i));
                continue;
            }

            var mostBack = Math.Max(0, -time.ZoneAdjustments.Select(z => z.Offset.TotalSeconds).DefaultIfEmpty(0).Min());
            var (fromTicks, toTicks) = ((from - Epoch).Ticks, (to - Epoch).Ticks);
            for (var j = 0; j < time.Repeats.Count; j++)
            {
                var repeat = time.Repeats[j];
                var interval = repeat.Interval.TotalSeconds;
                var duration = repeat.ActiveDuration.TotalSeconds;
                if (!IsUsable(repeat))
                {
                    continue;
                }

                for (var o = 0; o < repeat.Offsets.Count; o++)
                {
                    for (long k = 0; ; k++)
                    {
                        if (k > 10_000_000)
                        {
                            Assert.Fail("The reference ran away: the generator makes schedules too dense.");
                        }

                        var unadjusted = start + repeat.Offsets[o].TotalSeconds + (k * interval);
                        if ((stop is not null && unadjusted - mostBack >= stop) || (unadjusted - mostBack) * TimeSpan.TicksPerSecond >= toTicks)
                        {
                            break; // every later one starts too late
                        }

                        var adjusted = unadjusted + Zone(time, unadjusted);
                        if (stop is not null && adjusted >= stop)
                        {
                            continue;
                        }

                        var end = stop is null ? adjusted + duration : Math.Min(adjusted + duration, stop.Value);
                        if (adjusted * TimeSpan.TicksPerSecond < toTicks && end * TimeSpan.TicksPerSecond > fromTicks)
                        {
                            all.Add(new(At(adjusted), At(end), i) { RepeatIndex = j, OffsetIndex = o });
                        }
                    }
                }
            }
        }

        var result = new List<SdpOccurrence>();
        var seen = new HashSet<(int, DateTimeOffset, DateTimeOffset?)>();
        foreach (var o in all.Where(o => o.Start < to && (o.Stop is null || o.Stop > from)).OrderBy(Key))
        {
            if (seen.Add((o.TimeIndex, o.Start, o.Stop)))
            {
                result.Add(o);
            }
        }

        return result;
    }

    private static bool IsUsable(SdpRepeat repeat) =>
        repeat.Interval.TotalSeconds > 0 && repeat.ActiveDuration.TotalSeconds >= 0 && repeat.Offsets.Count > 0 && repeat.Offsets.All(o => o.TotalSeconds >= 0);

    /// <summary>False when some usable t= line never ends.</summary>
    private static bool IsBounded(SdpTime[] times) => !times.Any(t => t.Stop == 0 && (t.Repeats.Count == 0 || t.Repeats.Any(IsUsable)));

    /// <summary>The offset of the adjustment with the greatest time at or before <paramref name="unadjusted"/>; the last written among equals.</summary>
    private static long Zone(SdpTime time, long unadjusted)
    {
        SdpZoneAdjustment? latest = null;
        foreach (var adjustment in time.ZoneAdjustments.AsSpan())
        {
            if ((long)adjustment.AdjustmentTime <= unadjusted && (latest is null || adjustment.AdjustmentTime >= latest.AdjustmentTime))
            {
                latest = adjustment;
            }
        }

        return latest?.Offset.TotalSeconds ?? 0;
    }

    private static DateTimeOffset At(long seconds) => Epoch.AddTicks(seconds * TimeSpan.TicksPerSecond);

    // ---- Generators ----

    /// <summary>1 to 3 t= lines around 2014 to 2039 (across 2^32 in 2036), some of them odd or invalid.</summary>
    private static SdpTime[] Schedule(Random random)
    {
        var baseTime = random.NextInt64(3_600_000_000, 4_400_000_000);
        var times = new SdpTime[random.Next(1, 4)];
        for (var i = 0; i < times.Length; i++)
        {
            var roll = random.Next(100);
            if (roll < 3)
            {
                times[i] = new(0, 0); // permanent
                continue;
            }

            if (roll < 5)
            {
                times[i] = new(0, 0) { Repeats = [Repeat(random, minimumInterval: 30 * Day)] }; // permanent, repeating from 1900
                continue;
            }

            var start = baseTime + random.NextInt64(0, 60 * Day);
            var stopRoll = random.Next(100);
            var stop = stopRoll switch
            {
                < 15 => 0, // unbounded
                < 20 => start - random.NextInt64(1, Day), // invalid: before the start
                < 23 => start,
                _ => start + random.NextInt64(1, 90 * Day),
            };
            var repeats = Enumerable.Range(0, random.Next(4)).Select(_ => Repeat(random, minimumInterval: 1)).ToArray();
            times[i] = new((ulong)start, (ulong)stop)
            {
                Repeats = [.. repeats],
                ZoneAdjustments = random.Next(2) == 0 ? [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Adjustment(random, start))] : default,
            };
        }

        return times;
    }

    private static SdpRepeat Repeat(Random random, long minimumInterval)
    {
        var roll = random.Next(100);
        var interval = roll switch
        {
            < 2 => 0, // invalid
            < 3 => -Day, // invalid
            < 25 => Day,
            < 45 => 7 * Day,
            < 50 => Hour,
            _ => random.NextInt64(Hour, 10 * Day),
        };
        interval = interval > 0 ? Math.Max(interval, minimumInterval) : interval;
        var span = Math.Max(interval, Hour);
        var duration = random.Next(100) < 3 ? -Hour : random.NextInt64(0, span * 3 / 2);
        var offsets = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(100) switch
        {
            < 15 => 0,
            < 20 => span, // lands on the next repetition: a duplicate
            < 22 => -Minute, // invalid
            _ => random.NextInt64(0, span * 6 / 5),
        });
        return new(Typed(random, interval), Typed(random, duration), [.. offsets.Select(o => Typed(random, o))]);
    }

    private static SdpZoneAdjustment Adjustment(Random random, long start)
    {
        var at = random.Next(2) == 0
            ? start + random.NextInt64(-10 * Day, 130 * Day)
            : start + (random.Next(-3, 100) * (random.Next(2) == 0 ? Day : 7 * Day)); // exactly on a repetition of a daily or weekly series
        var offset = random.Next(8) switch
        {
            0 => -2 * Hour,
            1 or 2 => -Hour,
            3 => 0,
            4 or 5 => Hour,
            6 => -30 * Minute,
            _ => random.NextInt64(-3 * Hour, 3 * Hour),
        };
        return new((ulong)at, Typed(random, offset));
    }

    /// <summary>The same number of seconds, sometimes written with a unit (7d, 1h, 30m, 45s).</summary>
    private static SdpTypedTime Typed(Random random, long seconds) => random.Next(3) switch
    {
        0 when seconds % Day == 0 => new(seconds / Day, SdpTimeUnit.Days),
        0 or 1 when seconds % Hour == 0 => new(seconds / Hour, SdpTimeUnit.Hours),
        1 when seconds % Minute == 0 => new(seconds / Minute, SdpTimeUnit.Minutes),
        2 => new(seconds, SdpTimeUnit.Seconds),
        _ => new(seconds),
    };

    /// <summary>Two windows: one anywhere around the schedule, one whose edges touch an occurrence (to the tick).</summary>
    private static IEnumerable<(DateTimeOffset, DateTimeOffset)> Windows(Random random, SdpTime[] times)
    {
        var anchor = times.Where(t => t.Start != 0).Select(t => At((long)t.Start)).DefaultIfEmpty(At(4_000_000_000)).Min();
        var from = anchor.AddSeconds(random.NextInt64(-10 * Day, 150 * Day)).AddTicks(random.Next(2) == 0 ? 0 : random.NextInt64(TimeSpan.TicksPerSecond));
        var length = random.Next(4) switch
        {
            0 => TimeSpan.FromTicks(random.NextInt64(1, TimeSpan.TicksPerHour)),
            1 => TimeSpan.FromDays(1),
            2 => TimeSpan.FromDays(30),
            _ => TimeSpan.FromDays(90),
        };
        yield return (from, from + length);

        var nearby = Reference(times, anchor.AddDays(-10), anchor.AddDays(150)).Where(o => !o.IsPermanent).ToList();
        if (nearby.Count == 0)
        {
            yield break;
        }

        var occurrence = nearby[random.Next(nearby.Count)];
        var edges = new[] { occurrence.Start, occurrence.Stop ?? occurrence.Start };
        var edgeFrom = edges[random.Next(2)] + Jitter(random);
        var edgeTo = random.Next(2) == 0 ? edges[random.Next(2)] + Jitter(random) : edgeFrom + TimeSpan.FromHours(random.Next(1, 48));
        yield return edgeFrom <= edgeTo ? (edgeFrom, edgeTo) : (edgeTo, edgeFrom);
    }

    private static TimeSpan Jitter(Random random) => TimeSpan.FromTicks(random.Next(5) switch
    {
        0 => -TimeSpan.TicksPerSecond,
        1 => -1,
        2 => 0,
        3 => 1,
        _ => TimeSpan.TicksPerSecond,
    });

    private static string Describe(SdpTime[] times)
    {
        var text = new StringBuilder();
        foreach (var time in times)
        {
            text.Append(CultureInfo.InvariantCulture, $"t={time.Start} {time.Stop}\n");
            foreach (var repeat in time.Repeats)
            {
                text.Append(CultureInfo.InvariantCulture, $"r={repeat.Interval} {repeat.ActiveDuration} {string.Join(' ', repeat.Offsets)}\n");
            }

            if (time.ZoneAdjustments.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"z={string.Join(' ', time.ZoneAdjustments.Select(z => $"{z.AdjustmentTime} {z.Offset}"))}\n");
            }
        }

        return text.ToString();
    }
}

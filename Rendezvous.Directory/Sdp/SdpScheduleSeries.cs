namespace Rendezvous.Directory.Sdp;

/// <summary>
/// Occurrences whose starts form one arithmetic progression, in signed seconds since 1900:
/// start(k) = <see cref="First"/> + k × <see cref="Interval"/> for k in [<see cref="KLow"/>, <see cref="KHigh"/>],
/// all with the same duration and clip. One per (t=, r=, offset, z= period): within a z= period the offset is
/// constant, so every series is sorted and the merge of all series is sorted too.
/// </summary>
internal sealed class SdpScheduleSeries
{
    /// <summary>
    /// Typed times saturate here: 2^39 s (about 17,000 years) is more than the whole
    /// <see cref="DateTimeOffset"/> range, so a saturated value gives the same occurrences as the real one,
    /// and sums of a few of them cannot overflow 64 bits.
    /// </summary>
    private const long Saturation = 1L << 39;

    private SdpScheduleSeries()
    {
    }

    public int TimeIndex { get; private init; }

    /// <summary>-1 for a t= line without r= lines.</summary>
    public int RepeatIndex { get; private init; }

    /// <summary>-1 for a t= line without r= lines.</summary>
    public int OffsetIndex { get; private init; }

    /// <summary>The z= period (0 before the first adjustment), to order ties deterministically.</summary>
    public int Period { get; private init; }

    public long First { get; private init; }

    /// <summary>Always &gt; 0.</summary>
    public long Interval { get; private init; }

    public long KLow { get; private init; }

    public long KHigh { get; private init; }

    /// <summary>Null: open-ended occurrences.</summary>
    public long? Duration { get; private init; }

    /// <summary>The t= stop that no occurrence passes; null when the t= line never ends.</summary>
    public long? Clip { get; private init; }

    public bool IsPermanent { get; private init; }

    public long StartAt(long k) => First + (k * Interval);

    /// <summary>The stop of repetition k; null when open or after <see cref="DateTimeOffset.MaxValue"/>.</summary>
    public long? StopAt(long k)
    {
        if (Duration is not { } duration)
        {
            return null;
        }

        var stop = StartAt(k) + duration;
        if (Clip is { } clip && stop > clip)
        {
            stop = clip; // RFC 8866 section 5.10: the t= stop ends the whole repeat sequence; the last one is clipped
        }

        return stop > NtpTime.MaxSignedSeconds ? null : stop;
    }

    /// <summary>Sort order of repetition k: start, then t= index, r= index, offset index (then z= period).</summary>
    public (long, int, int, int, int) OrderKey(long k) => (StartAt(k), TimeIndex, RepeatIndex, OffsetIndex, Period);

    public SdpOccurrence ToOccurrence(long k) => new(
        NtpTime.FromSignedSeconds(StartAt(k)),
        StopAt(k) is { } stop ? NtpTime.FromSignedSeconds(stop) : null,
        TimeIndex)
    {
        RepeatIndex = RepeatIndex < 0 ? null : RepeatIndex,
        OffsetIndex = OffsetIndex < 0 ? null : OffsetIndex,
        IsPermanent = IsPermanent,
    };

    /// <summary>
    /// The range of k whose occurrence overlaps [from, to) given in whole seconds (from rounded down, to
    /// rounded up, which keeps the test exact for any tick): start &lt; to and (stop open or stop &gt; from).
    /// Computed by division, whatever the distance from the first repetition. Empty when first &gt; last.
    /// </summary>
    public (long First, long Last) Within(long fromSeconds, long toSeconds)
    {
        var last = Math.Min(KHigh, SdpMath.CeilingDiv(toSeconds - First, Interval) - 1);
        if (Duration is not { } duration)
        {
            return (KLow, last);
        }

        if (Clip is { } clip && clip <= fromSeconds)
        {
            return (1, 0);
        }

        // min(start + duration, clip) > from, and clip > from already: start(k) + duration > from.
        return (Math.Max(KLow, SdpMath.FloorDiv(fromSeconds - duration - First, Interval) + 1), last);
    }

    /// <summary>The non-empty series of every usable time description; see <see cref="SdpSchedule"/> for the rules.</summary>
    public static List<SdpScheduleSeries> Build(IReadOnlyList<SdpTime> times)
    {
        var all = new List<SdpScheduleSeries>();
        for (var index = 0; index < times.Count; index++)
        {
            if (times[index] is { } time)
            {
                AddTime(all, index, time);
            }
        }

        return all;
    }

    private static void AddTime(List<SdpScheduleSeries> all, int index, SdpTime time)
    {
        var max = NtpTime.MaxSignedSeconds;
        if (time.IsPermanent && time.Repeats.Count == 0)
        {
            // RFC 8866 section 5.9: start and stop 0 is permanent; without r= it is always on.
            all.Add(new() { TimeIndex = index, RepeatIndex = -1, OffsetIndex = -1, First = NtpTime.MinSignedSeconds, Interval = 1, IsPermanent = true });
            return;
        }

        if (time.Start > (ulong)max)
        {
            return; // No DateTimeOffset for the start: nothing to show.
        }

        var start = (long)time.Start;
        long? stop = time.Stop == 0 || time.Stop > (ulong)max ? null : (long)time.Stop; // RFC 8866 section 5.9: stop 0 is unbounded
        if (stop < start)
        {
            return; // Stop before start: invalid, skipped.
        }

        if (time.Repeats.Count == 0)
        {
            // RFC 8866 section 5.9: one active period [start, stop].
            all.Add(new() { TimeIndex = index, RepeatIndex = -1, OffsetIndex = -1, First = start, Interval = 1, Duration = stop - start, Clip = stop });
            return;
        }

        var periods = ZonePeriods(time.ZoneAdjustments);
        for (var repeatIndex = 0; repeatIndex < time.Repeats.Count; repeatIndex++)
        {
            AddRepeat(all, index, start, stop, repeatIndex, time.Repeats[repeatIndex], periods);
        }
    }

    private static void AddRepeat(List<SdpScheduleSeries> all, int index, long start, long? stop, int repeatIndex, SdpRepeat repeat, List<(long From, long To, long Offset)> periods)
    {
        var interval = Seconds(repeat.Interval);
        var duration = Seconds(repeat.ActiveDuration);
        var offsets = repeat.Offsets.Select(Seconds).ToArray();
        if (interval <= 0 || duration < 0 || offsets.Length == 0 || offsets.Any(o => o < 0))
        {
            return; // An unusable r= line is skipped; the parser reports it.
        }

        var min = NtpTime.MinSignedSeconds;
        var max = NtpTime.MaxSignedSeconds;
        for (var offsetIndex = 0; offsetIndex < offsets.Length; offsetIndex++)
        {
            var unadjusted = start + offsets[offsetIndex]; // RFC 8866 section 5.10: offsets from start-time, repeated every interval
            for (var period = 0; period < periods.Count; period++)
            {
                var (from, to, shift) = periods[period];
                var first = unadjusted + shift; // RFC 8866 section 5.11: this period's offset moves the time base
                var kLow = Max(0, SdpMath.CeilingDiv(from - unadjusted, interval), SdpMath.CeilingDiv(min - first, interval));
                var kHigh = Min(
                    SdpMath.FloorDiv(to - 1 - unadjusted, interval), // unadjusted start still in this z= period
                    SdpMath.FloorDiv(max - unadjusted, interval), // unadjusted start has a DateTimeOffset
                    SdpMath.FloorDiv(max - first, interval), // adjusted start has a DateTimeOffset
                    stop is { } s ? SdpMath.CeilingDiv(s - first, interval) - 1 : long.MaxValue); // adjusted start before the t= stop
                if (kLow <= kHigh)
                {
                    all.Add(new()
                    {
                        TimeIndex = index, RepeatIndex = repeatIndex, OffsetIndex = offsetIndex, Period = period,
                        First = first, Interval = interval, KLow = kLow, KHigh = kHigh, Duration = duration, Clip = stop,
                    });
                }
            }
        }
    }

    /// <summary>
    /// The z= periods in unadjusted time, [From, To) with their offset, covering all time in order:
    /// offset 0 before the first adjustment, then each adjustment's own offset from its time on
    /// (RFC 8866 section 5.11: relative to the start time, not cumulative). Adjustments are sorted by time,
    /// stably, so among equal times the last written wins (the earlier ones get empty periods).
    /// </summary>
    private static List<(long From, long To, long Offset)> ZonePeriods(ValueList<SdpZoneAdjustment> adjustments)
    {
        var periods = new List<(long From, long To, long Offset)>();
        var (from, offset) = (-Saturation, 0L);
        foreach (var adjustment in adjustments.OrderBy(a => a.AdjustmentTime))
        {
            var at = (long)Math.Min(adjustment.AdjustmentTime, (ulong)Saturation); // later than any usable start: never reached
            periods.Add((from, at, offset));
            (from, offset) = (at, Seconds(adjustment.Offset));
        }

        periods.Add((from, Saturation, offset));
        return periods;
    }

    /// <summary>A typed time in seconds, saturated to ±<see cref="Saturation"/> instead of overflowing.</summary>
    private static long Seconds(SdpTypedTime time)
    {
        try
        {
            return Math.Clamp(time.TotalSeconds, -Saturation, Saturation);
        }
        catch (OverflowException)
        {
            return time.Value < 0 ? -Saturation : Saturation;
        }
    }

    private static long Max(long a, long b, long c) => Math.Max(a, Math.Max(b, c));

    private static long Min(long a, long b, long c, long d) => Math.Min(Math.Min(a, b), Math.Min(c, d));
}

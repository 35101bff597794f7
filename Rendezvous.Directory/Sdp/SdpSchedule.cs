namespace Rendezvous.Directory.Sdp;

/// <summary>
/// One concrete period in which a session is active, [<paramref name="Start"/>, <paramref name="Stop"/>)
/// in UTC, expanded from a time description (t= with its r= and z= lines).
/// </summary>
/// <param name="Start">The first instant, in whole seconds. <see cref="DateTimeOffset.MinValue"/> for the
/// always-on occurrence of a permanent session (<see cref="IsPermanent"/>).</param>
/// <param name="Stop">The first instant after the occurrence (exclusive); equal to <paramref name="Start"/> for a
/// zero-length one. Null when open-ended: a permanent session, an unbounded t= without r=, or a stop later than
/// <see cref="DateTimeOffset.MaxValue"/>.</param>
/// <param name="TimeIndex">The index of the t= line (time description) it comes from.</param>
public sealed record SdpOccurrence(DateTimeOffset Start, DateTimeOffset? Stop, int TimeIndex)
{
    /// <summary>The index of the r= line under the t= line; null when the t= line has no r= lines.</summary>
    public int? RepeatIndex { get; init; }

    /// <summary>The index of the offset within the r= line; null when the t= line has no r= lines.</summary>
    public int? OffsetIndex { get; init; }

    /// <summary>True only for the always-on occurrence of a permanent session (t=0 0 without r= lines).</summary>
    public bool IsPermanent { get; init; }
}

/// <summary>
/// The smallest range that holds every occurrence of a schedule, for a PostgreSQL tstzrange:
/// [<paramref name="Start"/>, <paramref name="Stop"/>), where null is infinity.
/// </summary>
/// <param name="Start">The earliest occurrence start; null only for a permanent session (always on).</param>
/// <param name="Stop">The latest occurrence stop; null when the schedule never ends: permanent, unbounded
/// (t= stop 0, with or without r=), or a stop later than <see cref="DateTimeOffset.MaxValue"/>.</param>
public sealed record SdpBounds(DateTimeOffset? Start, DateTimeOffset? Stop)
{
    /// <summary>The bounds of a schedule without any occurrence (PostgreSQL 'empty').</summary>
    public static SdpBounds Empty { get; } = new(null, null) { IsEmpty = true };

    /// <summary>True when there is no occurrence at all; <see cref="Start"/> and <see cref="Stop"/> are then null and mean nothing.</summary>
    public bool IsEmpty { get; private init; }
}

/// <summary>
/// Expands the time descriptions of a session description (RFC 8866 sections 5.9 to 5.11; RFC 4566
/// the same) into concrete occurrences. All arithmetic is in whole seconds (64-bit), so 2036 is not special.
/// </summary>
/// <remarks>
/// <para>The rules, including the ones the RFC leaves open:</para>
/// <list type="bullet">
/// <item>t=0 0 without r= lines is permanent: one always-on occurrence
/// (<see cref="DateTimeOffset.MinValue"/>, open stop, <see cref="SdpOccurrence.IsPermanent"/>).
/// With r= lines it repeats from NTP 0 (1900-01-01T00:00:00Z, a Monday) for ever: the RFC says such a
/// session is active when its repeat times say.</item>
/// <item>t=&lt;start&gt; 0 is unbounded: without r= one occurrence [start, open); with r= the repetition never ends.
/// RFC 8866's display hint (assume it ends half an hour from now) is left to the user interface.</item>
/// <item>t= without r= lines: one occurrence [start, stop). z= lines are then ignored (RFC 8866 section 5.11:
/// they modify the repeat fields only).</item>
/// <item>r=&lt;interval&gt; &lt;duration&gt; &lt;offsets&gt;: for each offset o and k = 0, 1, 2, ... an occurrence
/// starts at u = start + k × interval + o (before z=) and lasts duration. Each r= line is its own series; the
/// t= start itself is not an extra occurrence.</item>
/// <item>z=: an occurrence whose unadjusted start u is at or after an adjustment time (adjustment time &lt;= u)
/// moves by that adjustment's offset; with several, the one with the greatest adjustment time wins (the last
/// written among equal times). Offsets are relative to the original time base, not cumulative.</item>
/// <item>The t= stop bounds the series: an occurrence is included when its adjusted start is before the stop,
/// and its stop is clipped to the t= stop. So with RFC 8866's "stop = end of the last session" every session
/// counts, even in summer time, and no occurrence ends after the t= stop. (A negative z= offset can thus bring
/// in a repetition whose unadjusted start is at or after the stop.)</item>
/// <item>Duplicates: two occurrences of the same t= line with the same start and stop (e.g. offsets "0 0", or an
/// offset equal to the interval) are one; the one from the lowest r= index, then offset index, is kept.
/// Equal occurrences of different t= lines are all kept: each t= line is its own time description.</item>
/// <item>Invalid values never throw and never loop: an r= line with an interval &lt;= 0, a negative duration, a
/// negative offset or no offset is skipped (other r= lines of the t= line still count); a t= line whose
/// non-zero stop is before its start, or whose start is after <see cref="DateTimeOffset.MaxValue"/>, is
/// skipped; a stop after <see cref="DateTimeOffset.MaxValue"/> is open (null); occurrences whose start,
/// adjusted or not, would fall outside <see cref="DateTimeOffset"/> are dropped; typed times beyond ±2^39 s
/// (longer than the whole <see cref="DateTimeOffset"/> range, including ones too large for 64 bits) saturate
/// there, which changes no result.</item>
/// </list>
/// </remarks>
public static class SdpSchedule
{
    /// <summary>
    /// The occurrences that overlap [<paramref name="from"/>, <paramref name="to"/>): Start &lt; to and
    /// (Stop is null or Stop &gt; from). Sorted by start, then t= index, r= index and offset index; without
    /// duplicates (see <see cref="SdpSchedule"/>). Lazy: each series jumps straight to the window by arithmetic,
    /// the series are merged with a priority queue, and memory depends on the description only, never on the
    /// window. Empty when from &gt;= to: an empty window overlaps nothing. Null entries in <paramref name="times"/> are skipped.
    /// </summary>
    public static IEnumerable<SdpOccurrence> Occurrences(IReadOnlyList<SdpTime> times, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(times);
        return from < to ? Merge(times, from, to) : [];
    }

    /// <summary>The occurrences of <paramref name="description"/>'s t= lines; see <see cref="Occurrences(IReadOnlyList{SdpTime}, DateTimeOffset, DateTimeOffset)"/>.</summary>
    public static IEnumerable<SdpOccurrence> Occurrences(SessionDescription description, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Occurrences(description.Times, from, to);
    }

    /// <summary>
    /// The earliest start and the latest stop over all occurrences, so that every occurrence lies within.
    /// (null, null) for a permanent session (t=0 0 without r=); Stop null when any time description never
    /// ends; <see cref="SdpBounds.Empty"/> when there is no occurrence (no t= lines, or only invalid ones).
    /// Computed from each series' first and last repetition, without expanding anything.
    /// </summary>
    public static SdpBounds Bounds(IReadOnlyList<SdpTime> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var series = SdpScheduleSeries.Build(times);
        if (series.Count == 0)
        {
            return SdpBounds.Empty;
        }

        if (series.Exists(s => s.IsPermanent))
        {
            return new(null, null); // RFC 8866 section 5.9: t=0 0 is permanent
        }

        var start = series.Min(s => s.StartAt(s.KLow));
        var open = series.Exists(s => s.Clip is null); // stop 0, or after DateTimeOffset.MaxValue: never ends
        DateTimeOffset? stop = open ? null : NtpTime.FromSignedSeconds(series.Max(s => s.StopAt(s.KHigh)!.Value));
        return new(NtpTime.FromSignedSeconds(start), stop);
    }

    /// <summary>The bounds of <paramref name="description"/>'s t= lines; see <see cref="Bounds(IReadOnlyList{SdpTime})"/>.</summary>
    public static SdpBounds Bounds(SessionDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Bounds(description.Times);
    }

    /// <summary>K-way merge: a priority queue holds the next occurrence of every series that reaches the window.</summary>
    private static IEnumerable<SdpOccurrence> Merge(IReadOnlyList<SdpTime> times, DateTimeOffset from, DateTimeOffset to)
    {
        var fromSeconds = NtpTime.FloorSeconds(from);
        var toSeconds = NtpTime.CeilingSeconds(to);
        var queue = new PriorityQueue<(SdpScheduleSeries Series, long K, long Last), (long, int, int, int, int)>();
        foreach (var series in SdpScheduleSeries.Build(times))
        {
            var (first, last) = series.Within(fromSeconds, toSeconds);
            if (first <= last)
            {
                queue.Enqueue((series, first, last), series.OrderKey(first));
            }
        }

        // Duplicates share a start, and equal starts come out together: remember (t= index, stop) per start.
        var currentStart = long.MinValue;
        var seen = new HashSet<(int, long?)>();
        while (queue.TryDequeue(out var next, out _))
        {
            var (series, k, last) = next;
            var start = series.StartAt(k);
            if (start != currentStart)
            {
                currentStart = start;
                seen.Clear();
            }

            if (seen.Add((series.TimeIndex, series.StopAt(k))))
            {
                yield return series.ToOccurrence(k);
            }

            if (k < last)
            {
                queue.Enqueue((series, k + 1, last), series.OrderKey(k + 1));
            }
        }
    }
}

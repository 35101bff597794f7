using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>A conference as the calendar feed shows it.</summary>
/// <param name="Id">Makes the UID of its events: stable across feeds, so a subscribed calendar updates instead of duplicating.</param>
/// <param name="Name">SUMMARY of its events (the SDP s= line).</param>
/// <param name="Description">DESCRIPTION (the SDP i= line); omitted when null or empty.</param>
/// <param name="Url">URL (the SDP u= line); omitted unless it is an absolute URI.</param>
/// <param name="Times">The SDP t= lines with their r= and z= lines.</param>
/// <param name="Location">LOCATION: the multicast groups to join, as text; omitted when null or empty.</param>
/// <param name="Updated">LAST-MODIFIED.</param>
/// <param name="Version">SEQUENCE, clamped to [0, 2147483647] (an iCalendar INTEGER is 32-bit).</param>
[SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "The SDP u= line as written; the feed writes it only when it parses as an absolute URI.")]
public sealed record CalendarConference(Guid Id, string Name, string? Description, string? Url, IReadOnlyList<SdpTime> Times, string? Location, DateTimeOffset Updated, long Version);

/// <summary>
/// Writes upcoming conferences as an iCalendar feed (RFC 5545) that a calendar program can subscribe to.
/// </summary>
/// <remarks>
/// <para>How SDP schedules (RFC 8866 sections 5.9 to 5.11, expanded by <see cref="SdpSchedule"/>) become events:</para>
/// <list type="bullet">
/// <item>A single t= line without r= lines is one event, UID <c>{id}@rendezvous</c>, DTSTART and DTEND from the
/// t= line (z= lines are ignored, as SDP does without r=).</item>
/// <item>A single t= line with exactly one r= line with exactly one offset, an interval of a whole number of days
/// and no z= lines is one recurring event, UID <c>{id}@rendezvous</c>: DTSTART = t= start + offset, DURATION =
/// the active duration, RRULE FREQ=WEEKLY when the interval is a whole number of weeks and FREQ=DAILY otherwise,
/// INTERVAL = the number of weeks or days. In UTC a day is always 86400 s, so this is exact. UNTIL is the start
/// of the last repetition that starts before the t= stop, not the t= stop itself: UNTIL is inclusive (RFC 5545
/// section 3.3.10) while SDP's stop is exclusive, and the two differ when a repetition would start exactly at the
/// t= stop. An unbounded t= line (stop 0) has no UNTIL. When the last repetition would end after the t= stop,
/// SDP clips it and an RRULE cannot, so the schedule falls back to one event per occurrence.
/// The recurring event carries the whole series, also the repetitions outside the window.</item>
/// <item>Anything else (several t= lines, several r= lines, several offsets, z= lines, intervals that are not whole
/// days, clipped repetitions, and values past 9999 or an INTERVAL past 32 bits) is one event per occurrence that overlaps the window, UID
/// <c>{id}-{start as yyyyMMddTHHmmssZ}@rendezvous</c>. Occurrences with the same start (from different t= or
/// r= lines) are one event that lasts until the latest of their stops, so that UIDs stay unique.</item>
/// <item>Open-ended: iCalendar has no event without an end; an event with DTSTART alone lasts no time at all
/// (RFC 5545 section 3.6.1). So an unbounded occurrence (t=&lt;start&gt; 0 without r=) runs from its start to the
/// end of the window (rounded up to a whole second), and a permanent session (t=0 0 without r=, always on) is one
/// event that covers the window. Both move with the window, which a subscription replaces on every refresh.
/// t=0 0 with r= lines repeats from 1900-01-01 for ever, like any unbounded repetition.</item>
/// <item>Zero-length occurrences have DTSTART alone (RFC 5545 section 3.6.1), as DTEND must be later than DTSTART.</item>
/// <item>Only conferences with an occurrence in [from, to) are written; an empty window writes a calendar without
/// events. (RFC 5545 section 3.6's grammar asks for at least one component; calendar programs accept an empty feed,
/// which is the common way to publish one.)</item>
/// </list>
/// <para>Every time is in UTC (RFC 5545 section 3.3.5, form #2), so no VTIMEZONE is needed.</para>
/// </remarks>
public static partial class CalendarFeed
{
    /// <summary>The calendar's display name (X-WR-CALNAME).</summary>
    public const string CalendarName = "Rendezvous conferences";

    private const long Day = 86400;
    private const long Week = 7 * Day;

    /// <summary>
    /// Writes one VCALENDAR for the window [<paramref name="from"/>, <paramref name="to"/>): the conferences with an
    /// occurrence in it (others, and null entries, are skipped), in the order given. Lines end in CRLF and are folded
    /// at 75 octets. See <see cref="CalendarFeed"/> for how schedules map onto events.
    /// </summary>
    /// <param name="now">DTSTAMP of every event: when the feed was made.</param>
    /// <param name="productId">PRODID: who made the calendar (RFC 5545 section 3.7.3).</param>
    public static string Write(IEnumerable<CalendarConference> conferences, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, string productId = "-//Rendezvous//Conference directory//EN")
    {
        ArgumentNullException.ThrowIfNull(conferences);
        ArgumentException.ThrowIfNullOrWhiteSpace(productId);

        var writer = new ContentWriter();
        writer.Line("BEGIN", "VCALENDAR"); // RFC 5545 section 3.4: the iCalendar object
        writer.Line("VERSION", "2.0"); // RFC 5545 section 3.7.4: REQUIRED, 2.0 is RFC 5545
        writer.Text("PRODID", productId); // RFC 5545 section 3.7.3: REQUIRED, a TEXT value
        writer.Line("CALSCALE", "GREGORIAN"); // RFC 5545 section 3.7.1: the default, written out
        writer.Line("METHOD", "PUBLISH"); // RFC 5545 section 3.7.2 (and RFC 5546 section 1.4): a published, read-only calendar
        writer.Text("X-WR-CALNAME", CalendarName); // RFC 5545 section 3.8.8.2: an experimental (X-) property, widely read as the calendar's name

        var feed = new Feed(FormatUtc(now), from, to);
        foreach (var conference in conferences)
        {
            if (conference is not null)
            {
                WriteConference(writer, conference, feed);
            }
        }

        writer.Line("END", "VCALENDAR"); // RFC 5545 section 3.4
        return writer.ToString();
    }

    private static void WriteConference(ContentWriter writer, CalendarConference conference, Feed feed)
    {
        IReadOnlyList<SdpTime> times = conference.Times ?? [];
        var occurrences = SdpSchedule.Occurrences(times, feed.From, feed.To);
        var uid = string.Create(CultureInfo.InvariantCulture, $"{conference.Id:D}@rendezvous"); // RFC 5545 section 3.8.4.7: persistent
        if (TryRecurrence(times, out var recurrence))
        {
            if (occurrences.Any())
            {
                var end = recurrence.Duration > 0 ? ("DURATION", FormatDuration(recurrence.Duration)) : default; // RFC 5545 section 3.8.5.3: the same exact duration for every instance
                WriteEvent(writer, conference, feed, uid, NtpTime.FromSignedSeconds(recurrence.First), end, recurrence.Rule);
            }

            return;
        }

        if (times is [{ Repeats.Count: 0 }])
        {
            // One t= line without r=: at most one occurrence, the conference's own event.
            foreach (var occurrence in occurrences)
            {
                WriteOccurrence(writer, conference, feed, uid, new(occurrence.Start, occurrence.Stop, occurrence.IsPermanent));
            }

            return;
        }

        foreach (var occurrence in MergeEqualStarts(occurrences))
        {
            var occurrenceUid = string.Create(CultureInfo.InvariantCulture, $"{conference.Id:D}-{FormatUtc(occurrence.Start)}@rendezvous");
            WriteOccurrence(writer, conference, feed, occurrenceUid, occurrence);
        }
    }

    /// <summary>
    /// Occurrences in start order, those with the same start as one: until the latest stop, open when any is open.
    /// A permanent occurrence keeps its start (<see cref="DateTimeOffset.MinValue"/>) here, which keeps its UID stable.
    /// </summary>
    private static IEnumerable<Span> MergeEqualStarts(IEnumerable<SdpOccurrence> occurrences)
    {
        Span? current = null;
        foreach (var occurrence in occurrences)
        {
            if (current is { } same && same.Start == occurrence.Start)
            {
                var stop = same.Stop is { } a && occurrence.Stop is { } b ? (a > b ? a : b) : (DateTimeOffset?)null;
                current = new Span(same.Start, stop, same.IsPermanent || occurrence.IsPermanent);
                continue;
            }

            if (current is { } previous)
            {
                yield return previous;
            }

            current = new Span(occurrence.Start, occurrence.Stop, occurrence.IsPermanent);
        }

        if (current is { } last)
        {
            yield return last;
        }
    }

    /// <summary>One occurrence as a single event: an open stop runs to the end of the window; a permanent one covers the window.</summary>
    private static void WriteOccurrence(ContentWriter writer, CalendarConference conference, Feed feed, string uid, Span occurrence)
    {
        var start = occurrence.IsPermanent ? FloorToSecond(feed.From) : occurrence.Start;
        var stop = occurrence.Stop ?? CeilingToSecond(feed.To); // RFC 5545 section 3.6.1: iCalendar has no open end, so the window's end bounds it
        var end = stop > start ? ("DTEND", FormatUtc(stop)) : default; // RFC 5545 section 3.8.2.2: DTEND is later than DTSTART; else zero length
        WriteEvent(writer, conference, feed, uid, start, end, rule: null);
    }

    /// <param name="end">DTEND or DURATION with its value; default (no name) for a zero-length event.</param>
    private static void WriteEvent(ContentWriter writer, CalendarConference conference, Feed feed, string uid, DateTimeOffset start, (string? Name, string? Value) end, string? rule)
    {
        writer.Line("BEGIN", "VEVENT"); // RFC 5545 section 3.6.1
        writer.Text("UID", uid); // RFC 5545 section 3.8.4.7: REQUIRED, globally unique
        writer.Line("DTSTAMP", feed.Now); // RFC 5545 section 3.8.7.2: REQUIRED, in UTC
        writer.Line("SEQUENCE", Math.Clamp(conference.Version, 0, int.MaxValue).ToString(CultureInfo.InvariantCulture)); // RFC 5545 sections 3.8.7.4 and 3.3.8: a non-negative 32-bit INTEGER
        writer.Line("LAST-MODIFIED", FormatUtc(conference.Updated)); // RFC 5545 section 3.8.7.3: in UTC
        writer.Line("DTSTART", FormatUtc(start)); // RFC 5545 section 3.8.2.4, in the UTC form of section 3.3.5
        if (end is ({ } name, { } value))
        {
            writer.Line(name, value); // RFC 5545 section 3.6.1: DTEND or DURATION, never both
        }

        // Without either, RFC 5545 section 3.6.1: an event with a DATE-TIME DTSTART alone ends when it starts (zero length).
        if (rule is not null)
        {
            writer.Line("RRULE", rule); // RFC 5545 section 3.8.5.3, a RECUR value (section 3.3.10)
        }

        writer.Text("SUMMARY", conference.Name ?? string.Empty); // RFC 5545 section 3.8.1.12: TEXT
        if (!string.IsNullOrEmpty(conference.Description))
        {
            writer.Text("DESCRIPTION", conference.Description); // RFC 5545 section 3.8.1.5: TEXT
        }

        if (!string.IsNullOrEmpty(conference.Location))
        {
            writer.Text("LOCATION", conference.Location); // RFC 5545 section 3.8.1.7: TEXT
        }

        if (UriValue(conference.Url) is { } url)
        {
            writer.Line("URL", url); // RFC 5545 sections 3.8.4.6 and 3.3.13: a URI, without TEXT escapes
        }

        writer.Line("END", "VEVENT"); // RFC 5545 section 3.6.1
    }

    /// <summary>
    /// An RRULE for the schedule when it has one exactly (see <see cref="CalendarFeed"/>); false otherwise, also when
    /// the schedule has no occurrence at all, for which the general path writes nothing.
    /// </summary>
    private static bool TryRecurrence(IReadOnlyList<SdpTime> times, out Recurrence recurrence)
    {
        recurrence = default;
        if (times is not [{ Repeats: [{ Offsets.Count: 1 } repeat], ZoneAdjustments.Count: 0 } time])
        {
            return false; // several t=, r= or offsets, or z= lines: no single RRULE says it
        }

        long interval, duration, offset;
        try
        {
            (interval, duration, offset) = (repeat.Interval.TotalSeconds, repeat.ActiveDuration.TotalSeconds, repeat.Offsets[0].TotalSeconds);
        }
        catch (OverflowException)
        {
            return false;
        }

        var max = NtpTime.MaxSignedSeconds;
        if (interval <= 0 || interval % Day != 0 || duration < 0 || offset < 0 || time.Start > (ulong)max || offset > max - (long)time.Start)
        {
            return false; // RFC 5545 section 3.3.10: DAILY and WEEKLY repeat whole days; the rest is unusable or out of range
        }

        var first = (long)time.Start + offset; // RFC 8866 section 5.10: offsets count from the t= start
        if (duration > max - first)
        {
            return false; // the first one ends after 9999, open for SdpSchedule: its events end with the window
        }

        long? stop = time.Stop == 0 || time.Stop > (ulong)max ? null : (long)time.Stop; // RFC 8866 section 5.9: stop 0 is unbounded
        string? until = null;
        if (stop is { } s)
        {
            if (s < (long)time.Start || first >= s)
            {
                return false; // no occurrence
            }

            var last = first + ((s - 1 - first) / interval * interval); // the last start before the exclusive t= stop
            if (last + duration > s)
            {
                return false; // RFC 8866 section 5.10: SDP clips the last one at the t= stop; an RRULE cannot
            }

            until = FormatUtc(NtpTime.FromSignedSeconds(last)); // RFC 5545 section 3.3.10: UNTIL is inclusive and in UTC when DTSTART is
        }

        var weekly = interval % Week == 0;
        var count = interval / (weekly ? Week : Day);
        if (count > int.MaxValue)
        {
            return false; // RFC 5545 section 3.3.10 sets no limit on INTERVAL, but programs read it as a 32-bit number; past 9999 anyway
        }

        // RFC 5545 section 3.3.10: FREQ first (for RFC 2445 programs), then INTERVAL, then UNTIL.
        var rule = string.Create(CultureInfo.InvariantCulture, $"FREQ={(weekly ? "WEEKLY" : "DAILY")};INTERVAL={count}{(until is null ? string.Empty : ";UNTIL=" + until)}");
        recurrence = new(first, duration, rule);
        return true;
    }

    /// <summary>A recurring event: first start in NTP seconds, duration of every repetition, and the RRULE value.</summary>
    private readonly record struct Recurrence(long First, long Duration, string Rule);

    /// <summary>What every event of one feed shares: DTSTAMP and the window.</summary>
    private sealed record Feed(string Now, DateTimeOffset From, DateTimeOffset To);

    /// <summary>An occurrence to write as its own event; <see cref="Stop"/> null when open-ended.</summary>
    private readonly record struct Span(DateTimeOffset Start, DateTimeOffset? Stop, bool IsPermanent);
}

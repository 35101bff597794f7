using Rendezvous.Testing;
using System.Text;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Catalog;

/// <summary>
/// The feed is parsed back with <see cref="ICalendarReader"/> (no shared code with the writer) and its events are
/// compared with hand-computed values and with <see cref="SdpSchedule.Occurrences(IReadOnlyList{SdpTime}, DateTimeOffset, DateTimeOffset)"/>.
/// </summary>
public sealed class CalendarFeedTests
{
    private const long Minute = 60;
    private const long Hour = 3600;
    private const long Day = 86400;
    private const long Week = 7 * Day;
    private const string IdText = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";

    private static readonly Guid Id = Guid.Parse(IdText);
    private static readonly DateTimeOffset Now = new(2026, 4, 13, 9, 30, 15, TimeSpan.FromHours(2)); // 07:30:15Z
    private static readonly DateTimeOffset Updated = new(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);

    // A Monday, 14:00Z, and the weekly schedule of the RFC 8866 section 5.10 example moved there.
    private static readonly DateTimeOffset Monday = Utc(2026, 5, 4, 14);

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    private static ulong Ntp(DateTimeOffset value) => NtpTime.FromDateTimeOffset(value);

    private static SdpTypedTime S(long seconds) => SdpTypedTime.FromSeconds(seconds);

    private static SdpRepeat Repeat(SdpTypedTime interval, SdpTypedTime duration, params SdpTypedTime[] offsets) => new(interval, duration, [.. offsets]);

    private static SdpTime Time(DateTimeOffset start, DateTimeOffset? stop, params SdpRepeat[] repeats) =>
        new(Ntp(start), stop is { } s ? Ntp(s) : 0) { Repeats = [.. repeats] };

    /// <summary>r=7d 1h 0, typed as in RFC 8866 section 5.10.</summary>
    private static SdpRepeat WeeklyHour() => Repeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), new SdpTypedTime(0));

    private static CalendarConference Conference(params SdpTime[] times) =>
        new(Id, "IETF MMUSIC interim", "Agenda: SDP time fields", "https://example.com/mmusic", times, "239.1.2.3/127 port 5004", Updated, 3);

    private static string Write(CalendarConference conference, DateTimeOffset from, DateTimeOffset to) => CalendarFeed.Write([conference], from, to, Now);

    private static List<ICalendarComponent> Events(string ics)
    {
        var calendar = ICalendarReader.Parse(ics);
        Assert.Equal("VCALENDAR", calendar.Name);
        Assert.All(calendar.Components, c => Assert.Equal("VEVENT", c.Name));
        return calendar.Components;
    }

    private static ICalendarComponent SingleEvent(string ics) => Assert.Single(Events(ics));

    /// <summary>The logical lines (unfolded) that start with <paramref name="prefix"/>, exactly as written.</summary>
    private static List<string> RawLines(string ics, string prefix) => [.. ICalendarReader.Unfold(ics).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))];

    private static string OccurrenceUid(DateTimeOffset start) => $"{IdText}-{start:yyyyMMdd'T'HHmmss'Z'}@rendezvous";

    private static List<(DateTimeOffset Start, DateTimeOffset Stop)> Schedule(SdpTime[] times, DateTimeOffset from, DateTimeOffset to) =>
        [.. SdpSchedule.Occurrences(times, from, to).Select(o => (o.Start, o.Stop ?? throw new Xunit.Sdk.XunitException($"open occurrence {o}")))];

    private static TimeSpan Length(ICalendarComponent vevent)
    {
        var (dtend, duration) = (vevent.Value("DTEND"), vevent.Value("DURATION"));
        Assert.False(dtend is not null && duration is not null, "DTEND and DURATION together (RFC 5545 section 3.6.1)");
        var length = dtend is not null ? vevent.Utc("DTEND") - vevent.Utc("DTSTART")
            : duration is not null ? ICalendarReader.ParseDuration(duration)
            : TimeSpan.Zero; // RFC 5545 section 3.6.1: DATE-TIME DTSTART alone ends when it starts
        Assert.True(length > TimeSpan.Zero || (dtend is null && duration is null), "a zero-length event must be DTSTART alone (DTEND later than DTSTART)");
        return length;
    }

    /// <summary>
    /// The instances of an event that overlap [from, to) (start &lt; to and stop &gt; from, as SdpSchedule), by the
    /// simplest expansion there is: DTSTART, then every INTERVAL days or weeks, while at or before UNTIL (inclusive).
    /// </summary>
    private static List<(DateTimeOffset Start, DateTimeOffset Stop)> Expand(ICalendarComponent vevent, DateTimeOffset from, DateTimeOffset to)
    {
        var start = vevent.Utc("DTSTART");
        var length = Length(vevent);
        var instances = new List<(DateTimeOffset, DateTimeOffset)>();
        if (vevent.Value("RRULE") is not { } rule)
        {
            if (start < to && start + length > from)
            {
                instances.Add((start, start + length));
            }

            return instances;
        }

        var (frequency, interval, until) = ICalendarReader.ParseRecur(rule);
        var step = frequency switch
        {
            "DAILY" => TimeSpan.FromDays(interval),
            "WEEKLY" => TimeSpan.FromDays(7 * interval),
            _ => throw new Xunit.Sdk.XunitException($"unexpected FREQ in {rule}"),
        };
        for (var at = start; at < to && (until is null || at <= until); at += step)
        {
            if (at + length > from)
            {
                instances.Add((at, at + length));
            }

            if (at > DateTimeOffset.MaxValue - step - step)
            {
                break;
            }
        }

        return instances;
    }

    /// <summary>The brief's cross-check: every RRULE event, expanded in the window, is the schedule in the window.</summary>
    private static void AssertRecurringEventsMatchSchedule(string ics, SdpTime[] times, DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var vevent in Events(ics).Where(e => e.Value("RRULE") is not null))
        {
            Assert.Equal(Schedule(times, from, to), Expand(vevent, from, to));
        }
    }

    // ---- The calendar ----

    [Fact]
    public void The_calendar_has_its_required_properties_and_crlf_lines()
    {
        var ics = CalendarFeed.Write([], Utc(2026, 5, 1), Utc(2026, 6, 1), Now);

        Assert.Equal(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rendezvous//Conference directory//EN\r\nCALSCALE:GREGORIAN\r\n" +
            "METHOD:PUBLISH\r\nX-WR-CALNAME:Rendezvous conferences\r\nEND:VCALENDAR\r\n",
            ics);
        var calendar = ICalendarReader.Parse(ics);
        Assert.Equal("2.0", calendar.Value("VERSION"));
        Assert.Equal("Rendezvous conferences", calendar.Text("X-WR-CALNAME"));
        Assert.Empty(calendar.Components);
    }

    [Fact]
    public void The_product_id_is_escaped_text()
    {
        var ics = CalendarFeed.Write([], Utc(2026, 5, 1), Utc(2026, 6, 1), Now, "-//Example, Inc.//Feed; test//EN");
        Assert.Equal(["PRODID:-//Example\\, Inc.//Feed\\; test//EN"], RawLines(ics, "PRODID"));
        Assert.Equal("-//Example, Inc.//Feed; test//EN", ICalendarReader.Parse(ics).Text("PRODID"));
    }

    [Fact]
    public void Null_arguments_throw_and_null_conferences_are_skipped()
    {
        Assert.Throws<ArgumentNullException>(() => CalendarFeed.Write(null!, Utc(2026, 5, 1), Utc(2026, 6, 1), Now));
        Assert.Throws<ArgumentNullException>(() => CalendarFeed.Write([], Utc(2026, 5, 1), Utc(2026, 6, 1), Now, null!));
        Assert.Throws<ArgumentException>(() => CalendarFeed.Write([], Utc(2026, 5, 1), Utc(2026, 6, 1), Now, " "));

        var ics = CalendarFeed.Write([null!, Conference(Time(Monday, Monday.AddHours(1)))], Utc(2026, 5, 1), Utc(2026, 6, 1), Now);
        Assert.Single(Events(ics));
    }

    // ---- Properties of an event ----

    [Fact]
    public void A_single_period_is_one_event_with_every_property()
    {
        var ics = Write(Conference(Time(Monday, Monday.AddMinutes(90))), Utc(2026, 5, 1), Utc(2026, 6, 1));

        var vevent = SingleEvent(ics);
        Assert.Equal(
            ["UID", "DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION", "URL"],
            vevent.Properties.Select(p => p.Name));
        Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
        Assert.Equal("20260413T073015Z", vevent.Value("DTSTAMP")); // now, +02:00, in UTC
        Assert.Equal("3", vevent.Value("SEQUENCE"));
        Assert.Equal("20260401T120000Z", vevent.Value("LAST-MODIFIED"));
        Assert.Equal("20260504T140000Z", vevent.Value("DTSTART"));
        Assert.Equal("20260504T153000Z", vevent.Value("DTEND"));
        Assert.Equal("IETF MMUSIC interim", vevent.Text("SUMMARY"));
        Assert.Equal("Agenda: SDP time fields", vevent.Text("DESCRIPTION"));
        Assert.Equal("239.1.2.3/127 port 5004", vevent.Text("LOCATION"));
        Assert.Equal("https://example.com/mmusic", vevent.Value("URL"));
        Assert.All(vevent.Properties, p => Assert.Empty(p.Parameters));
    }

    [Fact]
    public void Times_are_written_in_utc_whatever_their_offset()
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Updated = new DateTimeOffset(2026, 4, 1, 23, 30, 0, TimeSpan.FromHours(-5)) };
        var vevent = SingleEvent(CalendarFeed.Write([conference], Utc(2026, 5, 1), Utc(2026, 6, 1), new DateTimeOffset(2026, 4, 13, 0, 15, 0, TimeSpan.FromHours(9))));
        Assert.Equal("20260402T043000Z", vevent.Value("LAST-MODIFIED"));
        Assert.Equal("20260412T151500Z", vevent.Value("DTSTAMP"));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(42, "42")]
    [InlineData(-5, "0")]
    [InlineData(2147483647, "2147483647")]
    [InlineData(long.MaxValue, "2147483647")]
    public void Sequence_is_the_version_as_a_non_negative_32_bit_integer(long version, string sequence)
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Version = version };
        Assert.Equal(sequence, SingleEvent(Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1))).Value("SEQUENCE"));
    }

    [Fact]
    public void Text_values_escape_backslash_semicolon_comma_and_line_breaks()
    {
        const string name = "Réunion 会議; notes, \\\\share\\drafts\nsecond line";
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with
        {
            Name = name,
            Description = "CRLF\r\nLF\nCR\rend: \"quoted\"",
            Location = "239.1.2.3/127, ff0e::1:2; port 5004",
        };
        var ics = Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1));

        Assert.Equal(["SUMMARY:Réunion 会議\\; notes\\, \\\\\\\\share\\\\drafts\\nsecond line"], RawLines(ics, "SUMMARY"));
        Assert.Equal(["DESCRIPTION:CRLF\\nLF\\nCR\\nend: \"quoted\""], RawLines(ics, "DESCRIPTION"));
        Assert.Equal(["LOCATION:239.1.2.3/127\\, ff0e::1:2\\; port 5004"], RawLines(ics, "LOCATION"));
        var vevent = SingleEvent(ics);
        Assert.Equal(name, vevent.Text("SUMMARY"));
        Assert.Equal("CRLF\nLF\nCR\nend: \"quoted\"", vevent.Text("DESCRIPTION"));
        Assert.Equal("239.1.2.3/127, ff0e::1:2; port 5004", vevent.Text("LOCATION"));
    }

    [Fact]
    public void Control_characters_are_dropped_but_tab_is_kept()
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Name = "a\u0000b\u0007c\td\u001be\u007ff" };
        Assert.Equal("abc\tdef", SingleEvent(Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1))).Text("SUMMARY"));
    }

    [Fact]
    public void A_name_cannot_inject_properties_or_components()
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with
        {
            Name = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil",
            Url = "https://example.com/\r\nATTACH:https://evil.example",
        };
        var vevent = SingleEvent(Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal("x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil", vevent.Text("SUMMARY"));
        Assert.Null(vevent.Value("URL"));
        Assert.Null(vevent.Value("ATTACH"));
    }

    [Fact]
    public void An_unpaired_surrogate_becomes_the_replacement_character()
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Name = "a\ud800b" };
        var ics = Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1));
        Assert.Equal("a\ufffdb", SingleEvent(ics).Text("SUMMARY"));
    }

    [Theory]
    [InlineData("https://example.com/a,b;c?x=1&y=2", "https://example.com/a,b;c?x=1&y=2")] // a URI, not TEXT: no escapes
    [InlineData("https://example.com/réunion", "https://example.com/r%C3%A9union")]
    [InlineData("sip:conference@example.com", "sip:conference@example.com")]
    [InlineData("not a url", null)]
    [InlineData("/relative/path", null)]
    [InlineData("example.com/page", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_url_is_written_as_a_uri_or_not_at_all(string? url, string? expected)
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Url = url };
        var ics = Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1));
        Assert.Equal(expected, SingleEvent(ics).Value("URL"));
    }

    [Fact]
    public void Missing_description_and_location_are_left_out()
    {
        var conference = Conference(Time(Monday, Monday.AddHours(1))) with { Description = null, Location = string.Empty, Url = null };
        var vevent = SingleEvent(Write(conference, Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal(["UID", "DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "DTSTART", "DTEND", "SUMMARY"], vevent.Properties.Select(p => p.Name));
    }

    // ---- Folding (RFC 5545 section 3.1) ----

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("xx")]
    [InlineData("xxx")]
    public void A_300_character_summary_folds_at_75_octets_without_splitting_a_character(string prefix)
    {
        // 1-, 2-, 3- and 4-octet UTF-8 characters in turn, and a prefix that moves every fold across them.
        string[] pieces = ["a", "é", "会", "😀", "议", ",", "\\", "ß"];
        var summary = new StringBuilder(prefix);
        for (var i = 0; summary.ToString().EnumerateRunes().Count() < 300; i++)
        {
            summary.Append(pieces[i % pieces.Length]);
        }

        var name = summary.ToString();
        var ics = Write(Conference(Time(Monday, Monday.AddHours(1))) with { Name = name }, Utc(2026, 5, 1), Utc(2026, 6, 1));

        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var lines = ICalendarReader.PhysicalLines(ics);
        Assert.All(lines, line => Assert.True(line.Length <= 75, $"{line.Length} octets: {Encoding.UTF8.GetString(line)}"));
        Assert.All(lines, line => strict.GetString(line)); // each physical line is whole UTF-8 on its own
        var start = lines.FindIndex(l => Encoding.UTF8.GetString(l).StartsWith("SUMMARY:", StringComparison.Ordinal));
        var continuations = lines.Skip(start + 1).TakeWhile(l => l.Length > 0 && l[0] == ' ').ToList();
        Assert.True(continuations.Count >= 8, $"{continuations.Count} continuation lines"); // 300 characters of 2.5 octets and escapes
        Assert.All(continuations.SkipLast(1).Prepend(lines[start]), l => Assert.True(l.Length >= 72, $"folded early at {l.Length} octets")); // full: the next character did not fit
        Assert.Equal(name, SingleEvent(ics).Text("SUMMARY"));
    }

    [Fact]
    public void An_ascii_line_folds_into_lines_of_exactly_75_octets()
    {
        var name = new string('m', 300);
        var ics = Write(Conference(Time(Monday, Monday.AddHours(1))) with { Name = name }, Utc(2026, 5, 1), Utc(2026, 6, 1));
        var lines = ICalendarReader.PhysicalLines(ics).Select(l => Encoding.UTF8.GetString(l)).ToList();
        var start = lines.FindIndex(l => l.StartsWith("SUMMARY:", StringComparison.Ordinal));

        // "SUMMARY:" (8) + 67, then " " + 74, " " + 74, " " + 74, " " + 11: 67 + 74 × 3 + 11 = 300.
        Assert.Equal([75, 75, 75, 75, 12], lines.Skip(start).Take(5).Select(l => l.Length));
        Assert.Equal("SUMMARY:" + name[..67], lines[start]);
        Assert.Equal(" " + name[67..141], lines[start + 1]);
        Assert.Equal(name, SingleEvent(ics).Text("SUMMARY"));
    }

    // ---- Schedules that map onto one event ----

    [Fact]
    public void A_weekly_repeat_with_one_offset_is_one_recurring_event()
    {
        // t= Monday 4 May 14:00Z to 1 July, r=7d 1h 0: nine Mondays, the last 29 June.
        SdpTime[] times = [Time(Monday, Utc(2026, 7, 1), WeeklyHour())];
        var (from, to) = (Utc(2026, 5, 10), Utc(2026, 6, 10));
        var ics = Write(Conference(times), from, to);

        var vevent = SingleEvent(ics);
        Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
        Assert.Equal("20260504T140000Z", vevent.Value("DTSTART")); // the first one, before the window: the whole series
        Assert.Equal("PT1H", vevent.Value("DURATION"));
        Assert.Null(vevent.Value("DTEND"));
        Assert.Equal("FREQ=WEEKLY;INTERVAL=1;UNTIL=20260629T140000Z", vevent.Value("RRULE"));
        Assert.Equal(9, Expand(vevent, DateTimeOffset.MinValue, DateTimeOffset.MaxValue).Count);
        Assert.Equal(Schedule(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue), Expand(vevent, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Equal(
            [(Utc(2026, 5, 11, 14), Utc(2026, 5, 11, 15)), (Utc(2026, 5, 18, 14), Utc(2026, 5, 18, 15)), (Utc(2026, 5, 25, 14), Utc(2026, 5, 25, 15)), (Utc(2026, 6, 1, 14), Utc(2026, 6, 1, 15)), (Utc(2026, 6, 8, 14), Utc(2026, 6, 8, 15))],
            Expand(vevent, from, to));
        AssertRecurringEventsMatchSchedule(ics, times, from, to);
    }

    [Theory]
    [InlineData(1, SdpTimeUnit.Days, "FREQ=DAILY;INTERVAL=1")]
    [InlineData(86400, SdpTimeUnit.None, "FREQ=DAILY;INTERVAL=1")]
    [InlineData(2, SdpTimeUnit.Days, "FREQ=DAILY;INTERVAL=2")]
    [InlineData(10, SdpTimeUnit.Days, "FREQ=DAILY;INTERVAL=10")]
    [InlineData(7, SdpTimeUnit.Days, "FREQ=WEEKLY;INTERVAL=1")]
    [InlineData(168, SdpTimeUnit.Hours, "FREQ=WEEKLY;INTERVAL=1")]
    [InlineData(14, SdpTimeUnit.Days, "FREQ=WEEKLY;INTERVAL=2")]
    [InlineData(1209600, SdpTimeUnit.None, "FREQ=WEEKLY;INTERVAL=2")]
    [InlineData(21, SdpTimeUnit.Days, "FREQ=WEEKLY;INTERVAL=3")]
    public void Whole_days_and_weeks_are_daily_and_weekly_rules(long value, SdpTimeUnit unit, string rule)
    {
        // An offset of 2h and a duration of 45m; the stop is far enough that the last repetition is whole.
        SdpTime[] times = [Time(Monday, Utc(2026, 12, 31), Repeat(new(value, unit), new(45, SdpTimeUnit.Minutes), new SdpTypedTime(2, SdpTimeUnit.Hours)))];
        var (from, to) = (Utc(2026, 6, 1), Utc(2026, 9, 1));
        var ics = Write(Conference(times), from, to);

        var vevent = SingleEvent(ics);
        Assert.Equal("20260504T160000Z", vevent.Value("DTSTART")); // t= start + offset
        Assert.Equal("PT45M", vevent.Value("DURATION"));
        Assert.StartsWith(rule + ";UNTIL=", vevent.Value("RRULE"), StringComparison.Ordinal);
        Assert.Equal(Schedule(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue).Last().Start, ICalendarReader.ParseRecur(vevent.Required("RRULE")).Until);
        AssertRecurringEventsMatchSchedule(ics, times, from, to);
        AssertRecurringEventsMatchSchedule(ics, times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
    }

    [Fact]
    public void A_stop_at_a_repetition_start_ends_the_rule_one_repetition_earlier()
    {
        // SDP's stop is exclusive, UNTIL inclusive (RFC 5545 section 3.3.10): 25 May 14:00 would start at the stop.
        SdpTime[] times = [Time(Monday, Utc(2026, 5, 25, 14), WeeklyHour())];
        var ics = Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1));

        var vevent = SingleEvent(ics);
        Assert.Equal("FREQ=WEEKLY;INTERVAL=1;UNTIL=20260518T140000Z", vevent.Value("RRULE"));
        Assert.Equal(3, Schedule(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue).Count);
        AssertRecurringEventsMatchSchedule(ics, times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
    }

    [Fact]
    public void A_last_repetition_that_just_fits_keeps_the_rule()
    {
        SdpTime[] times = [Time(Monday, Utc(2026, 5, 25, 15), WeeklyHour())]; // 25 May 14:00-15:00 ends at the stop
        var vevent = SingleEvent(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal("FREQ=WEEKLY;INTERVAL=1;UNTIL=20260525T140000Z", vevent.Value("RRULE"));
        Assert.Equal(Schedule(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue), Expand(vevent, DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
    }

    [Fact]
    public void An_unbounded_repetition_has_no_until()
    {
        SdpTime[] times = [Time(Monday, null, WeeklyHour())];
        var (from, to) = (Utc(2031, 3, 1), Utc(2031, 4, 1));
        var ics = Write(Conference(times), from, to);

        var vevent = SingleEvent(ics);
        Assert.Equal("FREQ=WEEKLY;INTERVAL=1", vevent.Value("RRULE"));
        Assert.Equal("20260504T140000Z", vevent.Value("DTSTART"));
        Assert.Equal([Utc(2031, 3, 3, 14), Utc(2031, 3, 10, 14), Utc(2031, 3, 17, 14), Utc(2031, 3, 24, 14), Utc(2031, 3, 31, 14)], Expand(vevent, from, to).Select(i => i.Start));
        AssertRecurringEventsMatchSchedule(ics, times, from, to);
    }

    [Fact]
    public void A_zero_length_repetition_has_dtstart_alone()
    {
        SdpTime[] times = [Time(Monday, Utc(2026, 6, 1), Repeat(new(1, SdpTimeUnit.Days), S(0), S(0)))];
        var (from, to) = (Utc(2026, 5, 10), Utc(2026, 5, 20));
        var ics = Write(Conference(times), from, to);

        var vevent = SingleEvent(ics);
        Assert.Null(vevent.Value("DURATION"));
        Assert.Null(vevent.Value("DTEND"));
        Assert.Equal("FREQ=DAILY;INTERVAL=1;UNTIL=20260531T140000Z", vevent.Value("RRULE"));
        Assert.Equal(10, Expand(vevent, from, to).Count);
        AssertRecurringEventsMatchSchedule(ics, times, from, to);
    }

    [Fact]
    public void A_zero_length_period_has_dtstart_alone()
    {
        var vevent = SingleEvent(Write(Conference(Time(Monday, Monday)), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal("20260504T140000Z", vevent.Value("DTSTART"));
        Assert.Null(vevent.Value("DTEND"));
        Assert.Null(vevent.Value("DURATION"));
    }

    [Fact]
    public void Z_lines_without_r_lines_change_nothing()
    {
        // RFC 8866 section 5.11: z= modifies the repeat times only.
        var time = Time(Monday, Monday.AddHours(2)) with { ZoneAdjustments = [new(Ntp(Utc(2026, 3, 29, 1)), new(-1, SdpTimeUnit.Hours))] };
        var vevent = SingleEvent(Write(Conference(time), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
        Assert.Equal(("20260504T140000Z", "20260504T160000Z"), (vevent.Value("DTSTART"), vevent.Value("DTEND")));
    }

    // ---- Schedules that do not: one event per occurrence ----

    [Fact]
    public void Two_offsets_are_one_event_per_occurrence_in_the_window()
    {
        // r=7d 1h 0 25h (RFC 8866 section 5.10): Mondays 14:00-15:00 and Tuesdays 15:00-16:00.
        // The window starts inside Monday 11 May's session and ends when Tuesday 26 May's starts (excluded).
        var repeat = Repeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), new SdpTypedTime(0), new SdpTypedTime(25, SdpTimeUnit.Hours));
        SdpTime[] times = [Time(Monday, Utc(2026, 7, 1), repeat)];
        var ics = Write(Conference(times), Utc(2026, 5, 11, 14, 30), Utc(2026, 5, 26, 15));

        var events = Events(ics);
        (DateTimeOffset, DateTimeOffset)[] expected =
        [
            (Utc(2026, 5, 11, 14), Utc(2026, 5, 11, 15)),
            (Utc(2026, 5, 12, 15), Utc(2026, 5, 12, 16)),
            (Utc(2026, 5, 18, 14), Utc(2026, 5, 18, 15)),
            (Utc(2026, 5, 19, 15), Utc(2026, 5, 19, 16)),
            (Utc(2026, 5, 25, 14), Utc(2026, 5, 25, 15)),
        ];
        Assert.Equal(expected, events.Select(e => (e.Utc("DTSTART"), e.Utc("DTEND"))));
        Assert.Equal(expected.Select(e => OccurrenceUid(e.Item1)), events.Select(e => e.Text("UID")));
        Assert.Equal($"{IdText}-20260511T140000Z@rendezvous", events[0].Text("UID"));
        Assert.All(events, e => Assert.Null(e.Value("RRULE")));
        Assert.All(events, e => Assert.Equal("IETF MMUSIC interim", e.Text("SUMMARY")));
    }

    [Theory]
    [InlineData(12 * Hour)]
    [InlineData(36 * Hour)]
    [InlineData(90 * Minute)]
    [InlineData(Day + 1)]
    public void Intervals_that_are_not_whole_days_are_one_event_per_occurrence(long interval)
    {
        SdpTime[] times = [Time(Monday, Utc(2026, 5, 20), Repeat(S(interval), S(30 * Minute), S(0)))];
        var (from, to) = (Utc(2026, 5, 6), Utc(2026, 5, 9));
        var events = Events(Write(Conference(times), from, to));

        Assert.Equal(Schedule(times, from, to), events.Select(e => (e.Utc("DTSTART"), e.Utc("DTEND"))));
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Null(e.Value("RRULE")));
        Assert.All(events, e => Assert.Equal(OccurrenceUid(e.Utc("DTSTART")), e.Text("UID")));
    }

    [Fact]
    public void Zone_adjustments_are_one_event_per_occurrence()
    {
        // RFC 8866 section 5.11: the t= of its example with r=7d 1h 0 and z=3730928400 -1h 3749680800 0.
        // Mondays at 10:00Z, from 25 March 2018 01:00Z at 09:00Z (British Summer Time).
        var time = new SdpTime(3724394400, 3754123200) { Repeats = [WeeklyHour()], ZoneAdjustments = [new(3730928400, new(-1, SdpTimeUnit.Hours)), new(3749680800, S(0))] };
        var events = Events(Write(Conference(time), Utc(2018, 3, 12), Utc(2018, 4, 3)));

        Assert.Equal(
            [
                (Utc(2018, 3, 12, 10), Utc(2018, 3, 12, 11)),
                (Utc(2018, 3, 19, 10), Utc(2018, 3, 19, 11)),
                (Utc(2018, 3, 26, 9), Utc(2018, 3, 26, 10)),
                (Utc(2018, 4, 2, 9), Utc(2018, 4, 2, 10)),
            ],
            events.Select(e => (e.Utc("DTSTART"), e.Utc("DTEND"))));
        Assert.All(events, e => Assert.Null(e.Value("RRULE")));
        Assert.Equal(OccurrenceUid(Utc(2018, 3, 26, 9)), events[2].Text("UID"));
    }

    [Fact]
    public void A_clipped_last_repetition_is_one_event_per_occurrence()
    {
        // RFC 8866 section 5.10 as SdpSchedule reads it: 25 May's 14:00-15:00 ends at the 14:30 stop. No RRULE says that.
        SdpTime[] times = [Time(Monday, Utc(2026, 5, 25, 14, 30), WeeklyHour())];
        var events = Events(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));

        Assert.Equal(
            [
                (Utc(2026, 5, 4, 14), Utc(2026, 5, 4, 15)),
                (Utc(2026, 5, 11, 14), Utc(2026, 5, 11, 15)),
                (Utc(2026, 5, 18, 14), Utc(2026, 5, 18, 15)),
                (Utc(2026, 5, 25, 14), Utc(2026, 5, 25, 14, 30)),
            ],
            events.Select(e => (e.Utc("DTSTART"), e.Utc("DTEND"))));
        Assert.All(events, e => Assert.Null(e.Value("RRULE")));
    }

    [Fact]
    public void Several_repeat_lines_are_one_event_per_occurrence()
    {
        SdpTime[] times = [Time(Monday, Utc(2026, 6, 1), WeeklyHour(), Repeat(new(7, SdpTimeUnit.Days), new(2, SdpTimeUnit.Hours), new SdpTypedTime(2, SdpTimeUnit.Days)))];
        var events = Events(Write(Conference(times), Utc(2026, 5, 4), Utc(2026, 5, 11)));
        Assert.Equal(
            [(Utc(2026, 5, 4, 14), Utc(2026, 5, 4, 15)), (Utc(2026, 5, 6, 14), Utc(2026, 5, 6, 16))],
            events.Select(e => (e.Utc("DTSTART"), e.Utc("DTEND"))));
    }

    [Fact]
    public void Several_time_lines_are_one_event_per_occurrence_and_equal_starts_are_one_event()
    {
        // Two t= lines start together (14:00-15:00 and 14:00-16:00): one UID, so one event until 16:00.
        SdpTime[] times = [Time(Monday, Monday.AddHours(1)), Time(Monday, Monday.AddHours(2)), Time(Utc(2026, 5, 5, 10), Utc(2026, 5, 5, 11))];
        var events = Events(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));

        Assert.Equal(
            [(OccurrenceUid(Monday), Monday, Monday.AddHours(2)), (OccurrenceUid(Utc(2026, 5, 5, 10)), Utc(2026, 5, 5, 10), Utc(2026, 5, 5, 11))],
            events.Select(e => (e.Text("UID"), e.Utc("DTSTART"), e.Utc("DTEND"))));
    }

    // ---- Open-ended schedules ----

    [Fact]
    public void An_unbounded_period_runs_to_the_end_of_the_window()
    {
        // t=<start> 0: RFC 5545 section 3.6.1 has no open end (DTSTART alone would last no time), so the window bounds it.
        var from = Utc(2026, 6, 1);
        var to = Utc(2026, 7, 1).AddTicks(1); // rounded up to a whole second
        var vevent = SingleEvent(Write(Conference(Time(Monday, null)), from, to));

        Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
        Assert.Equal("20260504T140000Z", vevent.Value("DTSTART")); // it started before the window
        Assert.Equal("20260701T000001Z", vevent.Value("DTEND"));
        Assert.Null(vevent.Value("RRULE"));
    }

    [Fact]
    public void An_unbounded_period_among_others_runs_to_the_end_of_the_window()
    {
        SdpTime[] times = [Time(Monday, Monday.AddHours(1)), Time(Utc(2026, 5, 20, 8), null)];
        var events = Events(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal(
            [(OccurrenceUid(Monday), Monday, Monday.AddHours(1)), (OccurrenceUid(Utc(2026, 5, 20, 8)), Utc(2026, 5, 20, 8), Utc(2026, 6, 1))],
            events.Select(e => (e.Text("UID"), e.Utc("DTSTART"), e.Utc("DTEND"))));
    }

    [Fact]
    public void A_permanent_session_is_one_event_that_covers_the_window()
    {
        var from = Utc(2026, 6, 1, 8, 0, 30).AddMilliseconds(250); // rounded out to whole seconds
        var to = Utc(2026, 7, 1).AddMilliseconds(500);
        var vevent = SingleEvent(Write(Conference(new SdpTime(0, 0)), from, to));

        Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
        Assert.Equal("20260601T080030Z", vevent.Value("DTSTART"));
        Assert.Equal("20260701T000001Z", vevent.Value("DTEND"));
        Assert.Null(vevent.Value("RRULE"));
    }

    [Fact]
    public void A_permanent_session_in_an_unlimited_window_stays_a_valid_date_time()
    {
        var vevent = SingleEvent(Write(Conference(new SdpTime(0, 0)), DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Equal("00010101T000000Z", vevent.Value("DTSTART"));
        Assert.Equal("99991231T235959Z", vevent.Value("DTEND"));
        Assert.True(vevent.Utc("DTEND") > vevent.Utc("DTSTART"));
    }

    [Fact]
    public void A_permanent_session_among_others_keeps_a_stable_uid()
    {
        SdpTime[] times = [new SdpTime(0, 0), Time(Monday, Monday.AddHours(1))];
        var events = Events(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal(
            [($"{IdText}-00010101T000000Z@rendezvous", Utc(2026, 5, 1), Utc(2026, 6, 1)), (OccurrenceUid(Monday), Monday, Monday.AddHours(1))],
            events.Select(e => (e.Text("UID"), e.Utc("DTSTART"), e.Utc("DTEND"))));
    }

    [Fact]
    public void A_permanent_repetition_repeats_from_1900()
    {
        // t=0 0 with r=: SdpSchedule repeats from NTP 0, 1900-01-01T00:00:00Z (a Monday), for ever.
        SdpTime[] times = [new SdpTime(0, 0) { Repeats = [Repeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), new SdpTypedTime(14, SdpTimeUnit.Hours))] }];
        var (from, to) = (Utc(2026, 5, 1), Utc(2026, 6, 1));
        var ics = Write(Conference(times), from, to);

        var vevent = SingleEvent(ics);
        Assert.Equal("19000101T140000Z", vevent.Value("DTSTART"));
        Assert.Equal("FREQ=WEEKLY;INTERVAL=1", vevent.Value("RRULE"));
        Assert.Equal([Monday, Utc(2026, 5, 11, 14), Utc(2026, 5, 18, 14), Utc(2026, 5, 25, 14)], Expand(vevent, from, to).Select(i => i.Start));
        AssertRecurringEventsMatchSchedule(ics, times, from, to);
    }

    // ---- Windows ----

    [Fact]
    public void An_empty_window_has_no_events()
    {
        var conferences = new[]
        {
            Conference(Time(Monday, Monday.AddHours(1))),
            Conference(Time(Monday, null, WeeklyHour())),
            Conference(new SdpTime(0, 0)),
        };
        foreach (var (from, to) in new[] { (Monday, Monday), (Monday.AddHours(1), Monday) })
        {
            var ics = CalendarFeed.Write(conferences, from, to, Now);
            Assert.Empty(Events(ics));
            Assert.Equal("VCALENDAR", ICalendarReader.Parse(ics).Name);
        }
    }

    [Fact]
    public void Conferences_without_an_occurrence_in_the_window_are_left_out()
    {
        var (from, to) = (Utc(2026, 6, 1), Utc(2026, 7, 1));
        var conferences = new[]
        {
            Conference(Time(Monday, Monday.AddHours(1))), // before
            Conference(Time(Monday, Utc(2026, 6, 1), WeeklyHour())), // a rule that ends before
            Conference(Time(Utc(2026, 7, 1), null, WeeklyHour())), // a rule that starts at the end (exclusive)
            Conference(Time(Monday, Utc(2026, 6, 1), Repeat(S(Week), S(Hour), S(0), S(Day)))), // occurrences, all before
            Conference(new SdpTime(Ntp(Monday), Ntp(Monday) - 1)), // invalid: stop before start
            Conference(),
            Conference(Time(Utc(2026, 6, 30, 23), Utc(2026, 7, 1, 1))) with { Id = Guid.Empty }, // this one overlaps
        };
        var events = Events(CalendarFeed.Write(conferences, from, to, Now));
        Assert.Equal("00000000-0000-0000-0000-000000000000@rendezvous", Assert.Single(events).Text("UID"));
    }

    [Fact]
    public void Several_conferences_are_written_in_order_with_their_own_uids()
    {
        var other = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var conferences = new[]
        {
            Conference(Time(Monday, Utc(2026, 7, 1), WeeklyHour())),
            Conference(Time(Utc(2026, 5, 5), Utc(2026, 5, 5, 1))) with { Id = other, Name = "Second" },
        };
        var events = Events(CalendarFeed.Write(conferences, Utc(2026, 5, 1), Utc(2026, 6, 1), Now));
        Assert.Equal([$"{IdText}@rendezvous", $"{other}@rendezvous"], events.Select(e => e.Text("UID")));
        Assert.Equal(["IETF MMUSIC interim", "Second"], events.Select(e => e.Text("SUMMARY")));
    }

    [Fact]
    public void Extreme_values_never_throw_and_stay_valid()
    {
        var lastDay = Utc(9999, 12, 1);
        SdpTime[] schedules =
        [
            new(ulong.MaxValue, 0), // a start no DateTimeOffset holds: nothing
            new(Ntp(Monday), ulong.MaxValue) { Repeats = [WeeklyHour()] }, // a stop after 9999: open, as SdpSchedule reads it
            new(Ntp(lastDay), NtpTime.MaxSeconds) { Repeats = [Repeat(new(1, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), new SdpTypedTime(23, SdpTimeUnit.Hours))] }, // the last one clipped at 23:59:59
            Time(Monday, null, Repeat(new(long.MaxValue, SdpTimeUnit.Days), S(Hour), S(0))), // an interval too large for 64-bit seconds
            Time(Monday, null, Repeat(new(long.MaxValue / Day, SdpTimeUnit.Days), S(Hour), S(0))), // whole days, but no 32-bit INTERVAL
            Time(Monday, null, Repeat(S(Day), S(Hour), new SdpTypedTime(long.MaxValue / Day, SdpTimeUnit.Days))), // an offset past 9999
            Time(Monday, Utc(2026, 5, 20), Repeat(S(Day), S(long.MaxValue), S(0))), // a duration past 9999, clipped
            Time(lastDay, null, Repeat(S(Day), S(long.MaxValue), S(0))), // a duration past 9999, open (every one overlaps every later window)
            Time(Monday, null, Repeat(S(0), S(Hour), S(0))), // an interval of 0: skipped by SdpSchedule
            Time(Monday, null, Repeat(S(Day), S(-Hour), S(0))), // a negative duration: skipped
            Time(Monday, null, Repeat(S(Day), S(Hour))), // no offset: skipped
        ];
        foreach (var times in schedules)
        {
            foreach (var (from, to) in new[] { (Utc(2026, 5, 1), Utc(2026, 6, 1)), (lastDay, DateTimeOffset.MaxValue) })
            {
                var ics = Write(Conference(times), from, to);
                var events = Events(ics);
                Assert.All(events, e => Assert.True(e.Value("DTEND") is null || e.Utc("DTEND") > e.Utc("DTSTART")));
                Assert.All(events, e => Length(e));
                Assert.All(events, e => _ = e.Value("RRULE") is { } rule ? ICalendarReader.ParseRecur(rule) : default);
                Assert.Equal(SdpSchedule.Occurrences([times], from, to).Any(), events.Count > 0);
            }
        }
    }

    // ---- Durations (RFC 5545 section 3.3.6) ----

    [Theory]
    [InlineData(1, "PT1S")]
    [InlineData(60, "PT1M")]
    [InlineData(3600, "PT1H")]
    [InlineData(3605, "PT1H0M5S")]
    [InlineData(5400, "PT1H30M")]
    [InlineData(5405, "PT1H30M5S")]
    [InlineData(65, "PT1M5S")]
    [InlineData(90000, "PT25H")]
    [InlineData(8 * Day, "PT192H")]
    public void Durations_are_exact_hours_minutes_and_seconds(long seconds, string expected)
    {
        SdpTime[] times = [Time(Monday, null, Repeat(S(Week), S(seconds), S(0)))];
        var vevent = SingleEvent(Write(Conference(times), Utc(2026, 5, 1), Utc(2026, 6, 1)));
        Assert.Equal(expected, vevent.Value("DURATION"));
        Assert.Equal(TimeSpan.FromSeconds(seconds), ICalendarReader.ParseDuration(expected));
    }

    // ---- Random schedules: the feed, expanded, is the schedule ----

    [Fact]
    public void Random_schedules_expand_to_their_occurrences_in_the_window()
    {
        const int seed = 20260414;
        var random = new Random(seed);
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < 400; index++)
        {
            var times = RandomSchedule(random);
            foreach (var (from, to) in RandomWindows(random, times))
            {
                var kind = CheckFeed(times, from, to, $"seed {seed}, case {index}: {Describe(times)} in [{from:O}, {to:O})");
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            }
        }

        // The generator reaches every path, each many times.
        Assert.All(["rule", "rule until", "single", "occurrences", "none"], kind => Assert.True(kinds.GetValueOrDefault(kind) >= 40, $"{kind}: {kinds.GetValueOrDefault(kind)}"));
    }

    /// <summary>
    /// Every event expanded in the window, together, is the schedule in the window: occurrences with the same start
    /// as one until the latest stop, open stops at the window's end (rounded up), a permanent start at the window's
    /// start (rounded down). An RRULE is written exactly when the schedule is a whole-day repetition that SDP does
    /// not clip, and then it alone is the schedule. UIDs are unique and follow their pattern.
    /// </summary>
    /// <returns>What the feed holds: "rule", "rule until" (with UNTIL), "single", "occurrences" or "none".</returns>
    private static string CheckFeed(SdpTime[] times, DateTimeOffset from, DateTimeOffset to, string context)
    {
        var ics = Write(Conference(times), from, to);
        List<ICalendarComponent> events;
        try
        {
            events = Events(ics);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{context}: {e.Message}\n{ics}");
        }

        var occurrences = SdpSchedule.Occurrences(times, from, to).ToList();
        var expected = occurrences
            .GroupBy(o => o.Start)
            .Select(g => (
                Start: g.Any(o => o.IsPermanent) ? Floor(from) : g.Key,
                Stop: g.All(o => o.Stop is not null) ? g.Max(o => o.Stop!.Value) : Ceiling(to)))
            .OrderBy(o => o.Start)
            .ToList();
        var actual = events.SelectMany(e => Expand(e, from, to)).OrderBy(o => o.Start).ToList();
        Assert.True(expected.SequenceEqual(actual), $"{context}\nexpected: {string.Join(", ", expected)}\nactual: {string.Join(", ", actual)}\n{ics}");

        var uids = events.Select(e => e.Text("UID")).ToList();
        Assert.True(uids.Distinct().Count() == uids.Count, $"{context}: repeated UIDs\n{ics}");
        var recurring = events.Where(e => e.Value("RRULE") is not null).ToList();
        if (recurring.Count > 0)
        {
            var vevent = Assert.Single(events);
            Assert.Equal($"{IdText}@rendezvous", vevent.Text("UID"));
            Assert.True(Schedule(times, from, to).SequenceEqual(Expand(vevent, from, to)), context);
        }

        Assert.True(IsRule(times) == (recurring.Count > 0) || occurrences.Count == 0, $"{context}: RRULE expected {IsRule(times)}\n{ics}");
        if (recurring.Count == 0 && times is not [{ Repeats.Count: 0 }])
        {
            Assert.Equal(occurrences.Select(o => OccurrenceUid(o.Start)).Distinct().Order(StringComparer.Ordinal), uids.Order(StringComparer.Ordinal));
        }

        return events.Count == 0 ? "none"
            : recurring.Count > 0 ? (recurring[0].Required("RRULE").Contains("UNTIL", StringComparison.Ordinal) ? "rule until" : "rule")
            : uids[0] == $"{IdText}@rendezvous" ? "single"
            : "occurrences";
    }

    /// <summary>The brief's RRULE condition, stated independently of the writer.</summary>
    private static bool IsRule(SdpTime[] times)
    {
        if (times is not [{ Repeats: [{ Offsets: [var offset] } repeat], ZoneAdjustments.Count: 0 } time] ||
            repeat.Interval.TotalSeconds <= 0 || repeat.Interval.TotalSeconds % Day != 0 || repeat.ActiveDuration.TotalSeconds < 0 || offset.TotalSeconds < 0)
        {
            return false;
        }

        // Not clipped: no occurrence is shorter than the active duration (only a bounded t= line clips).
        return time.Stop == 0 || SdpSchedule.Occurrences(times, DateTimeOffset.MinValue, DateTimeOffset.MaxValue)
            .All(o => o.Stop - o.Start == TimeSpan.FromSeconds(repeat.ActiveDuration.TotalSeconds));
    }

    private static DateTimeOffset Floor(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static DateTimeOffset Ceiling(DateTimeOffset value) => value.UtcTicks % TimeSpan.TicksPerSecond == 0 ? value : Floor(value).AddSeconds(1);

    /// <summary>1 to 3 t= lines in 2026 to 2028; mostly one, often with one whole-day r= line, sometimes odd.</summary>
    private static SdpTime[] RandomSchedule(Random random)
    {
        var times = new SdpTime[random.Next(10) < 7 ? 1 : random.Next(2, 4)];
        for (var i = 0; i < times.Length; i++)
        {
            var roll = random.Next(100);
            if (roll < 4)
            {
                times[i] = new(0, 0); // permanent
                continue;
            }

            var repeats = roll < 30 ? [] : roll < 88 ? new[] { RandomRepeat(random) } : [RandomRepeat(random), RandomRepeat(random)];
            if (roll < 7)
            {
                times[i] = new(0, 0) { Repeats = [RandomRepeat(random)] }; // permanent, repeating from 1900
                continue;
            }

            var start = Ntp(Utc(2026, 1, 1)) + (ulong)(random.Next(730) * Day) + (ulong)(random.Next(24) * Hour) + (ulong)(random.Next(4) == 0 ? random.Next(3600) : 0);
            var first = repeats.Length > 0 ? repeats[0] : null;
            ulong stop = random.Next(10) switch
            {
                < 2 => 0, // unbounded
                < 5 when first is not null => start + (ulong)(first.Offsets[0].TotalSeconds + (random.Next(1, 12) * first.Interval.TotalSeconds)), // at a repetition's start
                < 7 when first is not null => start + (ulong)(first.Offsets[0].TotalSeconds + (random.Next(1, 12) * first.Interval.TotalSeconds) + first.ActiveDuration.TotalSeconds), // at its end
                _ => start + (ulong)random.NextInt64(0, 120 * Day),
            };
            var zones = random.Next(100) < 12
                ? [new SdpZoneAdjustment(start + (ulong)random.NextInt64(0, 60 * Day), S(random.Next(2) == 0 ? -Hour : Hour))]
                : Array.Empty<SdpZoneAdjustment>();
            times[i] = new(start, stop) { Repeats = [.. repeats], ZoneAdjustments = [.. zones] };
        }

        return times;
    }

    private static SdpRepeat RandomRepeat(Random random)
    {
        SdpTypedTime[] intervals = [new(1, SdpTimeUnit.Days), new(2, SdpTimeUnit.Days), new(7, SdpTimeUnit.Days), new(14, SdpTimeUnit.Days), S(604800), new(3, SdpTimeUnit.Days), new(12, SdpTimeUnit.Hours), new(36, SdpTimeUnit.Hours), S(5400)];
        SdpTypedTime[] durations = [S(0), new(30, SdpTimeUnit.Minutes), new(1, SdpTimeUnit.Hours), new(2, SdpTimeUnit.Hours), new(25, SdpTimeUnit.Hours), new(8, SdpTimeUnit.Days)];
        var interval = intervals[random.Next(intervals.Length)];
        var offsets = random.Next(10) < 8 ? 1 : 2;
        return new(interval, durations[random.Next(durations.Length)], [.. Enumerable.Range(0, offsets).Select(_ => S(random.Next(3) == 0 ? 0 : random.NextInt64(interval.TotalSeconds)))]);
    }

    /// <summary>Around the start, later, wide, and sometimes empty; with fractions of a second now and then.</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> RandomWindows(Random random, SdpTime[] times)
    {
        var start = times[0].Start == 0 ? Utc(2026, 6, 1) : NtpTime.ToDateTimeOffset(times[0].Start);
        var ticks = random.Next(2) == 0 ? 0 : random.NextInt64(TimeSpan.TicksPerSecond);
        var from = start.AddDays(-random.Next(10)).AddTicks(ticks);
        yield return (from, from.AddHours(random.Next(1, 60 * 24)));
        var later = start.AddDays(random.Next(200)).AddSeconds(random.Next(86400));
        yield return (later, later.AddHours(random.Next(1, 30 * 24)).AddTicks(ticks));
        yield return random.Next(10) == 0 ? (later, later) : (Utc(2026, 1, 1), Utc(2027, 1, 1));
    }

    private static string Describe(SdpTime[] times) => string.Join(" | ", times.Select(t =>
        $"t={t.Start} {t.Stop}" + string.Concat(t.Repeats.Select(r => $" r={r.Interval} {r.ActiveDuration} {string.Join(' ', r.Offsets)}")) +
        (t.ZoneAdjustments.Count > 0 ? " z=" + string.Join(' ', t.ZoneAdjustments.Select(z => $"{z.AdjustmentTime} {z.Offset}")) : string.Empty)));
}

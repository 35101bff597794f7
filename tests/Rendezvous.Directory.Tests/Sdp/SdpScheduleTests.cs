using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

public sealed class SdpScheduleTests
{
    private const long Hour = 3600;
    private const long Day = 86400;
    private const long Week = 7 * Day;

    private static readonly DateTimeOffset Min = DateTimeOffset.MinValue;
    private static readonly DateTimeOffset Max = DateTimeOffset.MaxValue;

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    private static ulong Ntp(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        NtpTime.FromDateTimeOffset(Utc(year, month, day, hour, minute, second));

    private static SdpTypedTime S(long seconds) => SdpTypedTime.FromSeconds(seconds);

    private static SdpRepeat Repeat(long interval, long duration, params long[] offsets) => new(S(interval), S(duration), [.. offsets.Select(S)]);

    private static SdpTime Time(ulong start, ulong stop, params SdpRepeat[] repeats) => new(start, stop) { Repeats = [.. repeats] };

    private static List<SdpOccurrence> All(params SdpTime[] times) => [.. SdpSchedule.Occurrences(times, Min, Max)];

    private static (DateTimeOffset Start, DateTimeOffset? Stop) Span(SdpOccurrence occurrence) => (occurrence.Start, occurrence.Stop);

    [Fact]
    public void Two_t_lines_without_r_are_two_single_periods()
    {
        // RFC 8866 section 5.9
        var times = new[] { Time(3724394400, 3724398000), Time(3724484400, 3724488000) };
        Assert.Equal(
            [
                new SdpOccurrence(Utc(2018, 1, 8, 10), Utc(2018, 1, 8, 11), 0),
                new SdpOccurrence(Utc(2018, 1, 9, 11), Utc(2018, 1, 9, 12), 1),
            ],
            All(times));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), Utc(2018, 1, 9, 12)), SdpSchedule.Bounds(times));
    }

    [Fact]
    public void The_rfc_8866_weekly_example_runs_monday_and_tuesday_for_ten_weeks()
    {
        // RFC 8866 section 5.10: t=3724394400 3730536000, r=604800 3600 0 90000
        var occurrences = All(Time(3724394400, 3730536000, Repeat(604800, 3600, 0, 90000)));
        Assert.Equal(22, occurrences.Count);
        Assert.Equal(new SdpOccurrence(Utc(2018, 1, 8, 10), Utc(2018, 1, 8, 11), 0) { RepeatIndex = 0, OffsetIndex = 0 }, occurrences[0]);
        Assert.Equal(new SdpOccurrence(Utc(2018, 1, 9, 11), Utc(2018, 1, 9, 12), 0) { RepeatIndex = 0, OffsetIndex = 1 }, occurrences[1]);
        Assert.Equal((Utc(2018, 3, 20, 11), Utc(2018, 3, 20, 12)), Span(occurrences[^1]));
        Assert.All(occurrences, o => Assert.Equal(o.Start.DayOfWeek == DayOfWeek.Monday ? 10 : 11, o.Start.Hour));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), Utc(2018, 3, 20, 12)), SdpSchedule.Bounds([Time(3724394400, 3730536000, Repeat(604800, 3600, 0, 90000))]));
    }

    [Fact]
    public void Typed_times_mean_the_same_as_seconds()
    {
        // RFC 8866 section 5.10: r=7d 1h 0 25h is r=604800 3600 0 90000
        var typed = new SdpRepeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), [new(0), new(25, SdpTimeUnit.Hours)]);
        Assert.Equal(
            All(Time(3724394400, 3730536000, Repeat(604800, 3600, 0, 90000))),
            All(Time(3724394400, 3730536000, typed)));
    }

    [Fact]
    public void The_rfc_8866_zone_example_follows_british_summer_time()
    {
        // RFC 8866 section 5.11: z=3730928400 -1h 3749680800 0 (BST from 25 March to 28 October 2018)
        var time = Time(3724394400, 3754123200, Repeat(604800, 3600, 0, 90000)) with
        {
            ZoneAdjustments = [new(3730928400, new(-1, SdpTimeUnit.Hours)), new(3749680800, S(0))],
        };
        var occurrences = All(time).Select(Span).ToList();
        Assert.Equal(100, occurrences.Count);
        Assert.Contains((Utc(2018, 3, 19, 10), Utc(2018, 3, 19, 11)), occurrences);
        Assert.Contains((Utc(2018, 3, 20, 11), Utc(2018, 3, 20, 12)), occurrences);
        Assert.Contains((Utc(2018, 3, 26, 9), Utc(2018, 3, 26, 10)), occurrences);
        Assert.Contains((Utc(2018, 3, 27, 10), Utc(2018, 3, 27, 11)), occurrences);
        Assert.Contains((Utc(2018, 10, 22, 9), Utc(2018, 10, 22, 10)), occurrences);
        Assert.Contains((Utc(2018, 10, 29, 10), Utc(2018, 10, 29, 11)), occurrences);
        Assert.Equal((Utc(2018, 12, 18, 11), Utc(2018, 12, 18, 12)), occurrences[^1]);
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), Utc(2018, 12, 18, 12)), SdpSchedule.Bounds([time]));
    }

    [Fact]
    public void The_rfc_4566_zone_example_shifts_back_one_hour_and_then_restores_the_time_base()
    {
        // RFC 4566 section 5.11: z=2882844526 -1h 2898848070 0, i.e. 1991-05-10T06:08:46Z and 1991-11-11T11:34:30Z.
        var time = Time(Ntp(1991, 4, 1, 10), Ntp(1991, 12, 31), Repeat(Week, Hour, 0)) with
        {
            ZoneAdjustments = [new(2882844526, new(-1, SdpTimeUnit.Hours)), new(2898848070, S(0))],
        };
        var starts = All(time).Select(o => o.Start).ToList();
        Assert.Contains(Utc(1991, 5, 6, 10), starts);
        Assert.Contains(Utc(1991, 5, 13, 9), starts);
        Assert.Contains(Utc(1991, 8, 5, 9), starts);
        Assert.Contains(Utc(1991, 11, 11, 9), starts); // unadjusted 10:00 is before the 11:34:30 adjustment
        Assert.Contains(Utc(1991, 11, 18, 10), starts);
        Assert.Equal(40, starts.Count);
        Assert.All(starts, s => Assert.Equal(s >= Utc(1991, 5, 13) && s < Utc(1991, 11, 12) ? 9 : 10, s.Hour));
    }

    [Fact]
    public void An_adjustment_applies_from_exactly_its_time_compared_with_the_unadjusted_start()
    {
        var start = Ntp(2026, 4, 13, 10);
        SdpTime Daily(ulong adjustmentTime) => Time(start, start + (3 * Day), Repeat(Day, Hour, 0)) with
        {
            ZoneAdjustments = [new(adjustmentTime, new(-1, SdpTimeUnit.Hours))],
        };

        // The last one: unadjusted 10:00 on the stop day, adjusted 09:00, before the stop, so it counts.
        Assert.Equal([Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 9), Utc(2026, 4, 15, 9), Utc(2026, 4, 16, 9)], All(Daily(start + Day)).Select(o => o.Start));
        Assert.Equal([Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 10), Utc(2026, 4, 15, 9), Utc(2026, 4, 16, 9)], All(Daily(start + Day + 1)).Select(o => o.Start));
    }

    [Fact]
    public void Adjustments_are_not_cumulative_and_need_not_be_sorted()
    {
        var start = Ntp(2026, 4, 13, 10);
        var time = Time(start, start + (4 * Day), Repeat(Day, Hour, 0)) with
        {
            ZoneAdjustments = [new(start + (2 * Day), new(-2, SdpTimeUnit.Hours)), new(start + Day, new(-1, SdpTimeUnit.Hours))],
        };
        Assert.Equal(
            [Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 9), Utc(2026, 4, 15, 8), Utc(2026, 4, 16, 8), Utc(2026, 4, 17, 8)],
            All(time).Select(o => o.Start));
    }

    [Fact]
    public void Among_adjustments_at_the_same_time_the_last_written_wins()
    {
        var start = Ntp(2026, 4, 13, 10);
        var time = Time(start, start + (2 * Day), Repeat(Day, Hour, 0)) with
        {
            ZoneAdjustments = [new(start + Day, new(-1, SdpTimeUnit.Hours)), new(start + Day, new(-3, SdpTimeUnit.Hours))],
        };
        Assert.Equal([Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 7), Utc(2026, 4, 15, 7)], All(time).Select(o => o.Start));
    }

    [Fact]
    public void A_zone_line_without_repeats_changes_nothing()
    {
        // RFC 8866 section 5.11: z= modifies the repeat fields only.
        var time = Time(3724394400, 3724398000) with { ZoneAdjustments = [new(3724000000, new(-1, SdpTimeUnit.Hours))] };
        Assert.Equal([(Utc(2018, 1, 8, 10), (DateTimeOffset?)Utc(2018, 1, 8, 11))], All(time).Select(Span));
    }

    [Fact]
    public void A_large_adjustment_that_reorders_a_series_still_comes_out_sorted()
    {
        var start = Ntp(2026, 4, 13, 10);
        SdpTime Hourly(long shiftMinutes) => Time(start, start + (6 * Hour), Repeat(Hour, 1800, 0)) with
        {
            ZoneAdjustments = [new(start + (3 * Hour), new(shiftMinutes, SdpTimeUnit.Minutes))],
        };

        // Unadjusted 13:00 to 18:00 move back 2.5 hours, between the earlier ones; 18:00 becomes 15:30, before the 16:00 stop.
        Assert.Equal(
            [10.0, 10.5, 11, 11.5, 12, 12.5, 13.5, 14.5, 15.5],
            All(Hourly(-150)).Select(o => (o.Start - Utc(2026, 4, 13)).TotalHours));

        // Moved back exactly 3 hours they fall on the earlier ones: duplicates, dropped.
        Assert.Equal([10.0, 11, 12, 13, 14, 15], All(Hourly(-180)).Select(o => (o.Start - Utc(2026, 4, 13)).TotalHours));
    }

    [Fact]
    public void A_permanent_session_is_always_on()
    {
        // RFC 8866 section 5.9: t=0 0
        SdpTime[] times = [Time(0, 0)];
        var occurrence = Assert.Single(SdpSchedule.Occurrences(times, Utc(2026, 1, 1), Utc(2026, 1, 2)));
        Assert.Equal(new SdpOccurrence(DateTimeOffset.MinValue, null, 0) { IsPermanent = true }, occurrence);
        Assert.Single(SdpSchedule.Occurrences(times, Utc(9999, 1, 1), Max));
        Assert.Single(SdpSchedule.Occurrences(times, Min, Min.AddTicks(1)));
        Assert.Equal(new SdpBounds(null, null), SdpSchedule.Bounds(times));
        Assert.False(SdpSchedule.Bounds(times).IsEmpty);
    }

    [Fact]
    public void A_permanent_session_with_repeats_repeats_from_1900_for_ever()
    {
        // RFC 8866 section 5.9: a permanent session is active when its repeat times say. 1900-01-01 was a Monday.
        SdpTime[] times = [Time(0, 0, Repeat(Week, Hour, 10 * Hour))];
        Assert.Equal(
            [(Utc(2026, 4, 13, 10), (DateTimeOffset?)Utc(2026, 4, 13, 11))],
            SdpSchedule.Occurrences(times, Utc(2026, 4, 11), Utc(2026, 4, 18)).Select(Span));
        Assert.Equal(new SdpBounds(Utc(1900, 1, 1, 10), null), SdpSchedule.Bounds(times));
        Assert.All(SdpSchedule.Occurrences(times, Utc(2026, 1, 1), Utc(2027, 1, 1)), o => Assert.False(o.IsPermanent));
    }

    [Fact]
    public void An_unbounded_session_starts_and_never_stops()
    {
        // RFC 8866 section 5.9: stop 0 is unbounded; not active before the start.
        SdpTime[] times = [Time(3724394400, 0)];
        Assert.Empty(SdpSchedule.Occurrences(times, Utc(2018, 1, 1), Utc(2018, 1, 8, 10)));
        Assert.Equal([new SdpOccurrence(Utc(2018, 1, 8, 10), null, 0)], SdpSchedule.Occurrences(times, Utc(2400, 1, 1), Utc(2400, 1, 2)));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), null), SdpSchedule.Bounds(times));
    }

    [Fact]
    public void A_weekly_series_from_2026_answers_a_window_in_2400_directly()
    {
        SdpTime[] times = [Time(Ntp(2026, 1, 5, 10), 0, Repeat(Week, Hour, 0))];
        var occurrence = Assert.Single(SdpSchedule.Occurrences(times, Utc(2400, 3, 1), Utc(2400, 3, 8)));
        Assert.Equal((Utc(2400, 3, 6, 10), Utc(2400, 3, 6, 11)), Span(occurrence)); // 19523 weeks later
        Assert.Equal(DayOfWeek.Monday, occurrence.Start.DayOfWeek);
        Assert.Equal(new SdpBounds(Utc(2026, 1, 5, 10), null), SdpSchedule.Bounds(times));
    }

    [Fact]
    public void A_one_second_series_from_1900_answers_a_window_in_9999_directly()
    {
        SdpTime[] times = [Time(1, 0, Repeat(1, 1, 0))];
        Assert.Equal(
            [Utc(9999, 12, 31, 23, 59, 58), Utc(9999, 12, 31, 23, 59, 59)],
            SdpSchedule.Occurrences(times, Utc(9999, 12, 31, 23, 59, 58), Max).Select(o => o.Start));
        var last = SdpSchedule.Occurrences(times, Utc(9999, 12, 31, 23, 59, 59), Max).Single();
        Assert.Null(last.Stop); // its stop would be after DateTimeOffset.MaxValue
    }

    [Fact]
    public void Enumeration_is_lazy_and_merges_endless_series()
    {
        var start = Ntp(2026, 1, 1);
        SdpTime[] times = [Time(start, 0, Repeat(3, 1, 0)), Time(start, 0, Repeat(2, 1, 1))];
        var first = SdpSchedule.Occurrences(times, Min, Max).Take(6).Select(o => (o.Start - Utc(2026, 1, 1)).TotalSeconds);
        Assert.Equal([0.0, 1, 3, 3, 5, 6], first);
    }

    [Fact]
    public void The_last_repetition_is_clipped_to_the_t_stop_and_one_starting_at_the_stop_is_left_out()
    {
        var start = Ntp(2026, 4, 13, 10);
        SdpTime[] times = [Time(start, start + Day + Hour, Repeat(12 * Hour, 2 * Hour, 0))];
        Assert.Equal(
            [
                (Utc(2026, 4, 13, 10), (DateTimeOffset?)Utc(2026, 4, 13, 12)),
                (Utc(2026, 4, 13, 22), Utc(2026, 4, 14, 0)),
                (Utc(2026, 4, 14, 10), Utc(2026, 4, 14, 11)),
            ],
            All(times).Select(Span));
        Assert.Equal(new SdpBounds(Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 11)), SdpSchedule.Bounds(times));

        SdpTime[] exact = [Time(start, start + Day, Repeat(12 * Hour, Hour, 0))];
        Assert.Equal(2, All(exact).Count);
        Assert.Equal(new SdpBounds(Utc(2026, 4, 13, 10), Utc(2026, 4, 13, 23)), SdpSchedule.Bounds(exact));
    }

    [Fact]
    public void Several_repeat_lines_each_make_their_own_series_and_ties_follow_the_indexes()
    {
        var start = Ntp(2026, 4, 13, 10);
        SdpTime[] times =
        [
            Time(start, start + Week, Repeat(Day, Hour, 0), Repeat(2 * Day, 2 * Hour, 0, Hour)),
            Time(start, start + Hour),
        ];
        var occurrences = SdpSchedule.Occurrences(times, Utc(2026, 4, 13), Utc(2026, 4, 14)).ToList();
        Assert.Equal(
            [
                new SdpOccurrence(Utc(2026, 4, 13, 10), Utc(2026, 4, 13, 11), 0) { RepeatIndex = 0, OffsetIndex = 0 },
                new SdpOccurrence(Utc(2026, 4, 13, 10), Utc(2026, 4, 13, 12), 0) { RepeatIndex = 1, OffsetIndex = 0 },
                new SdpOccurrence(Utc(2026, 4, 13, 10), Utc(2026, 4, 13, 11), 1),
                new SdpOccurrence(Utc(2026, 4, 13, 11), Utc(2026, 4, 13, 13), 0) { RepeatIndex = 1, OffsetIndex = 1 },
            ],
            occurrences);
        Assert.Equal(7 + 4 + 4 + 1, All(times).Count);
    }

    [Fact]
    public void Duplicates_within_a_t_line_are_dropped_but_equal_t_lines_are_kept()
    {
        var start = Ntp(2026, 4, 13, 10);
        var twice = Time(start, start + (3 * Day), Repeat(Day, Hour, 0, 0, Day));
        var occurrences = All(twice);
        Assert.Equal([Utc(2026, 4, 13, 10), Utc(2026, 4, 14, 10), Utc(2026, 4, 15, 10)], occurrences.Select(o => o.Start));
        Assert.All(occurrences, o => Assert.Equal(0, o.OffsetIndex));

        var sameLine = Time(start, start + Hour);
        Assert.Equal([0, 1], All(sameLine, sameLine).Select(o => o.TimeIndex));
    }

    [Fact]
    public void The_window_is_half_open_and_exact_to_the_tick()
    {
        SdpTime[] times = [Time(3724394400, 3724398000)];
        var start = Utc(2018, 1, 8, 10);
        var stop = Utc(2018, 1, 8, 11);
        Assert.Empty(SdpSchedule.Occurrences(times, stop, stop.AddHours(1)));
        Assert.Empty(SdpSchedule.Occurrences(times, start.AddHours(-1), start));
        Assert.Single(SdpSchedule.Occurrences(times, stop.AddTicks(-1), stop.AddHours(1)));
        Assert.Single(SdpSchedule.Occurrences(times, start.AddHours(-1), start.AddTicks(1)));
        Assert.Single(SdpSchedule.Occurrences(times, start.AddMinutes(10), start.AddMinutes(20)));
        Assert.Empty(SdpSchedule.Occurrences(times, start.AddMinutes(20), start.AddMinutes(10)));
        Assert.Empty(SdpSchedule.Occurrences(times, start, start));
    }

    [Fact]
    public void A_window_in_another_offset_means_the_same_instants()
    {
        SdpTime[] times = [Time(3724394400, 3724398000)];
        var paris = TimeSpan.FromHours(1);
        Assert.Single(SdpSchedule.Occurrences(times, new DateTimeOffset(2018, 1, 8, 11, 30, 0, paris), new DateTimeOffset(2018, 1, 8, 11, 40, 0, paris)));
        Assert.Empty(SdpSchedule.Occurrences(times, new DateTimeOffset(2018, 1, 8, 12, 0, 0, paris), new DateTimeOffset(2018, 1, 8, 13, 0, 0, paris)));
    }

    [Fact]
    public void Zero_length_occurrences_overlap_only_windows_around_them()
    {
        SdpTime[] times = [Time(3724394400, 3724394400)];
        var at = Utc(2018, 1, 8, 10);
        Assert.Equal([new SdpOccurrence(at, at, 0)], SdpSchedule.Occurrences(times, at.AddTicks(-1), at.AddTicks(1)));
        Assert.Empty(SdpSchedule.Occurrences(times, at, at.AddHours(1)));
        Assert.Equal(new SdpBounds(at, at), SdpSchedule.Bounds(times));
    }

    [Fact]
    public void Unusable_repeat_lines_are_skipped_and_the_others_still_count()
    {
        var start = Ntp(2026, 4, 13, 10);
        SdpTime[] times =
        [
            Time(
                start,
                start + (2 * Day),
                Repeat(0, Hour, 0), // interval 0
                Repeat(-Day, Hour, 0), // negative interval
                Repeat(Day, -Hour, 0), // negative duration
                Repeat(Day, Hour, 0, -Hour), // negative offset
                Repeat(Day, Hour), // no offset
                Repeat(Day, 2 * Hour, Hour)),
        ];
        Assert.Equal([(Utc(2026, 4, 13, 11), (DateTimeOffset?)Utc(2026, 4, 13, 13)), (Utc(2026, 4, 14, 11), Utc(2026, 4, 14, 13))], All(times).Select(Span));
        Assert.All(All(times), o => Assert.Equal(5, o.RepeatIndex));
    }

    [Fact]
    public void A_t_line_whose_repeats_are_all_unusable_has_no_occurrences()
    {
        SdpTime[] times = [Time(3724394400, 3730536000, Repeat(0, 3600, 0))];
        Assert.Empty(All(times));
        Assert.Same(SdpBounds.Empty, SdpSchedule.Bounds(times));
        Assert.True(SdpSchedule.Bounds(times).IsEmpty);
    }

    [Fact]
    public void A_stop_before_the_start_skips_the_t_line()
    {
        SdpTime[] times = [Time(3724398000, 3724394400, Repeat(Day, Hour, 0)), Time(3724398000, 3724394400), Time(3724394400, 3724398000)];
        Assert.Equal([2], All(times).Select(o => o.TimeIndex));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), Utc(2018, 1, 8, 11)), SdpSchedule.Bounds(times));
    }

    [Fact]
    public void No_t_lines_or_null_ones_mean_no_occurrences()
    {
        Assert.Empty(All());
        Assert.Same(SdpBounds.Empty, SdpSchedule.Bounds([]));
        Assert.Equal([1], All(null!, Time(3724394400, 3724398000)).Select(o => o.TimeIndex));
        Assert.Throws<ArgumentNullException>(() => SdpSchedule.Occurrences((IReadOnlyList<SdpTime>)null!, Min, Max));
        Assert.Throws<ArgumentNullException>(() => SdpSchedule.Bounds((SessionDescription)null!));
    }

    [Fact]
    public void Times_after_9999_are_skipped_or_open_and_never_throw()
    {
        var last = NtpTime.MaxSeconds;
        Assert.Empty(All(Time(last + 1, 0), Time(ulong.MaxValue, ulong.MaxValue, Repeat(Day, Hour, 0))));
        Assert.Same(SdpBounds.Empty, SdpSchedule.Bounds([Time(last + 1, last + 2)]));

        // A stop that has no DateTimeOffset is open.
        SdpTime[] openStop = [Time(3724394400, ulong.MaxValue)];
        Assert.Equal([new SdpOccurrence(Utc(2018, 1, 8, 10), null, 0)], All(openStop));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), null), SdpSchedule.Bounds(openStop));

        // Repetitions stop at the end of 9999; a duration past it is open.
        SdpTime[] nearTheEnd = [Time(last - Hour, ulong.MaxValue, Repeat(1800, Day, 0))];
        Assert.Equal([(Utc(9999, 12, 31, 22, 59, 59), (DateTimeOffset?)null), (Utc(9999, 12, 31, 23, 29, 59), null), (Utc(9999, 12, 31, 23, 59, 59), null)], All(nearTheEnd).Select(Span));
    }

    [Fact]
    public void Typed_times_too_large_for_64_bits_saturate_instead_of_throwing()
    {
        var huge = new SdpTypedTime(long.MaxValue, SdpTimeUnit.Days);
        var hugeNegative = new SdpTypedTime(long.MinValue, SdpTimeUnit.Days);
        var start = Ntp(2026, 4, 13, 10);
        var time = new SdpTime(start, 0)
        {
            Repeats = [new(huge, S(Hour), [S(0)]), new(S(Day), huge, [S(0)]), new(S(Day), S(Hour), [huge])],
            ZoneAdjustments = [new(start + Day, hugeNegative), new(start + (2 * Day), huge), new(ulong.MaxValue, S(Hour))],
        };
        var occurrences = All(time);
        Assert.Equal(
            [
                (Utc(2026, 4, 13, 10), (DateTimeOffset?)Utc(2026, 4, 13, 11)), // the huge interval: only k = 0, before any adjustment
                (Utc(2026, 4, 13, 10), null), // the huge duration
            ],
            occurrences.Select(Span));
        Assert.Equal(new SdpBounds(Utc(2026, 4, 13, 10), null), SdpSchedule.Bounds([time]));

        // Bare seconds that fit 64 bits but whose sums would not give the same answer.
        var max = S(long.MaxValue);
        var min = S(long.MinValue);
        var wide = time with
        {
            Repeats = [new(max, S(Hour), [S(0)]), new(S(Day), max, [S(0)]), new(S(Day), S(Hour), [max])],
            ZoneAdjustments = [new(start + Day, min), new(start + (2 * Day), max), new(ulong.MaxValue, S(Hour))],
        };
        Assert.Equal(occurrences, All(wide));
    }

    [Fact]
    public void Adjustments_that_move_an_occurrence_before_1900_or_the_year_1_are_safe()
    {
        var time = Time(0, 3 * Day, Repeat(Day, Hour, 0)) with
        {
            ZoneAdjustments = [new(0, new(-1, SdpTimeUnit.Days)), new(Day, new(long.MinValue / 2, SdpTimeUnit.Hours))],
        };
        Assert.Equal([(Utc(1899, 12, 31), (DateTimeOffset?)Utc(1899, 12, 31, 1))], All(time).Select(Span));
        Assert.Equal(new SdpBounds(Utc(1899, 12, 31), Utc(1899, 12, 31, 1)), SdpSchedule.Bounds([time]));
    }

    [Fact]
    public void The_session_description_overloads_read_its_t_lines()
    {
        var description = new SessionDescription
        {
            Origin = new("jdoe", "3724394400", "3724394405", "IN", "IP4", "198.51.100.1"),
            Name = "Call to John Smith",
            Times = [Time(3724394400, 3724398000)],
        };
        Assert.Equal([new SdpOccurrence(Utc(2018, 1, 8, 10), Utc(2018, 1, 8, 11), 0)], SdpSchedule.Occurrences(description, Min, Max));
        Assert.Equal(new SdpBounds(Utc(2018, 1, 8, 10), Utc(2018, 1, 8, 11)), SdpSchedule.Bounds(description));
    }
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

public sealed class NtpTimeTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void The_rfc_8866_example_is_monday_8_january_2018_from_10_to_11_utc()
    {
        // RFC 8866 section 5.9: t=3724394400 3724398000 ; Mon 8-Jan-2018 10:00-11:00 UTC
        var start = NtpTime.ToDateTimeOffset(3724394400);
        Assert.Equal(Utc(2018, 1, 8, 10), start);
        Assert.Equal(DayOfWeek.Monday, start.DayOfWeek);
        Assert.Equal(Utc(2018, 1, 8, 11), NtpTime.ToDateTimeOffset(3724398000));
        Assert.Equal(TimeSpan.Zero, start.Offset);
    }

    [Fact]
    public void Ntp_zero_is_1900_and_the_unix_epoch_is_2208988800()
    {
        Assert.Equal(Utc(1900, 1, 1), NtpTime.ToDateTimeOffset(0));
        Assert.Equal(Utc(1900, 1, 1), NtpTime.Epoch);
        Assert.Equal(DateTimeOffset.UnixEpoch, NtpTime.ToDateTimeOffset(2208988800));
        Assert.Equal(SdpNumbers.NtpEpochOffsetSeconds, NtpTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void The_32_bit_era_ends_in_2036_and_later_values_go_on()
    {
        Assert.Equal(Utc(2036, 2, 7, 6, 28, 15), NtpTime.ToDateTimeOffset(uint.MaxValue));
        Assert.Equal(Utc(2036, 2, 7, 6, 28, 16), NtpTime.ToDateTimeOffset(1UL << 32));
        Assert.Equal(Utc(2036, 2, 7, 6, 28, 17), NtpTime.ToDateTimeOffset((1UL << 32) + 1));
        Assert.Equal(Utc(2172, 3, 15, 12, 56, 32), NtpTime.ToDateTimeOffset(1UL << 33));
        Assert.Equal(1UL << 32, NtpTime.FromDateTimeOffset(Utc(2036, 2, 7, 6, 28, 16)));
        Assert.Equal(4354905600UL, NtpTime.FromDateTimeOffset(Utc(2038, 1, 1)));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(2208988800UL)]
    [InlineData(3724394400UL)]
    [InlineData(4294967295UL)]
    [InlineData(4294967296UL)]
    [InlineData(10000000000UL)]
    [InlineData(255611289599UL)]
    public void Seconds_round_trip(ulong ntp)
    {
        Assert.True(NtpTime.TryToDateTimeOffset(ntp, out var value));
        Assert.Equal(ntp, NtpTime.FromDateTimeOffset(value));
        Assert.Equal(value, NtpTime.ToDateTimeOffset(ntp));
    }

    [Fact]
    public void Random_seconds_round_trip_over_the_whole_range()
    {
        var random = new Random(1900);
        for (var i = 0; i < 10_000; i++)
        {
            var ntp = (ulong)random.NextInt64(0, (long)NtpTime.MaxSeconds + 1);
            Assert.Equal(ntp, NtpTime.FromDateTimeOffset(NtpTime.ToDateTimeOffset(ntp)));
        }
    }

    [Fact]
    public void Instants_round_trip_to_the_second_and_any_offset_is_converted_to_utc()
    {
        var paris = new DateTimeOffset(2018, 1, 8, 11, 0, 0, TimeSpan.FromHours(1));
        Assert.Equal(3724394400UL, NtpTime.FromDateTimeOffset(paris));
        Assert.Equal(paris, NtpTime.ToDateTimeOffset(NtpTime.FromDateTimeOffset(paris)));
        Assert.Equal(TimeSpan.Zero, NtpTime.ToDateTimeOffset(NtpTime.FromDateTimeOffset(paris)).Offset);
    }

    [Fact]
    public void A_fraction_of_a_second_is_truncated()
    {
        Assert.Equal(3724394400UL, NtpTime.FromDateTimeOffset(Utc(2018, 1, 8, 10).AddTicks(TimeSpan.TicksPerSecond - 1)));
        Assert.Equal(0UL, NtpTime.FromDateTimeOffset(Utc(1900, 1, 1).AddTicks(1)));
    }

    [Fact]
    public void The_largest_convertible_value_is_the_last_second_of_9999()
    {
        Assert.Equal(255611289599UL, NtpTime.MaxSeconds);
        Assert.Equal(Utc(9999, 12, 31, 23, 59, 59), NtpTime.ToDateTimeOffset(NtpTime.MaxSeconds));
        Assert.Equal(NtpTime.MaxSeconds, NtpTime.FromDateTimeOffset(DateTimeOffset.MaxValue));
    }

    [Theory]
    [InlineData(255611289600UL)]
    [InlineData(1UL << 40)]
    [InlineData(ulong.MaxValue)]
    public void Values_after_9999_fail_softly_in_try_and_clearly_otherwise(ulong ntp)
    {
        Assert.False(NtpTime.TryToDateTimeOffset(ntp, out var value));
        Assert.Equal(default, value);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => NtpTime.ToDateTimeOffset(ntp));
        Assert.Equal("ntp", error.ParamName);
        Assert.Contains("9999-12-31T23:59:59Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instants_before_1900_have_no_ntp_seconds()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => NtpTime.FromDateTimeOffset(Utc(1899, 12, 31, 23, 59, 59)));
        Assert.Equal("value", error.ParamName);
        Assert.Contains("1900", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => NtpTime.FromDateTimeOffset(DateTimeOffset.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => NtpTime.FromDateTimeOffset(Utc(1900, 1, 1).AddTicks(-1)));
    }
}

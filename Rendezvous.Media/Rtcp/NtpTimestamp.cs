namespace Rendezvous.Media.Rtcp;

/// <summary>
/// A 64-bit NTP timestamp (RFC 3550 section 4): seconds since 1900-01-01 UTC in the high 32 bits, the
/// fraction of a second in the low 32. Also the 32-bit "short format" (16.16 seconds) of LSR and DLSR.
/// </summary>
/// <remarks>
/// The seconds wrap in February 2036. <see cref="ToDateTimeOffset"/> follows RFC 5905's rule for that:
/// a value with the top bit of the seconds clear is read in the era after the wrap (2036 to 2104), so
/// times from 1968 to 2104 convert both ways.
/// </remarks>
public readonly record struct NtpTimestamp(ulong Value)
{
    private static readonly DateTimeOffset Era0 = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>2036-02-07 06:28:16 UTC, when the 32-bit seconds wrap.</summary>
    private static readonly DateTimeOffset Era1 = Era0.AddSeconds(1L << 32);

    /// <summary>Whole seconds since the era's start.</summary>
    public uint Seconds => (uint)(Value >> 32);

    /// <summary>The fraction of a second, in units of 2^-32 s.</summary>
    public uint Fraction => (uint)Value;

    /// <summary>RFC 3550 section 6.4.1: the middle 32 bits, as a report block's LSR carries them.</summary>
    public uint Middle32 => (uint)(Value >> 16);

    /// <summary>
    /// The NTP timestamp of <paramref name="time"/> (to 100 ns). Throws <see cref="ArgumentOutOfRangeException"/>
    /// before 1968-01-20 or after 2104-02-26, outside the two eras <see cref="ToDateTimeOffset"/> tells apart.
    /// </summary>
    public static NtpTimestamp FromDateTimeOffset(DateTimeOffset time)
    {
        // Era 0 with the top bit set (from 2^31 s) through era 1 with it clear (up to 2^32 + 2^31 s).
        const long HalfEra = TimeSpan.TicksPerSecond << 31;
        var sinceEra0 = time.UtcTicks - Era0.UtcTicks;
        if (sinceEra0 is < HalfEra or >= 3 * HalfEra)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "NTP timestamps here cover 1968-01-20 to 2104-02-26 (RFC 5905 era rule).");
        }

        var ticks = sinceEra0 % (2 * HalfEra);
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        // Rounded to the nearest 2^-32 s, so that converting back (also rounded) gives the same tick.
        var fraction = (ulong)((((UInt128)(ulong)(ticks % TimeSpan.TicksPerSecond) << 32) + (TimeSpan.TicksPerSecond / 2)) / TimeSpan.TicksPerSecond);
        return new NtpTimestamp((seconds << 32) | fraction);
    }

    /// <summary>The time this timestamp stands for (to the nearest 100 ns), using the era rule on the class.</summary>
    public DateTimeOffset ToDateTimeOffset()
    {
        var era = (Seconds & 0x8000_0000) != 0 ? Era0 : Era1;
        var fractionTicks = (long)((((ulong)Fraction * TimeSpan.TicksPerSecond) + (1UL << 31)) >> 32);
        return era.AddTicks((Seconds * TimeSpan.TicksPerSecond) + fractionTicks);
    }

    /// <summary>
    /// A duration in NTP short format (units of 1/65536 s), as DLSR carries it (section 6.4.1). Negative
    /// durations give 0; durations beyond the field (about 18.2 hours) give <see cref="uint.MaxValue"/>.
    /// </summary>
    public static uint ToShortFormat(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return 0;
        }

        var units = ((UInt128)(ulong)duration.Ticks << 16) / TimeSpan.TicksPerSecond;
        return units > uint.MaxValue ? uint.MaxValue : (uint)units;
    }

    /// <summary>A duration in NTP short format (1/65536 s) as a <see cref="TimeSpan"/> (truncated to 100 ns).</summary>
    public static TimeSpan FromShortFormat(uint units) => TimeSpan.FromTicks((long)(((ulong)units * TimeSpan.TicksPerSecond) >> 16));

    public override string ToString() => $"{Seconds}.{Fraction:x8}";
}

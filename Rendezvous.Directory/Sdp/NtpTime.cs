namespace Rendezvous.Directory.Sdp;

/// <summary>
/// SDP times (RFC 8866 section 5.9): whole seconds since 1900-01-01T00:00:00Z, to and from
/// <see cref="DateTimeOffset"/>. Always 64-bit: the 32-bit NTP era ends at 2^32 in 2036
/// (2036-02-07T06:28:16Z) and SDP's decimal times simply go on past it.
/// </summary>
public static class NtpTime
{
    /// <summary>NTP second 0: 1900-01-01T00:00:00Z.</summary>
    public static DateTimeOffset Epoch { get; } = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The largest NTP second a <see cref="DateTimeOffset"/> can hold: 255611289599,
    /// 9999-12-31T23:59:59Z. Larger values are valid SDP but have no <see cref="DateTimeOffset"/>.
    /// </summary>
    public static ulong MaxSeconds { get; } = (ulong)MaxSignedSeconds;

    /// <summary>
    /// Converts NTP seconds to a UTC <see cref="DateTimeOffset"/>. Returns false, with
    /// <paramref name="value"/> set to default, when <paramref name="ntp"/> is above
    /// <see cref="MaxSeconds"/>; never throws.
    /// </summary>
    public static bool TryToDateTimeOffset(ulong ntp, out DateTimeOffset value)
    {
        if (ntp > MaxSeconds)
        {
            value = default;
            return false;
        }

        value = FromSignedSeconds((long)ntp);
        return true;
    }

    /// <summary>
    /// Converts NTP seconds to a UTC <see cref="DateTimeOffset"/>. Throws
    /// <see cref="ArgumentOutOfRangeException"/> when <paramref name="ntp"/> is above
    /// <see cref="MaxSeconds"/> (after 9999-12-31T23:59:59Z); see <see cref="TryToDateTimeOffset"/>.
    /// </summary>
    public static DateTimeOffset ToDateTimeOffset(ulong ntp) => TryToDateTimeOffset(ntp, out var value)
        ? value
        : throw new ArgumentOutOfRangeException(nameof(ntp), ntp, $"NTP time {ntp} is after 9999-12-31T23:59:59Z (NTP {MaxSeconds}), the last instant a DateTimeOffset can hold.");

    /// <summary>
    /// Converts an instant to NTP seconds. Any UTC offset is allowed; a fraction of a second is
    /// dropped (truncated towards 1900), so the result is never later than <paramref name="value"/>.
    /// Throws <see cref="ArgumentOutOfRangeException"/> before 1900-01-01T00:00:00Z, which NTP
    /// seconds cannot express.
    /// </summary>
    public static ulong FromDateTimeOffset(DateTimeOffset value)
    {
        var ticks = value.UtcTicks - Epoch.UtcTicks;
        if (ticks < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "NTP time starts at 1900-01-01T00:00:00Z; earlier instants have no NTP seconds.");
        }

        return (ulong)(ticks / TimeSpan.TicksPerSecond);
    }

    /// <summary>Signed seconds of <see cref="DateTimeOffset.MinValue"/>: -59926608000 (0001-01-01).</summary>
    internal static long MinSignedSeconds => -(Epoch.UtcTicks / TimeSpan.TicksPerSecond);

    /// <summary>Signed seconds of the last whole second a <see cref="DateTimeOffset"/> holds.</summary>
    internal static long MaxSignedSeconds => (DateTimeOffset.MaxValue.UtcTicks - Epoch.UtcTicks) / TimeSpan.TicksPerSecond;

    /// <summary>
    /// Signed seconds since 1900 (negative before) to UTC; the caller keeps
    /// <paramref name="seconds"/> within [<see cref="MinSignedSeconds"/>, <see cref="MaxSignedSeconds"/>].
    /// </summary>
    internal static DateTimeOffset FromSignedSeconds(long seconds) => new(Epoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The whole second at or before <paramref name="value"/>, signed.</summary>
    internal static long FloorSeconds(DateTimeOffset value) => SdpMath.FloorDiv(value.UtcTicks - Epoch.UtcTicks, TimeSpan.TicksPerSecond);

    /// <summary>The whole second at or after <paramref name="value"/>, signed.</summary>
    internal static long CeilingSeconds(DateTimeOffset value) => SdpMath.CeilingDiv(value.UtcTicks - Epoch.UtcTicks, TimeSpan.TicksPerSecond);
}

/// <summary>Integer division that rounds the way schedules need, for any sign of the dividend.</summary>
internal static class SdpMath
{
    /// <summary>⌊a / b⌋ for b &gt; 0.</summary>
    public static long FloorDiv(long a, long b)
    {
        var quotient = Math.DivRem(a, b, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    /// <summary>⌈a / b⌉ for b &gt; 0.</summary>
    public static long CeilingDiv(long a, long b)
    {
        var quotient = Math.DivRem(a, b, out var remainder);
        return remainder > 0 ? quotient + 1 : quotient;
    }
}

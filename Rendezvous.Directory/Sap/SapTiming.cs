namespace Rendezvous.Directory.Sap;

/// <summary>
/// The announcement timing rules of RFC 2974 section 3.1, as pure functions: the caller counts the
/// announcements heard, measures its own and supplies the randomness, so nothing here reads a clock.
/// </summary>
public static class SapTiming
{
    /// <summary>The bandwidth limit for SAP in a scope when none is configured: 4000 bits per second.</summary>
    public const double DefaultBandwidthLimit = 4000;

    /// <summary>The shortest base interval between announcements of one session: 300 seconds.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(300);

    /// <summary>The shortest time a listener keeps a session it no longer hears: one hour.</summary>
    public static readonly TimeSpan MinimumSessionTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// The base interval: max(300 s, 8 x <paramref name="numberOfAds"/> x <paramref name="adSizeBytes"/> /
    /// <paramref name="bandwidthLimit"/>), with the number of announcements heard in the group
    /// (ours included), the size of ours in octets and the group's limit in bits per second.
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a negative count or size or a limit that is not positive.
    /// </summary>
    public static TimeSpan AnnouncementInterval(int numberOfAds, int adSizeBytes, double bandwidthLimit = DefaultBandwidthLimit) =>
        AnnouncementInterval(numberOfAds, adSizeBytes, bandwidthLimit, MinimumInterval);

    /// <summary>
    /// As <see cref="AnnouncementInterval(int, int, double)"/> with another floor than 300 s. Only tests
    /// lower it (a listener waiting five minutes for a first repetition makes a slow test); the RFC's
    /// floor is <see cref="MinimumInterval"/>. Throws <see cref="ArgumentOutOfRangeException"/> as the
    /// other overload does, and for a negative floor.
    /// </summary>
    public static TimeSpan AnnouncementInterval(int numberOfAds, int adSizeBytes, double bandwidthLimit, TimeSpan minimum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(numberOfAds);
        ArgumentOutOfRangeException.ThrowIfNegative(adSizeBytes);
        if (!(bandwidthLimit > 0) || double.IsInfinity(bandwidthLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(bandwidthLimit), bandwidthLimit, "The bandwidth limit is a positive number of bits per second.");
        }

        var seconds = 8.0 * numberOfAds * adSizeBytes / bandwidthLimit;
        return seconds > minimum.TotalSeconds ? TimeSpan.FromSeconds(seconds) : minimum;
    }

    /// <summary>
    /// The time to the next announcement: <paramref name="interval"/> plus an offset uniform in
    /// [-interval/3, +interval/3], picked by <paramref name="unit"/> in [0, 1): 0 gives 2/3 of the
    /// interval, 0.5 the interval itself. Throws <see cref="ArgumentOutOfRangeException"/> for a
    /// negative interval or a <paramref name="unit"/> outside [0, 1).
    /// </summary>
    public static TimeSpan JitteredInterval(TimeSpan interval, double unit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        if (!(unit >= 0 && unit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(unit), unit, "The random unit is in [0, 1).");
        }

        return interval + (interval * ((2 * unit) - 1) / 3);
    }

    /// <summary><see cref="JitteredInterval(TimeSpan, double)"/> with the unit drawn from <paramref name="random"/>.</summary>
    public static TimeSpan JitteredInterval(TimeSpan interval, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return JitteredInterval(interval, random.NextDouble());
    }

    /// <summary>
    /// How long a listener keeps a session after its last announcement: max(10 x interval, 1 hour).
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a negative interval.
    /// </summary>
    public static TimeSpan SessionTimeout(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        var tenIntervals = interval * 10;
        return tenIntervals > MinimumSessionTimeout ? tenIntervals : MinimumSessionTimeout;
    }
}

namespace Rendezvous.Directory.Sdp;

/// <summary>Arithmetic on the o= line's decimal numbers, which may be any length.</summary>
public static class SdpNumbers
{
    /// <summary>
    /// Adds one to a decimal number of any length, exactly ("99" gives "100"; 30 digits stay
    /// exact). Throws <see cref="FormatException"/> when <paramref name="digits"/> is not 1*DIGIT.
    /// </summary>
    public static string Increment(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length == 0 || !digits.AsSpan().ContainsOnlyAsciiDigits())
        {
            throw new FormatException($"'{digits}' is not a decimal number.");
        }

        var result = digits.ToCharArray();
        for (var i = result.Length - 1; i >= 0; i--)
        {
            if (result[i] != '9')
            {
                result[i]++;
                return new string(result);
            }

            result[i] = '0';
        }

        return "1" + new string(result);
    }

    /// <summary>
    /// A new session id or version based on the NTP clock, as RFC 8866 section 5.2 suggests:
    /// the 64-bit NTP timestamp (seconds and fraction) in decimal, so two descriptions made
    /// in the same second still differ.
    /// </summary>
    public static string NewSessionId(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var seconds = (ulong)(now.ToUnixTimeSeconds() + (long)NtpEpochOffsetSeconds);
        var fraction = (ulong)(now.Ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return ((seconds << 32) | fraction).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).</summary>
    public const ulong NtpEpochOffsetSeconds = 2208988800;
}

internal static class SpanExtensions
{
    public static bool ContainsOnlyAsciiDigits(this ReadOnlySpan<char> span) => !span.ContainsAnyExceptInRange('0', '9');
}

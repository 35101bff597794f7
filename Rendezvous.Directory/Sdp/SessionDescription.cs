namespace Rendezvous.Directory.Sdp;

/// <summary>
/// An SDP session description (RFC 8866 section 5; RFC 4566 and RFC 2327 compatible),
/// as an immutable value. Lines keep their RFC order: v o s i u e* p* c b* (t r* z)+ k a* m*.
/// Two descriptions are equal when every field is.
/// </summary>
public sealed record SessionDescription
{
    /// <summary>v=: the protocol version. Always 0 today.</summary>
    public int Version { get; init; }

    /// <summary>o=: who made the session, and its id and version.</summary>
    public required SdpOrigin Origin { get; init; }

    /// <summary>s=: the session name. RFC 8866 allows a single space when there is none.</summary>
    public required string Name { get; init; }

    /// <summary>i=: free-text information about the session.</summary>
    public string? Information { get; init; }

    /// <summary>u=: a URI with more about the session.</summary>
    public string? Uri { get; init; }

    /// <summary>e=: e-mail addresses, as written (e.g. "j.doe@example.com (Jane Doe)").</summary>
    public ValueList<string> Emails { get; init; }

    /// <summary>p=: phone numbers, as written.</summary>
    public ValueList<string> Phones { get; init; }

    /// <summary>c= at session level: the default connection for media without their own.</summary>
    public SdpConnection? Connection { get; init; }

    /// <summary>b= at session level.</summary>
    public ValueList<SdpBandwidth> Bandwidths { get; init; }

    /// <summary>t= lines, each with its r= and z= lines. At least one in a valid description.</summary>
    public ValueList<SdpTime> Times { get; init; }

    /// <summary>k= at session level (obsolete in RFC 8866; kept for round trips).</summary>
    public SdpKey? Key { get; init; }

    /// <summary>a= at session level, in their original order.</summary>
    public ValueList<SdpAttribute> Attributes { get; init; }

    /// <summary>m= sections, in order.</summary>
    public ValueList<SdpMedia> Media { get; init; }
}

/// <summary>o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; &lt;nettype&gt; &lt;addrtype&gt; &lt;unicast-address&gt;.</summary>
/// <param name="SessionId">Decimal digits exactly as written: real programs use 20+ digits, so never a fixed-size integer.</param>
/// <param name="SessionVersion">Decimal digits exactly as written; see <see cref="SdpNumbers.Increment"/>.</param>
public sealed record SdpOrigin(string Username, string SessionId, string SessionVersion, string NetworkType, string AddressType, string UnicastAddress)
{
    /// <summary>
    /// RFC 8866 section 5.2: user name, sess-id, nettype, addrtype and unicast address together
    /// identify a session; sess-version does not (it changes with every edit).
    /// </summary>
    public bool IsSameSession(SdpOrigin other) =>
        other is not null &&
        string.Equals(Username, other.Username, StringComparison.Ordinal) &&
        string.Equals(SessionId, other.SessionId, StringComparison.Ordinal) &&
        string.Equals(NetworkType, other.NetworkType, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(AddressType, other.AddressType, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(UnicastAddress, other.UnicastAddress, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt;. For IP4 multicast the address
/// carries /ttl[/count]; for IP6 multicast /count.
/// </summary>
/// <param name="Address">The address or host name, without /ttl or /count.</param>
/// <param name="Ttl">IPv4 multicast TTL (0-255); null when absent.</param>
/// <param name="Count">Number of consecutive multicast addresses; null when absent.</param>
public sealed record SdpConnection(string NetworkType, string AddressType, string Address, int? Ttl = null, int? Count = null);

/// <summary>b=&lt;bwtype&gt;:&lt;bandwidth&gt;, e.g. CT:128 or AS:64 (kbit/s), or an X- extension.</summary>
public sealed record SdpBandwidth(string Type, long Value);

/// <summary>
/// t=&lt;start&gt; &lt;stop&gt; in NTP seconds (seconds since 1900-01-01 UTC, 64-bit), with the
/// r= lines that repeat it and the z= adjustments that apply to them (RFC 8866 section 5.11).
/// </summary>
/// <param name="Start">0 together with <paramref name="Stop"/> 0 means permanent.</param>
/// <param name="Stop">0 means unbounded.</param>
public sealed record SdpTime(ulong Start, ulong Stop)
{
    public ValueList<SdpRepeat> Repeats { get; init; }

    public ValueList<SdpZoneAdjustment> ZoneAdjustments { get; init; }

    public bool IsPermanent => Start == 0 && Stop == 0;

    public bool IsUnbounded => Stop == 0;
}

/// <summary>r=&lt;repeat interval&gt; &lt;active duration&gt; &lt;offsets from start-time&gt;.</summary>
public sealed record SdpRepeat(SdpTypedTime Interval, SdpTypedTime ActiveDuration, ValueList<SdpTypedTime> Offsets);

/// <summary>One z= pair: from NTP time <paramref name="AdjustmentTime"/> on, repeat times shift by <paramref name="Offset"/>.</summary>
public sealed record SdpZoneAdjustment(ulong AdjustmentTime, SdpTypedTime Offset);

/// <summary>Units of a typed time. <see cref="None"/> is a bare number of seconds.</summary>
public enum SdpTimeUnit
{
    None,
    Seconds,
    Minutes,
    Hours,
    Days,
}

/// <summary>A typed time as written ("7d", "-1h", "3600"), so it writes back the same way.</summary>
public readonly record struct SdpTypedTime(long Value, SdpTimeUnit Unit = SdpTimeUnit.None)
{
    /// <summary>The duration in seconds.</summary>
    public long TotalSeconds => checked(Value * Unit switch
    {
        SdpTimeUnit.Days => 86400,
        SdpTimeUnit.Hours => 3600,
        SdpTimeUnit.Minutes => 60,
        _ => 1,
    });

    public static SdpTypedTime FromSeconds(long seconds) => new(seconds);

    /// <summary>
    /// RFC 8866 section 9: typed-time = 1*DIGIT [fixed-len-time-unit], with an optional '-'
    /// where <paramref name="allowNegative"/> (z= offsets). At most 14 digits, so that even
    /// days fit in 64-bit seconds.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, bool allowNegative, out SdpTypedTime time)
    {
        time = default;
        var negative = allowNegative && text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var unit = SdpTimeUnit.None;
        if (!digits.IsEmpty && !char.IsAsciiDigit(digits[^1]))
        {
            unit = digits[^1] switch
            {
                'd' => SdpTimeUnit.Days,
                'h' => SdpTimeUnit.Hours,
                'm' => SdpTimeUnit.Minutes,
                's' => SdpTimeUnit.Seconds,
                _ => (SdpTimeUnit)(-1),
            };
            digits = digits[..^1];
        }

        if ((int)unit < 0 || digits.IsEmpty || digits.Length > 14 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        var number = long.Parse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
        time = new SdpTypedTime(negative ? -number : number, unit);
        return true;
    }

    public override string ToString() => Unit switch
    {
        SdpTimeUnit.Days => $"{Value}d",
        SdpTimeUnit.Hours => $"{Value}h",
        SdpTimeUnit.Minutes => $"{Value}m",
        SdpTimeUnit.Seconds => $"{Value}s",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>k=&lt;method&gt;[:&lt;encryption key&gt;]: clear, base64, uri or prompt.</summary>
public sealed record SdpKey(string Method, string? Value = null);

/// <summary>a=&lt;name&gt; (a property attribute, <paramref name="Value"/> null) or a=&lt;name&gt;:&lt;value&gt;.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "\"attribute\" is SDP's own name for a= lines.")]
public sealed record SdpAttribute(string Name, string? Value = null);

/// <summary>m=&lt;media&gt; &lt;port&gt;[/&lt;count&gt;] &lt;proto&gt; &lt;fmt&gt; ... with the section's own lines.</summary>
/// <param name="Kind">audio, video, text, application, message, or another token.</param>
/// <param name="PortCount">The /count after the port; null when absent. For RTP it counts RTP/RTCP port pairs.</param>
public sealed record SdpMedia(string Kind, int Port, int? PortCount, string Proto, ValueList<string> Formats)
{
    /// <summary>i= of the section (TAPI's ITMedia.MediaTitle).</summary>
    public string? Information { get; init; }

    /// <summary>c= lines of the section; several are allowed.</summary>
    public ValueList<SdpConnection> Connections { get; init; }

    public ValueList<SdpBandwidth> Bandwidths { get; init; }

    public SdpKey? Key { get; init; }

    public ValueList<SdpAttribute> Attributes { get; init; }
}

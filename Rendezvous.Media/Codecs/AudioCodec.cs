using System.Globalization;

namespace Rendezvous.Media.Codecs;

/// <summary>
/// An RTP audio payload format as SDP's rtpmap names it (RFC 3551, RFC 8866 section 6.6): payload type,
/// encoding name, clock rate and channels. Nothing here assumes 8 kHz: timestamp arithmetic goes through
/// <see cref="ClockRate"/>.
/// </summary>
public sealed record AudioCodec
{
    /// <summary>RFC 3551 section 6: the dynamic payload type range.</summary>
    public const byte FirstDynamicPayloadType = 96;

    public const byte LastDynamicPayloadType = 127;

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a payload type above 127, a clock rate or channel
    /// count of 0 or less; <see cref="ArgumentException"/> for an empty encoding name.
    /// </summary>
    public AudioCodec(byte payloadType, string encodingName, int clockRate, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, LastDynamicPayloadType);
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        PayloadType = payloadType;
        EncodingName = encodingName;
        ClockRate = clockRate;
        Channels = channels;
    }

    /// <summary>G.711 mu-law: static payload type 0, 8000 Hz (RFC 3551 table 4).</summary>
    public static AudioCodec Pcmu { get; } = new(0, "PCMU", 8000);

    /// <summary>G.711 A-law: static payload type 8, 8000 Hz (RFC 3551 table 4).</summary>
    public static AudioCodec Pcma { get; } = new(8, "PCMA", 8000);

    public byte PayloadType { get; }

    public string EncodingName { get; }

    /// <summary>RTP timestamp units per second.</summary>
    public int ClockRate { get; }

    public int Channels { get; }

    /// <summary>True for payload types 96-127, which SDP binds with an rtpmap.</summary>
    public bool IsDynamic => PayloadType >= FirstDynamicPayloadType;

    /// <summary>The rtpmap value: "PCMU/8000", or "opus/48000/2" when there is more than one channel.</summary>
    public string RtpMap => Channels == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{EncodingName}/{ClockRate}")
        : string.Create(CultureInfo.InvariantCulture, $"{EncodingName}/{ClockRate}/{Channels}");

    /// <summary>
    /// RFC 4733 telephone-event at a dynamic payload type (its clock rate should match the audio's).
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a payload type outside 96-127.
    /// </summary>
    public static AudioCodec CreateTelephoneEvent(byte payloadType, int clockRate = 8000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadType, FirstDynamicPayloadType);
        return new AudioCodec(payloadType, "telephone-event", clockRate);
    }

    /// <summary>Whether an rtpmap's name, rate and channels describe this format (names compare case-insensitively, RFC 4855 section 3).</summary>
    public bool Matches(string encodingName, int clockRate, int channels = 1) =>
        string.Equals(EncodingName, encodingName, StringComparison.OrdinalIgnoreCase) && ClockRate == clockRate && Channels == channels;

    /// <summary>RTP timestamp units (samples per channel) in <paramref name="duration"/>, rounded down: 160 for 20 ms at 8000 Hz.</summary>
    public int GetTimestampUnits(TimeSpan duration) => (int)(duration.Ticks * ClockRate / TimeSpan.TicksPerSecond);

    /// <summary>The duration of <paramref name="units"/> RTP timestamp units.</summary>
    public TimeSpan GetDuration(long units) => TimeSpan.FromTicks(units * TimeSpan.TicksPerSecond / ClockRate);
}

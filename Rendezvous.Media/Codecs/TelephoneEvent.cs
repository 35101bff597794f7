using System.Buffers.Binary;

namespace Rendezvous.Media.Codecs;

/// <summary>
/// One RFC 4733 telephone-event payload (section 2.3), 4 octets:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     event     |E|R| volume    |          duration             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
/// <param name="Event">Section 3.2: 0-9 are the digits, 10 is *, 11 is #, 12-15 are A-D.</param>
/// <param name="IsEnd">E: the last packets of the event.</param>
/// <param name="Volume">0 to 63: the power level in -dBm0 (0 is loudest).</param>
/// <param name="Duration">In RTP timestamp units since the event's timestamp.</param>
public readonly record struct TelephoneEvent(byte Event, bool IsEnd, byte Volume, ushort Duration)
{
    /// <summary>The encoded length, always 4 octets (what a GetEncodedLength would return).</summary>
    public const int Length = 4;

    public const byte MaxVolume = 63;

    private const byte EndBit = 0x80;
    private const byte ReservedBit = 0x40;

    /// <summary>R: senders set it to 0 and receivers ignore it (section 2.3.3); kept so a relay can pass it on unchanged.</summary>
    public bool Reserved { get; init; }

    /// <summary>
    /// Decodes a payload of exactly 4 octets. Never throws. On false, <paramref name="errorOffset"/> is the
    /// payload's length when it is shorter, or 4 (the first extra octet) when it is longer.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out TelephoneEvent value, out int errorOffset)
    {
        value = default;
        if (payload.Length != Length)
        {
            errorOffset = Math.Min(payload.Length, Length);
            return false;
        }

        errorOffset = 0;
        value = new TelephoneEvent(
            payload[0],
            (payload[1] & EndBit) != 0,
            (byte)(payload[1] & MaxVolume),
            BinaryPrimitives.ReadUInt16BigEndian(payload[2..]))
        {
            Reserved = (payload[1] & ReservedBit) != 0,
        };
        return true;
    }

    /// <summary>Writes the 4 octets; false when <paramref name="destination"/> is shorter. Throws <see cref="ArgumentOutOfRangeException"/> for a volume above 63.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Volume, MaxVolume, nameof(Volume));
        if (destination.Length < Length)
        {
            written = 0;
            return false;
        }

        destination[0] = Event;
        destination[1] = (byte)((IsEnd ? EndBit : 0) | (Reserved ? ReservedBit : 0) | Volume);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Duration);
        written = Length;
        return true;
    }

    /// <summary>The DTMF character of events 0-15 ("0123456789*#ABCD"); null for any other event.</summary>
    public char? DtmfDigit => Event < 16 ? "0123456789*#ABCD"[Event] : null;
}

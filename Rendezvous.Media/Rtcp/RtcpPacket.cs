using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// One RTCP packet of a compound (RFC 3550 section 6): an immutable record compared by value, with
/// <see cref="GetEncodedLength"/> and <see cref="TryWrite"/>. Packets are written without padding.
/// </summary>
/// <remarks>
/// Common header (section 6.4.1):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  count  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// length is the packet's size in 32-bit words minus one, header and padding included.
/// </remarks>
public abstract record RtcpPacket
{
    /// <summary>The common header: V, P, count, PT, length.</summary>
    public const int HeaderLength = 4;

    /// <summary>The count field is 5 bits.</summary>
    public const int MaxCount = 31;

    internal const int Version = 2;
    internal const byte PaddingBit = 0x20;
    internal const byte CountMask = 0x1F;

    private protected RtcpPacket()
    {
    }

    public abstract RtcpPacketType PacketType { get; }

    /// <summary>The 5-bit count the header carries (report blocks, chunks, sources, or a subtype).</summary>
    private protected abstract int HeaderCount { get; }

    /// <summary>
    /// The exact number of octets <see cref="TryWrite"/> writes. Throws <see cref="ArgumentException"/> when the
    /// packet cannot be put on the wire: a count above 31, a text longer than 255 UTF-8 octets, a field out
    /// of its range, data that is not whole 32-bit words, or more than 65536 words in all.
    /// </summary>
    public int GetEncodedLength()
    {
        var length = HeaderLength + GetBodyLength();
        if (HeaderCount > MaxCount)
        {
            throw new ArgumentException($"A {PacketType} packet carries at most {MaxCount} items in its count field, not {HeaderCount}.");
        }

        if (length / 4 > ushort.MaxValue + 1)
        {
            throw new ArgumentException($"A {PacketType} packet of {length} octets does not fit the 16-bit length field.");
        }

        return length;
    }

    /// <summary>Writes the packet; false (and nothing written) when <paramref name="destination"/> is too short. Throws as <see cref="GetEncodedLength"/>.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        var length = GetEncodedLength();
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        // 6.4.1: V=2, P=0, count | PT | length in 32-bit words minus one.
        destination[0] = (byte)((Version << 6) | HeaderCount);
        destination[1] = (byte)PacketType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((length / 4) - 1));
        WriteBody(destination[HeaderLength..length]);
        written = length;
        return true;
    }

    /// <summary>The body's length after the common header, a multiple of 4; throws <see cref="ArgumentException"/> for what cannot be encoded.</summary>
    private protected abstract int GetBodyLength();

    /// <summary>Writes exactly <see cref="GetBodyLength"/> octets.</summary>
    private protected abstract void WriteBody(Span<byte> body);

    /// <summary>
    /// Sections 6.5, 6.6: consumes the null octets that fill up to the next 32-bit boundary of the packet
    /// starting at <paramref name="packetOffset"/>.
    /// </summary>
    internal static RtcpFault SkipFill(ref WireReader body, int packetOffset, RtcpDecodeError whenMissing)
    {
        while ((body.Offset - packetOffset) % 4 != 0)
        {
            var at = body.Offset;
            if (!body.TryReadByte(out var fill))
            {
                return new RtcpFault(whenMissing, at);
            }

            if (fill != 0)
            {
                return new RtcpFault(RtcpDecodeError.AlignmentNotZero, at);
            }
        }

        return RtcpFault.None;
    }

    /// <summary>Rounds up to whole 32-bit words.</summary>
    internal static int Align(int length) => (length + 3) & ~3;

    internal static bool TryReadText(ReadOnlySpan<byte> bytes, out string text)
    {
        // Checked first, so hostile bytes cost no exception.
        var valid = Utf8.IsValid(bytes);
        text = valid ? Encoding.UTF8.GetString(bytes) : "";
        return valid;
    }

    /// <summary>The UTF-8 length of a text field with a one-octet length (sections 6.5, 6.6); throws beyond 255 octets.</summary>
    internal static int TextLength(string text, string paramName)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (length > byte.MaxValue)
        {
            throw new ArgumentException($"\"{text[..Math.Min(text.Length, 20)]}...\" is {length} UTF-8 octets; the field holds at most 255.", paramName);
        }

        return length;
    }

    /// <summary>Writes a length octet and the UTF-8 text; returns the octets written.</summary>
    internal static int WriteText(Span<byte> destination, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, destination[1..]);
        destination[0] = (byte)length;
        return 1 + length;
    }
}

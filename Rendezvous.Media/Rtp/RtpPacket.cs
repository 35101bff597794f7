using System.Buffers.Binary;

namespace Rendezvous.Media.Rtp;

/// <summary>
/// A validated, read-only view of one RTP packet (RFC 3550 section 5.1). Nothing is copied: the
/// CSRC list, the extension and <see cref="Payload"/> are slices of the datagram, valid as long as it is.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (if X, section 5.3.1)
/// |                        header extension                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 payload ...   |  padding ...  | padding count |  (padding if P)
/// </code>
/// A default instance (from a failed decode) has no datagram; reading its fields throws.
/// </remarks>
public readonly ref struct RtpPacket
{
    /// <summary>RFC 3550 section 5.1: the header up to and including the SSRC.</summary>
    public const int FixedHeaderLength = 12;

    /// <summary>RFC 3550 section 5.1: CC is 4 bits.</summary>
    public const int MaxCsrcCount = 15;

    /// <summary>The only version RFC 3550 defines.</summary>
    public const int Version = 2;

    /// <summary>RFC 3550 section 5.1: PT is 7 bits.</summary>
    public const byte MaxPayloadType = 0x7F;

    internal const byte VersionBits = Version << 6;
    internal const byte PaddingBit = 0x20;
    internal const byte ExtensionBit = 0x10;
    internal const byte CsrcCountMask = 0x0F;
    internal const byte MarkerBit = 0x80;

    // RFC 3550 section 5.3.1: profile-defined 16 bits, then the length in 32-bit words.
    internal const int ExtensionHeaderLength = 4;

    private readonly ReadOnlySpan<byte> _datagram;
    private readonly int _extensionStart;
    private readonly int _payloadStart;
    private readonly int _paddingLength;

    private RtpPacket(ReadOnlySpan<byte> datagram, int extensionStart, int payloadStart, int paddingLength)
    {
        _datagram = datagram;
        _extensionStart = extensionStart;
        _payloadStart = payloadStart;
        _paddingLength = paddingLength;
    }

    /// <summary>The whole packet as received.</summary>
    public ReadOnlySpan<byte> Datagram => _datagram;

    /// <summary>P: the packet ends with <see cref="PaddingLength"/> octets of padding.</summary>
    public bool HasPadding => (_datagram[0] & PaddingBit) != 0;

    /// <summary>X: a header extension follows the CSRC list (possibly of zero words).</summary>
    public bool HasExtension => (_datagram[0] & ExtensionBit) != 0;

    /// <summary>CC: 0 to 15.</summary>
    public int CsrcCount => _datagram[0] & CsrcCountMask;

    public bool Marker => (_datagram[1] & MarkerBit) != 0;

    /// <summary>PT: 0 to 127.</summary>
    public byte PayloadType => (byte)(_datagram[1] & MaxPayloadType);

    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_datagram[2..]);

    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(_datagram[4..]);

    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_datagram[8..]);

    /// <summary>The CSRC list as raw octets (4 per identifier, network order).</summary>
    public ReadOnlySpan<byte> CsrcBytes => _datagram[FixedHeaderLength.._extensionStart];

    /// <summary>The defined-by-profile field of the extension; 0 when there is none.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_datagram[_extensionStart..]) : (ushort)0;

    /// <summary>The extension's data after its 4-octet header (a multiple of 4 octets); empty when there is none.</summary>
    public ReadOnlySpan<byte> ExtensionData =>
        HasExtension ? _datagram[(_extensionStart + ExtensionHeaderLength).._payloadStart] : [];

    /// <summary>Octets before the payload: fixed header, CSRCs and extension.</summary>
    public int HeaderLength => _payloadStart;

    /// <summary>The payload, without padding; may be empty.</summary>
    public ReadOnlySpan<byte> Payload => _datagram[_payloadStart..(_datagram.Length - _paddingLength)];

    /// <summary>The padding octets including the count octet; 0 when P is clear.</summary>
    public int PaddingLength => _paddingLength;

    /// <summary>The CSRC at <paramref name="index"/>; throws <see cref="ArgumentOutOfRangeException"/> outside 0..CsrcCount-1.</summary>
    public uint GetCsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(_datagram[(FixedHeaderLength + (4 * index))..]);
    }

    /// <summary>
    /// Validates <paramref name="datagram"/> as an RTP packet and returns a view of it, or the rule it breaks
    /// with its byte offset. Never throws. Checks (appendix A.1): 12 octets, V=2, the CSRC list and the
    /// extension inside the datagram, and a padding count from 1 to the octets after the header.
    /// </summary>
    public static RtpDecodeResult Read(ReadOnlySpan<byte> datagram)
    {
        // 5.1: the fixed header is 12 octets.
        if (datagram.Length < FixedHeaderLength)
        {
            return new RtpDecodeResult(RtpDecodeError.TooShort, datagram.Length);
        }

        // 5.1: V is the top two bits and must be 2.
        var first = datagram[0];
        if ((first >> 6) != Version)
        {
            return new RtpDecodeResult(RtpDecodeError.UnsupportedVersion, 0);
        }

        // 5.1: CC 32-bit CSRC identifiers follow the fixed header.
        var extensionStart = FixedHeaderLength + (4 * (first & CsrcCountMask));
        if (extensionStart > datagram.Length)
        {
            return new RtpDecodeResult(RtpDecodeError.CsrcListTruncated, FixedHeaderLength);
        }

        var payloadStart = extensionStart;
        if ((first & ExtensionBit) != 0)
        {
            // 5.3.1: 16 bits defined by profile, 16 bits length in 32-bit words not counting this header.
            if (datagram.Length - extensionStart < ExtensionHeaderLength)
            {
                return new RtpDecodeResult(RtpDecodeError.ExtensionHeaderTruncated, extensionStart);
            }

            var words = BinaryPrimitives.ReadUInt16BigEndian(datagram[(extensionStart + 2)..]);
            payloadStart = extensionStart + ExtensionHeaderLength + (4 * words);
            if (payloadStart > datagram.Length)
            {
                return new RtpDecodeResult(RtpDecodeError.ExtensionTruncated, extensionStart + 2);
            }
        }

        var paddingLength = 0;
        if ((first & PaddingBit) != 0)
        {
            // 5.1: the last octet counts the padding, itself included; it cannot be 0 nor eat into the header
            // (A.1: "less than the total packet length minus the header size").
            var countAt = datagram.Length - 1;
            paddingLength = datagram[countAt];
            if (paddingLength == 0)
            {
                return new RtpDecodeResult(RtpDecodeError.PaddingCountZero, countAt);
            }

            if (paddingLength > datagram.Length - payloadStart)
            {
                return new RtpDecodeResult(RtpDecodeError.PaddingTooLong, countAt);
            }
        }

        return new RtpDecodeResult(new RtpPacket(datagram, extensionStart, payloadStart, paddingLength));
    }

    /// <summary>As <see cref="Read"/>, for callers that only need to know whether the datagram is a valid packet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out RtpPacket packet)
    {
        var result = Read(datagram);
        packet = result.Packet;
        return result.IsValid;
    }

    /// <summary>
    /// A builder holding this packet's fields, payload and padding length, to re-encode it (for example after
    /// rewriting the SSRC or sequence number). Its spans point into this packet's datagram.
    /// </summary>
    public RtpPacketBuilder ToBuilder() => new()
    {
        Marker = Marker,
        PayloadType = PayloadType,
        SequenceNumber = SequenceNumber,
        Timestamp = Timestamp,
        Ssrc = Ssrc,
        CsrcBytes = CsrcBytes,
        HasExtension = HasExtension,
        ExtensionProfile = ExtensionProfile,
        ExtensionData = ExtensionData,
        Payload = Payload,
        PaddingLength = PaddingLength,
    };

    public override string ToString() =>
        _datagram.IsEmpty
            ? "(no packet)"
            : $"PT {PayloadType} seq {SequenceNumber} ts {Timestamp} ssrc {Ssrc:x8}{(Marker ? " M" : "")} csrc {CsrcCount} ext {ExtensionData.Length} payload {Payload.Length} pad {PaddingLength}";
}

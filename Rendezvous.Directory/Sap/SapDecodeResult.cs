namespace Rendezvous.Directory.Sap;

/// <summary>What <see cref="SapDecoder.Decode"/> made of a datagram.</summary>
public enum SapDecodeStatus
{
    /// <summary>A SAP packet whose session description could be read.</summary>
    Valid,

    /// <summary>
    /// A well-framed SAP packet with E = 1: its header is known (<see cref="SapDecodeResult.Packet"/>
    /// holds the encrypted bytes), but without the key its payload cannot be read.
    /// </summary>
    Encrypted,

    /// <summary>Not a SAP packet one can read; a listener drops it. <see cref="SapDecodeResult.Error"/> says why.</summary>
    Invalid,
}

/// <summary>Why a datagram is <see cref="SapDecodeStatus.Invalid"/> (RFC 2974 section 3).</summary>
public enum SapDecodeError
{
    None,

    /// <summary>Fewer than the 4 octets of the fixed header; the offset is the datagram's length.</summary>
    TooShort,

    /// <summary>V is not 1; offset 0.</summary>
    UnsupportedVersion,

    /// <summary>The originating source (4 or 16 octets, by the A bit) does not fit; the offset is where it starts (4).</summary>
    OriginTruncated,

    /// <summary>The authentication length (in 32-bit words) runs past the datagram; the offset is that length field (1).</summary>
    AuthenticationTruncated,

    /// <summary>Nothing after the authentication data, or nothing after the payload type; the offset is the datagram's length (the compressed data's start when C = 1).</summary>
    MissingPayload,

    /// <summary>The payload neither starts as SDP (v=0) nor holds a NUL ending a payload type; the offset is where the payload type would start.</summary>
    PayloadTypeUnterminated,

    /// <summary>The octets before the NUL are not a MIME type (printable ASCII type/subtype); the offset is the payload type's start.</summary>
    InvalidPayloadType,

    /// <summary>A well-formed MIME type other than application/sdp; the offset is the payload type's start.</summary>
    UnknownPayloadType,

    /// <summary>C = 1 and the data is not exactly one complete zlib stream (RFC 1950: bad header, bad deflate data, truncated, a wrong Adler-32, or octets after its end); the offset is the compressed data's start.</summary>
    CompressedDataCorrupt,

    /// <summary>C = 1 and the data decompresses to more than the decoder's limit; the offset is the compressed data's start.</summary>
    DecompressedTooLarge,
}

/// <summary>What a listener may want to know about a readable packet (RFC 2974 section 3); a listener may discard such packets.</summary>
[Flags]
public enum SapDecodeWarnings
{
    None = 0,

    /// <summary>The message identifier hash is 0: legal on receipt (SAPv0 compatibility), not for senders.</summary>
    ZeroMessageIdHash = 1,

    /// <summary>The originating source is 0.0.0.0 or ::, which senders must not use.</summary>
    UnspecifiedOrigin = 2,
}

/// <summary>
/// The outcome of <see cref="SapDecoder.Decode"/>: the packet when valid or encrypted, otherwise the rule
/// broken and the 0-based byte offset it was found at, and warnings a listener may act on.
/// </summary>
public sealed class SapDecodeResult
{
    private SapDecodeResult(SapDecodeStatus status, SapPacket? packet, SapDecodeError error, int offset, SapDecodeWarnings warnings)
    {
        Status = status;
        Packet = packet;
        Error = error;
        Offset = offset;
        Warnings = warnings;
    }

    public SapDecodeStatus Status { get; }

    /// <summary>The packet; non-null exactly when <see cref="Status"/> is not <see cref="SapDecodeStatus.Invalid"/>.</summary>
    public SapPacket? Packet { get; }

    public SapDecodeError Error { get; }

    /// <summary>
    /// 0-based datagram offset of the offending field (see each <see cref="SapDecodeError"/>); for an
    /// encrypted packet, where the encrypted data starts; 0 when valid. A problem found inside
    /// decompressed data is reported at the compressed data's start.
    /// </summary>
    public int Offset { get; }

    public SapDecodeWarnings Warnings { get; }

    public bool IsValid => Status == SapDecodeStatus.Valid;

    public override string ToString() => Status switch
    {
        SapDecodeStatus.Valid => $"valid: {Packet}{(Warnings == SapDecodeWarnings.None ? "" : $" ({Warnings})")}",
        SapDecodeStatus.Encrypted => $"encrypted from byte {Offset}: {Packet}",
        _ => $"{Error} at byte {Offset}",
    };

    internal static SapDecodeResult Valid(SapPacket packet, SapDecodeWarnings warnings) =>
        new(SapDecodeStatus.Valid, packet, SapDecodeError.None, 0, warnings);

    internal static SapDecodeResult EncryptedPacket(SapPacket packet, int offset, SapDecodeWarnings warnings) =>
        new(SapDecodeStatus.Encrypted, packet, SapDecodeError.None, offset, warnings);

    internal static SapDecodeResult Invalid(SapDecodeError error, int offset) =>
        new(SapDecodeStatus.Invalid, null, error, offset, SapDecodeWarnings.None);
}

namespace Rendezvous.Media.Rtp;

/// <summary>Why <see cref="RtpPacket.Read"/> rejected a datagram (RFC 3550 section 5.1 and appendix A.1).</summary>
public enum RtpDecodeError
{
    None,

    /// <summary>Fewer than the 12 octets of the fixed header; the offset is the datagram's length.</summary>
    TooShort,

    /// <summary>The V field is not 2; offset 0.</summary>
    UnsupportedVersion,

    /// <summary>CC announces more CSRCs than the datagram holds; the offset is the CSRC list's start (12).</summary>
    CsrcListTruncated,

    /// <summary>X is set but the 4-octet extension header does not fit; the offset is where it would start.</summary>
    ExtensionHeaderTruncated,

    /// <summary>The extension's length (in 32-bit words) runs past the datagram; the offset is that length field.</summary>
    ExtensionTruncated,

    /// <summary>P is set and the last octet (the padding count) is 0; the offset is that octet.</summary>
    PaddingCountZero,

    /// <summary>P is set and the padding count exceeds the octets after the header; the offset is the count octet.</summary>
    PaddingTooLong,
}

/// <summary>
/// The outcome of <see cref="RtpPacket.Read"/>: the packet view when valid, otherwise the rule broken and
/// the 0-based byte offset it was found at. A ref struct because the packet is a view over the datagram.
/// </summary>
public readonly ref struct RtpDecodeResult
{
    internal RtpDecodeResult(RtpPacket packet)
    {
        Packet = packet;
        Error = RtpDecodeError.None;
        Offset = 0;
    }

    internal RtpDecodeResult(RtpDecodeError error, int offset)
    {
        Packet = default;
        Error = error;
        Offset = offset;
    }

    /// <summary>The packet; <c>default</c> (and unusable) unless <see cref="IsValid"/>.</summary>
    public RtpPacket Packet { get; }

    public RtpDecodeError Error { get; }

    /// <summary>0-based offset of the offending field; 0 when valid.</summary>
    public int Offset { get; }

    public bool IsValid => Error == RtpDecodeError.None;

    public override string ToString() => IsValid ? "valid: " + Packet.ToString() : $"{Error} at byte {Offset}";
}

using System.Buffers.Binary;

namespace Rendezvous.Media.Rtp;

/// <summary>
/// The fields of an RTP packet to write (RFC 3550 section 5.1), with <see cref="GetEncodedLength"/> and
/// <see cref="TryWrite"/>. Allocation-free: the CSRCs, extension and payload are spans the caller owns.
/// </summary>
/// <remarks>
/// <see cref="GetHeaderLength"/> and <see cref="GetEncodedLength"/> and <see cref="TryWrite"/> throw
/// <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) for fields that cannot
/// go on the wire: a payload type above 127, more than 15 CSRCs, both <see cref="Csrcs"/> and
/// <see cref="CsrcBytes"/> set, CSRC octets not a multiple of 4, extension data without
/// <see cref="HasExtension"/> or not a multiple of 4 octets or longer than 65535 words, padding outside 0..255.
/// A payload may already sit in the destination at <see cref="GetHeaderLength"/> (encoded in place): it is
/// moved first, and overlapping copies are safe. The CSRC and extension spans must not overlap the destination.
/// </remarks>
public ref struct RtpPacketBuilder
{
    public bool Marker { get; set; }

    /// <summary>0 to 127.</summary>
    public byte PayloadType { get; set; }

    public ushort SequenceNumber { get; set; }

    public uint Timestamp { get; set; }

    public uint Ssrc { get; set; }

    /// <summary>Contributing sources, at most 15 (for a mixer, section 7.3).</summary>
    public ReadOnlySpan<uint> Csrcs { get; set; }

    /// <summary>Contributing sources already in wire form (4 octets each), as <see cref="RtpPacket.CsrcBytes"/> gives them.</summary>
    public ReadOnlySpan<byte> CsrcBytes { get; set; }

    /// <summary>Writes X and the extension header (section 5.3.1), even when <see cref="ExtensionData"/> is empty.</summary>
    public bool HasExtension { get; set; }

    public ushort ExtensionProfile { get; set; }

    /// <summary>A multiple of 4 octets, at most 65535 words.</summary>
    public ReadOnlySpan<byte> ExtensionData { get; set; }

    public ReadOnlySpan<byte> Payload { get; set; }

    /// <summary>0 for none; otherwise 1 to 255 octets, the last being the count (written as zeros then the count).</summary>
    public int PaddingLength { get; set; }

    /// <summary>Octets before the payload: 12, plus 4 per CSRC, plus 4 and the extension data when there is one.</summary>
    public readonly int GetHeaderLength()
    {
        Validate();
        return RtpPacket.FixedHeaderLength
            + (4 * CsrcCount)
            + (HasExtension ? RtpPacket.ExtensionHeaderLength + ExtensionData.Length : 0);
    }

    /// <summary>The exact number of octets <see cref="TryWrite"/> writes.</summary>
    public readonly int GetEncodedLength() => GetHeaderLength() + Payload.Length + PaddingLength;

    /// <summary>Writes the packet; false (and nothing written) when <paramref name="destination"/> is too short.</summary>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        var headerLength = GetHeaderLength();
        var length = headerLength + Payload.Length + PaddingLength;
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        // The payload first: it may be in the destination already, possibly overlapping.
        Payload.CopyTo(destination[headerLength..]);

        // 5.1: V=2, P, X, CC | M, PT | sequence number | timestamp | SSRC.
        destination[0] = (byte)(RtpPacket.VersionBits
            | (PaddingLength > 0 ? RtpPacket.PaddingBit : 0)
            | (HasExtension ? RtpPacket.ExtensionBit : 0)
            | CsrcCount);
        destination[1] = (byte)((Marker ? RtpPacket.MarkerBit : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);

        var at = RtpPacket.FixedHeaderLength;
        foreach (var csrc in Csrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[at..], csrc);
            at += 4;
        }

        CsrcBytes.CopyTo(destination[at..]);
        at += CsrcBytes.Length;

        if (HasExtension)
        {
            // 5.3.1: the length counts 32-bit words after the 4-octet extension header.
            BinaryPrimitives.WriteUInt16BigEndian(destination[at..], ExtensionProfile);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(at + 2)..], (ushort)(ExtensionData.Length / 4));
            ExtensionData.CopyTo(destination[(at + RtpPacket.ExtensionHeaderLength)..]);
        }

        if (PaddingLength > 0)
        {
            // 5.1: the last padding octet is the count, itself included.
            var padding = destination.Slice(length - PaddingLength, PaddingLength);
            padding.Clear();
            padding[^1] = (byte)PaddingLength;
        }

        written = length;
        return true;
    }

    private readonly int CsrcCount => Csrcs.Length + (CsrcBytes.Length / 4);

    private readonly void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PayloadType, RtpPacket.MaxPayloadType, nameof(PayloadType));
        if (!Csrcs.IsEmpty && !CsrcBytes.IsEmpty)
        {
            throw new ArgumentException("Set either Csrcs or CsrcBytes, not both.", nameof(CsrcBytes));
        }

        if (CsrcBytes.Length % 4 != 0)
        {
            throw new ArgumentException($"CsrcBytes holds {CsrcBytes.Length} octets, not a whole number of 4-octet identifiers.", nameof(CsrcBytes));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(CsrcCount, RtpPacket.MaxCsrcCount, nameof(Csrcs));
        if (!HasExtension && !ExtensionData.IsEmpty)
        {
            throw new ArgumentException("ExtensionData is set but HasExtension is false.", nameof(ExtensionData));
        }

        if (ExtensionData.Length % 4 != 0 || ExtensionData.Length / 4 > ushort.MaxValue)
        {
            throw new ArgumentException($"The extension data ({ExtensionData.Length} octets) must be whole 32-bit words, at most 65535 (RFC 3550 section 5.3.1).", nameof(ExtensionData));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(PaddingLength, nameof(PaddingLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PaddingLength, byte.MaxValue, nameof(PaddingLength));
    }
}

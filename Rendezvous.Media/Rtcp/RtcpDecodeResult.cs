namespace Rendezvous.Media.Rtcp;

/// <summary>Why <see cref="RtcpCompound.Read"/> rejected a datagram (RFC 3550 sections 6.1, 6.4 to 6.6, appendix A.2).</summary>
public enum RtcpDecodeError
{
    None,

    /// <summary>Fewer than 4 octets where a packet header should start (including an empty datagram); the offset is that start.</summary>
    TooShort,

    /// <summary>A packet's V field is not 2; the offset is the packet's first octet.</summary>
    UnsupportedVersion,

    /// <summary>6.1: the first packet of a compound is neither SR (200) nor RR (201); the offset is its PT octet.</summary>
    FirstPacketNotReport,

    /// <summary>A packet's length field (32-bit words minus one) runs past the datagram; the offset is that field.</summary>
    LengthOverrun,

    /// <summary>6.1 and A.2: P is set on a packet that is not the last; the offset is the packet's first octet.</summary>
    PaddingNotLast,

    /// <summary>6.4.1: the padding count is 0, not a multiple of 4, or more than the packet after its header; the offset is the count octet.</summary>
    PaddingInvalid,

    /// <summary>The count field (report blocks, SDES chunks, BYE sources) needs more octets than the packet has; the offset is the packet's first octet.</summary>
    CountExceedsLength,

    /// <summary>6.5: an SDES item's length runs past the packet; the offset is the item's type octet.</summary>
    SdesItemTruncated,

    /// <summary>6.5: an SDES chunk ends without its null item type or its padding to 32 bits; the offset is where the octet is missing.</summary>
    SdesChunkUnterminated,

    /// <summary>6.5, 6.6: an octet that fills to the next 32-bit boundary is not 0; the offset is that octet.</summary>
    AlignmentNotZero,

    /// <summary>6.6: the BYE reason's length runs past the packet; the offset is the length octet.</summary>
    ByeReasonTruncated,

    /// <summary>6.5, 6.6: an SDES text (CNAME, NAME, TOOL) or BYE reason is not UTF-8; the offset is its first octet.</summary>
    TextNotUtf8,

    /// <summary>Octets after what an SDES or BYE packet's count describes (and its fill); the offset is the first of them.</summary>
    TrailingData,
}

/// <summary>
/// The outcome of <see cref="RtcpCompound.Read"/>: the packets in wire order when valid, otherwise the rule
/// broken, the 0-based byte offset it was found at, and the index of the packet it was found in.
/// </summary>
public sealed class RtcpDecodeResult
{
    internal RtcpDecodeResult(RtcpList<RtcpPacket> packets)
    {
        Packets = packets;
    }

    internal RtcpDecodeResult(RtcpDecodeError error, int offset, int packetIndex)
    {
        Error = error;
        Offset = offset;
        PacketIndex = packetIndex;
    }

    /// <summary>The packets, first an SR or RR; empty when not valid.</summary>
    public RtcpList<RtcpPacket> Packets { get; }

    public RtcpDecodeError Error { get; }

    /// <summary>0-based offset of the problem in the datagram; 0 when valid.</summary>
    public int Offset { get; }

    /// <summary>0-based index of the packet the problem is in; 0 when valid.</summary>
    public int PacketIndex { get; }

    public bool IsValid => Error == RtcpDecodeError.None;

    public override string ToString() =>
        IsValid ? $"valid: {string.Join(", ", Packets.Select(p => p.PacketType))}" : $"{Error} at byte {Offset} (packet {PacketIndex})";
}

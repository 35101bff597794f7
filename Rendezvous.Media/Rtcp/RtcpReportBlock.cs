using System.Buffers.Binary;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// One reception report block of an SR or RR (RFC 3550 section 6.4.1), 24 octets:
/// <code>
/// |                 SSRC_n (source identifier)                    |
/// | fraction lost |       cumulative number of packets lost       |
/// |           extended highest sequence number received           |
/// |                      interarrival jitter                      |
/// |                         last SR (LSR)                         |
/// |                   delay since last SR (DLSR)                  |
/// </code>
/// </summary>
/// <param name="FractionLost">Packets lost in the interval / expected, as a fixed-point fraction * 256.</param>
/// <param name="CumulativeLost">Signed 24 bits: -8388608 to 8388607 (duplicates can make it negative).</param>
/// <param name="Jitter">Interarrival jitter in RTP timestamp units (appendix A.8).</param>
/// <param name="LastSenderReport">Middle 32 bits of the NTP timestamp of the last SR from the source; 0 when none.</param>
/// <param name="DelaySinceLastSenderReport">1/65536 s between receiving that SR and sending this block; 0 when none.</param>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    public const int Length = 24;

    public const int MaxCumulativeLost = 0x7FFFFF;

    public const int MinCumulativeLost = -0x800000;

    /// <summary>
    /// RFC 3550 section 6.4.1: RTT = A - LSR - DLSR in 1/65536 s, where <paramref name="arrival"/> (A) is the
    /// middle 32 bits of the NTP time this block arrived. False when LSR is 0 (the source has had no SR from
    /// us) or when the result would be negative (clocks or fields inconsistent).
    /// </summary>
    public static bool TryComputeRoundTrip(uint arrival, uint lastSenderReport, uint delaySinceLastSenderReport, out uint roundTrip)
    {
        // Modulo 2^32: A and LSR may straddle a wrap of the 16.16 short format (every 18.2 hours).
        var sinceLastSenderReport = arrival - lastSenderReport;
        if (lastSenderReport == 0 || (int)sinceLastSenderReport < 0 || sinceLastSenderReport < delaySinceLastSenderReport)
        {
            roundTrip = 0;
            return false;
        }

        roundTrip = sinceLastSenderReport - delaySinceLastSenderReport;
        return true;
    }

    /// <summary>
    /// The round-trip time from this block, received at <paramref name="arrival"/> (see
    /// <see cref="TryComputeRoundTrip"/>); false when LSR is 0 or the result would be negative.
    /// </summary>
    public bool TryGetRoundTripTime(NtpTimestamp arrival, out TimeSpan roundTrip)
    {
        var ok = TryComputeRoundTrip(arrival.Middle32, LastSenderReport, DelaySinceLastSenderReport, out var units);
        roundTrip = NtpTimestamp.FromShortFormat(units);
        return ok;
    }

    internal static RtcpReportBlock Read(ReadOnlySpan<byte> bytes)
    {
        var lossWord = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]);
        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(bytes),
            (byte)(lossWord >> 24),
            (int)(lossWord << 8) >> 8, // sign-extend the 24-bit field
            BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]));
    }

    internal void Validate()
    {
        if (CumulativeLost is < MinCumulativeLost or > MaxCumulativeLost)
        {
            throw new ArgumentException($"Cumulative lost {CumulativeLost} of SSRC {Ssrc:x8} does not fit 24 signed bits (RFC 3550 section 6.4.1).");
        }
    }

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ((uint)FractionLost << 24) | ((uint)CumulativeLost & 0xFFFFFF));
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }
}

/// <summary>
/// The sender information of an SR (RFC 3550 section 6.4.1), 20 octets: NTP timestamp, the RTP timestamp
/// of the same instant, and the sender's packet and payload-octet counts.
/// </summary>
public readonly record struct RtcpSenderInfo(NtpTimestamp NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    public const int Length = 20;

    internal static RtcpSenderInfo Read(ReadOnlySpan<byte> bytes) => new(
        new NtpTimestamp(BinaryPrimitives.ReadUInt64BigEndian(bytes)),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]));

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, NtpTimestamp.Value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], OctetCount);
    }
}

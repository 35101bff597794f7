using System.Buffers.Binary;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// What SR and RR share (RFC 3550 sections 6.4.1, 6.4.2): the reporter's SSRC, up to 31 report blocks, and
/// the profile-specific extension that may follow them (kept as received, whole 32-bit words).
/// </summary>
public abstract record RtcpReportPacket(uint Ssrc, RtcpList<RtcpReportBlock> ReportBlocks) : RtcpPacket
{
    /// <summary>Section 6.4.1: profile-specific data after the report blocks; a multiple of 4 octets, usually empty.</summary>
    public RtcpList<byte> ProfileExtension { get; init; }

    private protected override int HeaderCount => ReportBlocks.Count;

    private protected abstract int SenderInfoLength { get; }

    private protected override int GetBodyLength()
    {
        foreach (var block in ReportBlocks)
        {
            block.Validate();
        }

        if (ProfileExtension.Count % 4 != 0)
        {
            throw new ArgumentException($"The profile-specific extension ({ProfileExtension.Count} octets) must be whole 32-bit words.", nameof(ProfileExtension));
        }

        // SSRC(4) + sender info (SR only, 20) + report blocks (24 each) + extension.
        return 4 + SenderInfoLength + (RtcpReportBlock.Length * ReportBlocks.Count) + ProfileExtension.Count;
    }

    private protected override void WriteBody(Span<byte> body)
    {
        BinaryPrimitives.WriteUInt32BigEndian(body, Ssrc);
        WriteSenderInfo(body[4..]);
        var at = 4 + SenderInfoLength;
        foreach (var block in ReportBlocks)
        {
            block.Write(body[at..]);
            at += RtcpReportBlock.Length;
        }

        ProfileExtension.AsSpan().CopyTo(body[at..]);
    }

    private protected virtual void WriteSenderInfo(Span<byte> destination)
    {
    }

    /// <summary>Decodes an SR or RR body; the profile extension takes whatever follows the report blocks.</summary>
    internal static RtcpFault Decode(RtcpPacketType type, WireReader body, int count, int packetOffset, out RtcpPacket? packet)
    {
        packet = null;
        var senderInfoLength = type == RtcpPacketType.SenderReport ? RtcpSenderInfo.Length : 0;

        // 6.4.1: SSRC of sender, sender info (SR), then RC report blocks of 24 octets.
        if (!body.TryReadUInt32(out var ssrc)
            || !body.TryTake(senderInfoLength, out var senderInfo)
            || !body.TryTake(RtcpReportBlock.Length * count, out var blockBytes))
        {
            return new RtcpFault(RtcpDecodeError.CountExceedsLength, packetOffset);
        }

        var blocks = new RtcpReportBlock[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = RtcpReportBlock.Read(blockBytes[(RtcpReportBlock.Length * i)..]);
        }

        // 6.4.1: "profile-specific extensions" may follow; the body is whole words, so this is too.
        body.TryTake(body.Remaining, out var extension);
        var reportBlocks = new RtcpList<RtcpReportBlock>(blocks);
        var profileExtension = RtcpList.Create(extension);
        packet = type == RtcpPacketType.SenderReport
            ? new RtcpSenderReport(ssrc, RtcpSenderInfo.Read(senderInfo), reportBlocks) { ProfileExtension = profileExtension }
            : new RtcpReceiverReport(ssrc, reportBlocks) { ProfileExtension = profileExtension };
        return RtcpFault.None;
    }
}

/// <summary>SR, packet type 200 (RFC 3550 section 6.4.1): sender information plus reception reports.</summary>
public sealed record RtcpSenderReport(uint Ssrc, RtcpSenderInfo SenderInfo, RtcpList<RtcpReportBlock> ReportBlocks)
    : RtcpReportPacket(Ssrc, ReportBlocks)
{
    public override RtcpPacketType PacketType => RtcpPacketType.SenderReport;

    private protected override int SenderInfoLength => RtcpSenderInfo.Length;

    private protected override void WriteSenderInfo(Span<byte> destination) => SenderInfo.Write(destination);
}

/// <summary>RR, packet type 201 (RFC 3550 section 6.4.2): reception reports from a participant that has not sent.</summary>
public sealed record RtcpReceiverReport(uint Ssrc, RtcpList<RtcpReportBlock> ReportBlocks)
    : RtcpReportPacket(Ssrc, ReportBlocks)
{
    public override RtcpPacketType PacketType => RtcpPacketType.ReceiverReport;

    private protected override int SenderInfoLength => 0;
}

/// <summary>A decoding failure inside one packet: what and where (absolute offset).</summary>
internal readonly record struct RtcpFault(RtcpDecodeError Error, int Offset)
{
    public static RtcpFault None => default;

    public bool IsNone => Error == RtcpDecodeError.None;
}

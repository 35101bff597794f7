using System.Buffers.Binary;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// Compound RTCP packets (RFC 3550 section 6.1): decoding a datagram into typed packets, encoding a list of
/// packets, and building this service's own report (SR or RR, SDES CNAME, optionally BYE).
/// </summary>
/// <remarks>
/// Decoding checks, in order, for each packet (appendix A.2): 4 octets of header, V=2, the first packet
/// an SR or RR, the length field within the datagram, P only on the last packet with a count that is a
/// non-zero multiple of 4 inside the packet, then the body of its type. The packets must fill the
/// datagram exactly. Non-compound (RFC 5506 reduced-size) RTCP is not accepted.
/// </remarks>
public static class RtcpCompound
{
    /// <summary>Decodes one datagram. Never throws: any problem comes back with its kind, offset and packet index.</summary>
    public static RtcpDecodeResult Read(ReadOnlySpan<byte> datagram)
    {
        var packets = new List<RtcpPacket>(3);
        var offset = 0;
        do
        {
            var index = packets.Count;
            if (datagram.Length - offset < RtcpPacket.HeaderLength)
            {
                return new RtcpDecodeResult(RtcpDecodeError.TooShort, offset, index);
            }

            // A.2: the version is 2 in every packet.
            var first = datagram[offset];
            if ((first >> 6) != RtcpPacket.Version)
            {
                return new RtcpDecodeResult(RtcpDecodeError.UnsupportedVersion, offset, index);
            }

            // 6.1 and A.2: a compound starts with SR or RR.
            var type = (RtcpPacketType)datagram[offset + 1];
            if (index == 0 && type is not (RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport))
            {
                return new RtcpDecodeResult(RtcpDecodeError.FirstPacketNotReport, offset + 1, index);
            }

            // 6.4.1: length in 32-bit words minus one, header and padding included.
            var length = (BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]) + 1) * 4;
            if (length > datagram.Length - offset)
            {
                return new RtcpDecodeResult(RtcpDecodeError.LengthOverrun, offset + 2, index);
            }

            var bodyLength = length - RtcpPacket.HeaderLength;
            if ((first & RtcpPacket.PaddingBit) != 0)
            {
                // 6.1 and A.2: only the last packet may be padded.
                if (offset + length != datagram.Length)
                {
                    return new RtcpDecodeResult(RtcpDecodeError.PaddingNotLast, offset, index);
                }

                // 6.4.1: the last octet counts the padding, itself included, "a multiple of four".
                var countAt = offset + length - 1;
                var padding = datagram[countAt];
                if (padding == 0 || padding % 4 != 0 || padding > bodyLength)
                {
                    return new RtcpDecodeResult(RtcpDecodeError.PaddingInvalid, countAt, index);
                }

                bodyLength -= padding;
            }

            var body = new WireReader(datagram.Slice(offset + RtcpPacket.HeaderLength, bodyLength), offset + RtcpPacket.HeaderLength);
            var count = first & RtcpPacket.CountMask;
            RtcpPacket? packet;
            var fault = type switch
            {
                RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport => RtcpReportPacket.Decode(type, body, count, offset, out packet),
                RtcpPacketType.SourceDescription => RtcpSourceDescription.Decode(body, count, offset, out packet),
                RtcpPacketType.Goodbye => RtcpGoodbye.Decode(body, count, offset, out packet),
                _ => DecodeRaw(type, body, count, out packet),
            };
            if (!fault.IsNone)
            {
                return new RtcpDecodeResult(fault.Error, fault.Offset, index);
            }

            packets.Add(packet!);
            offset += length;
        }
        while (offset < datagram.Length);

        return new RtcpDecodeResult(RtcpList.From(packets));
    }

    /// <summary>As <see cref="Read"/>, when only the packets matter; false (and an empty list) for an invalid datagram.</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out RtcpList<RtcpPacket> packets)
    {
        var result = Read(datagram);
        packets = result.Packets;
        return result.IsValid;
    }

    /// <summary>
    /// The exact octets <see cref="TryWrite"/> writes. Throws <see cref="ArgumentException"/> when the list is
    /// empty, the first packet is not an SR or RR (section 6.1), or a packet cannot be encoded (see
    /// <see cref="RtcpPacket.GetEncodedLength"/>).
    /// </summary>
    public static int GetEncodedLength(IReadOnlyList<RtcpPacket> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        if (packets.Count == 0 || packets[0] is not RtcpReportPacket)
        {
            throw new ArgumentException("A compound RTCP packet starts with an SR or RR (RFC 3550 section 6.1).", nameof(packets));
        }

        var length = 0;
        foreach (var packet in packets)
        {
            length += packet.GetEncodedLength();
        }

        return length;
    }

    /// <summary>Writes the packets back to back, unpadded; false (nothing written) when <paramref name="destination"/> is too short. Throws as <see cref="GetEncodedLength"/>.</summary>
    public static bool TryWrite(IReadOnlyList<RtcpPacket> packets, Span<byte> destination, out int written)
    {
        var length = GetEncodedLength(packets);
        written = 0;
        if (destination.Length < length)
        {
            return false;
        }

        foreach (var packet in packets)
        {
            packet.TryWrite(destination[written..], out var one);
            written += one;
        }

        return true;
    }

    /// <summary>Encodes into a new array; throws as <see cref="GetEncodedLength"/>.</summary>
    public static byte[] Encode(IReadOnlyList<RtcpPacket> packets)
    {
        var bytes = new byte[GetEncodedLength(packets)];
        TryWrite(packets, bytes, out _);
        return bytes;
    }

    /// <summary>
    /// This service's regular report for <paramref name="ssrc"/> (sections 6.1, 6.4): an SR when
    /// <paramref name="senderInfo"/> is given (it sent RTP since the last report), else an RR; the report
    /// blocks, 31 to a packet, extra ones in further RRs (section 6.4.2); then SDES with the CNAME.
    /// Throws <see cref="ArgumentException"/> for a CNAME over 255 UTF-8 octets or a cumulative loss outside 24 bits.
    /// </summary>
    public static RtcpList<RtcpPacket> CreateReport(uint ssrc, RtcpSenderInfo? senderInfo, ReadOnlySpan<RtcpReportBlock> reportBlocks, string cname) =>
        Build(ssrc, senderInfo, reportBlocks, cname, goodbye: null);

    /// <summary>
    /// As <see cref="CreateReport"/>, followed by a BYE for <paramref name="ssrc"/> with an optional reason
    /// (section 6.6: the BYE is the last packet of a compound). Throws also for a reason over 255 UTF-8 octets.
    /// </summary>
    public static RtcpList<RtcpPacket> CreateGoodbye(uint ssrc, RtcpSenderInfo? senderInfo, ReadOnlySpan<RtcpReportBlock> reportBlocks, string cname, string? reason = null) =>
        Build(ssrc, senderInfo, reportBlocks, cname, new RtcpGoodbye([ssrc], reason));

    private static RtcpList<RtcpPacket> Build(uint ssrc, RtcpSenderInfo? senderInfo, ReadOnlySpan<RtcpReportBlock> reportBlocks, string cname, RtcpGoodbye? goodbye)
    {
        ArgumentNullException.ThrowIfNull(cname);
        var packets = new List<RtcpPacket>(4);
        var first = reportBlocks[..Math.Min(reportBlocks.Length, RtcpPacket.MaxCount)];
        packets.Add(senderInfo is { } info
            ? new RtcpSenderReport(ssrc, info, RtcpList.Create(first))
            : new RtcpReceiverReport(ssrc, RtcpList.Create(first)));
        for (var at = first.Length; at < reportBlocks.Length; at += RtcpPacket.MaxCount)
        {
            var more = reportBlocks[at..Math.Min(reportBlocks.Length, at + RtcpPacket.MaxCount)];
            packets.Add(new RtcpReceiverReport(ssrc, RtcpList.Create(more)));
        }

        packets.Add(new RtcpSourceDescription([new RtcpSdesChunk(ssrc, [new RtcpSdesItem(RtcpSdesItemType.Cname, cname)])]));
        if (goodbye is not null)
        {
            packets.Add(goodbye);
        }

        var compound = RtcpList.From(packets);
        GetEncodedLength(compound); // fail here, not when sending
        return compound;
    }

    private static RtcpFault DecodeRaw(RtcpPacketType type, WireReader body, int count, out RtcpPacket? packet)
    {
        body.TryTake(body.Remaining, out var payload);
        packet = new RtcpRawPacket(type, (byte)count, RtcpList.Create(payload));
        return RtcpFault.None;
    }
}

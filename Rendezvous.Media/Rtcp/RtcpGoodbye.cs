using System.Buffers.Binary;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// BYE, packet type 203 (RFC 3550 section 6.6): up to 31 sources leaving, and optionally a reason (one
/// length octet and up to 255 octets of UTF-8, null-filled to 32 bits). A null reason is absent; an empty
/// one is present with length 0.
/// </summary>
/// <remarks>Encoding throws <see cref="ArgumentException"/> for a reason over 255 UTF-8 octets.</remarks>
public sealed record RtcpGoodbye(RtcpList<uint> Sources, string? Reason = null) : RtcpPacket
{
    public override RtcpPacketType PacketType => RtcpPacketType.Goodbye;

    private protected override int HeaderCount => Sources.Count;

    private protected override int GetBodyLength() =>
        (4 * Sources.Count) + (Reason is null ? 0 : Align(1 + TextLength(Reason, nameof(Reason))));

    private protected override void WriteBody(Span<byte> body)
    {
        body.Clear();
        var at = 0;
        foreach (var source in Sources)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body[at..], source);
            at += 4;
        }

        if (Reason is not null)
        {
            WriteText(body[at..], Reason);
        }
    }

    internal static RtcpFault Decode(WireReader body, int count, int packetOffset, out RtcpPacket? packet)
    {
        packet = null;
        var sources = new uint[count];
        for (var i = 0; i < count; i++)
        {
            if (!body.TryReadUInt32(out sources[i]))
            {
                return new RtcpFault(RtcpDecodeError.CountExceedsLength, packetOffset);
            }
        }

        string? reason = null;
        if (body.Remaining > 0)
        {
            // 6.6: "an 8-bit octet count followed by that many octets of text".
            var reasonOffset = body.Offset;
            body.TryReadByte(out var length);
            if (!body.TryTake(length, out var text))
            {
                return new RtcpFault(RtcpDecodeError.ByeReasonTruncated, reasonOffset);
            }

            if (!TryReadText(text, out reason))
            {
                return new RtcpFault(RtcpDecodeError.TextNotUtf8, reasonOffset + 1);
            }

            // 6.6: "the BYE packet MUST be padded with null octets to the next 32-bit boundary".
            var fill = SkipFill(ref body, packetOffset, RtcpDecodeError.ByeReasonTruncated);
            if (!fill.IsNone)
            {
                return fill;
            }

            if (body.Remaining != 0)
            {
                return new RtcpFault(RtcpDecodeError.TrailingData, body.Offset);
            }
        }

        packet = new RtcpGoodbye(new RtcpList<uint>(sources), reason);
        return RtcpFault.None;
    }
}

/// <summary>
/// A packet this library does not model, kept whole so it can be forwarded: APP (204), RTPFB and PSFB
/// (RFC 4585), XR (RFC 3611), or any other type. <see cref="Payload"/> is everything after the common
/// header (padding removed), a multiple of 4 octets.
/// </summary>
public sealed record RtcpRawPacket : RtcpPacket
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> for types 200-203 (decoded as their own records, so a raw one
    /// would not round-trip), a count above 31, or a payload that is not whole 32-bit words.
    /// </summary>
    public RtcpRawPacket(RtcpPacketType packetType, byte count, RtcpList<byte> payload)
    {
        if (packetType is >= RtcpPacketType.SenderReport and <= RtcpPacketType.Goodbye)
        {
            throw new ArgumentException($"Packet type {(byte)packetType} has its own record; use it instead.", nameof(packetType));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (byte)MaxCount);
        if (payload.Count % 4 != 0)
        {
            throw new ArgumentException($"An RTCP payload of {payload.Count} octets is not whole 32-bit words.", nameof(payload));
        }

        PacketType = packetType;
        Count = count;
        Payload = payload;
    }

    public override RtcpPacketType PacketType { get; }

    /// <summary>The 5-bit field after P (a subtype for APP and feedback packets).</summary>
    public byte Count { get; }

    public RtcpList<byte> Payload { get; }

    private protected override int HeaderCount => Count;

    private protected override int GetBodyLength() => Payload.Count;

    private protected override void WriteBody(Span<byte> body) => Payload.AsSpan().CopyTo(body);
}

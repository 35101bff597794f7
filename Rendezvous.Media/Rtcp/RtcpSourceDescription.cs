using System.Buffers.Binary;

namespace Rendezvous.Media.Rtcp;

/// <summary>One SDES item: type, then a one-octet length and up to 255 octets of UTF-8 text (section 6.5).</summary>
public readonly record struct RtcpSdesItem(RtcpSdesItemType Type, string Text);

/// <summary>
/// One SDES chunk (section 6.5): a source and its items. Decoding keeps CNAME, NAME and TOOL items in wire
/// order and skips the others (EMAIL, PHONE, LOC, NOTE, PRIV, unknown types) after checking their length.
/// </summary>
public sealed record RtcpSdesChunk(uint Source, RtcpList<RtcpSdesItem> Items)
{
    /// <summary>The first CNAME item's text; null when there is none.</summary>
    public string? Cname => Find(RtcpSdesItemType.Cname);

    /// <summary>The first NAME item's text; null when there is none.</summary>
    public string? Name => Find(RtcpSdesItemType.Name);

    /// <summary>The first TOOL item's text; null when there is none.</summary>
    public string? Tool => Find(RtcpSdesItemType.Tool);

    private string? Find(RtcpSdesItemType type)
    {
        foreach (var item in Items)
        {
            if (item.Type == type)
            {
                return item.Text;
            }
        }

        return null;
    }
}

/// <summary>
/// SDES, packet type 202 (RFC 3550 section 6.5): up to 31 chunks, each starting on a 32-bit boundary and
/// ending with a null item type plus null octets up to the next boundary.
/// </summary>
/// <remarks>Encoding throws <see cref="ArgumentException"/> for an item of type <see cref="RtcpSdesItemType.End"/> or a text over 255 UTF-8 octets.</remarks>
public sealed record RtcpSourceDescription(RtcpList<RtcpSdesChunk> Chunks) : RtcpPacket
{
    public override RtcpPacketType PacketType => RtcpPacketType.SourceDescription;

    private protected override int HeaderCount => Chunks.Count;

    private protected override int GetBodyLength()
    {
        var length = 0;
        foreach (var chunk in Chunks)
        {
            // SSRC/CSRC(4), each item type(1) length(1) text, the null type (1), then null octets to 32 bits.
            var chunkLength = 4 + 1;
            foreach (var item in chunk.Items)
            {
                if (item.Type == RtcpSdesItemType.End)
                {
                    throw new ArgumentException($"SDES item type 0 ends a chunk and cannot be an item (source {chunk.Source:x8}).", nameof(Chunks));
                }

                chunkLength += 1 + 1 + TextLength(item.Text, nameof(Chunks));
            }

            length += Align(chunkLength);
        }

        return length;
    }

    private protected override void WriteBody(Span<byte> body)
    {
        body.Clear();
        var at = 0;
        foreach (var chunk in Chunks)
        {
            BinaryPrimitives.WriteUInt32BigEndian(body[at..], chunk.Source);
            var itemAt = at + 4;
            foreach (var item in chunk.Items)
            {
                body[itemAt] = (byte)item.Type;
                itemAt += 1 + WriteText(body[(itemAt + 1)..], item.Text);
            }

            // 6.5: the null item type, and null octets to the boundary (already cleared).
            at = Align(itemAt + 1);
        }
    }

    internal static RtcpFault Decode(WireReader body, int count, int packetOffset, out RtcpPacket? packet)
    {
        packet = null;
        var chunks = new RtcpSdesChunk[count];
        var items = new List<RtcpSdesItem>();
        for (var i = 0; i < count; i++)
        {
            // 6.5: each chunk starts with its SSRC/CSRC on a 32-bit boundary.
            if (!body.TryReadUInt32(out var source))
            {
                return new RtcpFault(RtcpDecodeError.CountExceedsLength, packetOffset);
            }

            items.Clear();
            var fault = ReadItems(ref body, packetOffset, items);
            if (!fault.IsNone)
            {
                return fault;
            }

            chunks[i] = new RtcpSdesChunk(source, RtcpList.From(items));
        }

        // Nothing may follow the counted chunks (padding, if any, was removed by the caller).
        if (body.Remaining != 0)
        {
            return new RtcpFault(RtcpDecodeError.TrailingData, body.Offset);
        }

        packet = new RtcpSourceDescription(new RtcpList<RtcpSdesChunk>(chunks));
        return RtcpFault.None;
    }

    /// <summary>Reads items up to and including the null type and the fill to the next 32-bit boundary.</summary>
    private static RtcpFault ReadItems(ref WireReader body, int packetOffset, List<RtcpSdesItem> items)
    {
        while (true)
        {
            var itemOffset = body.Offset;
            if (!body.TryReadByte(out var type))
            {
                return new RtcpFault(RtcpDecodeError.SdesChunkUnterminated, itemOffset);
            }

            if (type == (byte)RtcpSdesItemType.End)
            {
                // 6.5: "additional null octets MUST be included if needed to pad until the next 32-bit boundary".
                return SkipFill(ref body, packetOffset, RtcpDecodeError.SdesChunkUnterminated);
            }

            // 6.5: type(8) length(8) text; the length counts the text only.
            if (!body.TryReadByte(out var length) || !body.TryTake(length, out var text))
            {
                return new RtcpFault(RtcpDecodeError.SdesItemTruncated, itemOffset);
            }

            if (type is (byte)RtcpSdesItemType.Cname or (byte)RtcpSdesItemType.Name or (byte)RtcpSdesItemType.Tool)
            {
                if (!TryReadText(text, out var value))
                {
                    return new RtcpFault(RtcpDecodeError.TextNotUtf8, itemOffset + 2);
                }

                items.Add(new RtcpSdesItem((RtcpSdesItemType)type, value));
            }
        }
    }
}

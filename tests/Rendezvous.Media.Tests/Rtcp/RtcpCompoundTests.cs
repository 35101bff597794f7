using Rendezvous.Media.Rtcp;
using static Rendezvous.Media.Tests.MediaSamples;
using static Rendezvous.Media.Tests.Rtcp.RtcpSamples;

namespace Rendezvous.Media.Tests.Rtcp;

public sealed class RtcpCompoundTests
{
    [Fact]
    public void Sender_report_and_sdes_fields()
    {
        var result = RtcpCompound.Read(Hex(SenderReport + SdesCnameTool));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(2, result.Packets.Count);

        var sr = Assert.IsType<RtcpSenderReport>(result.Packets[0]);
        Assert.Equal(RtcpPacketType.SenderReport, sr.PacketType);
        Assert.Equal(0x11223344u, sr.Ssrc);
        Assert.Equal(0xE8A1B2C3_80000000ul, sr.SenderInfo.NtpTimestamp.Value);
        Assert.Equal(0x00010000u, sr.SenderInfo.RtpTimestamp);
        Assert.Equal(100u, sr.SenderInfo.PacketCount);
        Assert.Equal(16000u, sr.SenderInfo.OctetCount);
        var block = Assert.Single(sr.ReportBlocks);
        Assert.Equal(new RtcpReportBlock(0xAABBCCDD, 64, -2, 0x0001FFFF, 32, 0xB7052000, 0x00054000), block);
        Assert.True(sr.ProfileExtension.IsEmpty);

        var sdes = Assert.IsType<RtcpSourceDescription>(result.Packets[1]);
        var chunk = Assert.Single(sdes.Chunks);
        Assert.Equal(0x11223344u, chunk.Source);
        Assert.Equal("user@example.com", chunk.Cname);
        Assert.Equal("Rendezvous", chunk.Tool);
        Assert.Null(chunk.Name);
        Assert.Equal([new(RtcpSdesItemType.Cname, "user@example.com"), new(RtcpSdesItemType.Tool, "Rendezvous")], chunk.Items);
    }

    [Fact]
    public void Receiver_report_bye_with_reason()
    {
        var result = RtcpCompound.Read(Hex(ReceiverReport + ByeWithReason));
        Assert.True(result.IsValid, result.ToString());
        var rr = Assert.IsType<RtcpReceiverReport>(result.Packets[0]);
        Assert.Equal(0x11223344u, rr.Ssrc);
        Assert.Equal(new RtcpReportBlock(0xAABBCCDD, 0, 0, 16, 0, 0, 0), Assert.Single(rr.ReportBlocks));
        var bye = Assert.IsType<RtcpGoodbye>(result.Packets[1]);
        Assert.Equal([0x11223344u], bye.Sources);
        Assert.Equal("shutdown", bye.Reason);
    }

    [Theory]
    [InlineData("82 CB 0002 11223344 55667788", null, 2)]
    [InlineData("81 CB 0002 11223344 00 000000", "", 1)]
    [InlineData("81 CB 0002 11223344 03 627965", "bye", 1)]
    [InlineData("80 CB 0000", null, 0)]
    public void Bye_forms(string bye, string? reason, int sources)
    {
        var result = RtcpCompound.Read(Hex(EmptyReceiverReport + bye));
        Assert.True(result.IsValid, result.ToString());
        var packet = Assert.IsType<RtcpGoodbye>(result.Packets[1]);
        Assert.Equal(reason, packet.Reason);
        Assert.Equal(sources, packet.Sources.Count);
    }

    [Fact]
    public void Sdes_with_several_chunks_items_and_fills()
    {
        var result = RtcpCompound.Read(Hex(EmptyReceiverReport + SdesManyChunks));
        Assert.True(result.IsValid, result.ToString());
        var sdes = Assert.IsType<RtcpSourceDescription>(result.Packets[1]);
        Assert.Equal(
            [
                new RtcpSdesChunk(0x11223344, [new(RtcpSdesItemType.Cname, "a@b"), new(RtcpSdesItemType.Name, "Alice")]),
                new RtcpSdesChunk(0x55667788, [new(RtcpSdesItemType.Cname, "bob@h")]),
                new RtcpSdesChunk(0x99AABBCC, [new(RtcpSdesItemType.Tool, "xy")]),
                new RtcpSdesChunk(0xDDEEFF00, []),
            ],
            sdes.Chunks);
        Assert.Equal("Alice", sdes.Chunks[0].Name);
        Assert.Null(sdes.Chunks[3].Cname);
    }

    [Fact]
    public void Padding_on_the_last_packet_is_removed()
    {
        // SDES with P set: one chunk without items, then 4 octets of padding whose last is the count.
        var result = RtcpCompound.Read(Hex(EmptyReceiverReport + "A1 CA 0003 11223344 00000000 00000004"));
        Assert.True(result.IsValid, result.ToString());
        var sdes = Assert.IsType<RtcpSourceDescription>(result.Packets[1]);
        Assert.Equal(new RtcpSdesChunk(0x11223344, []), Assert.Single(sdes.Chunks));
    }

    [Fact]
    public void A_padded_report_alone_keeps_its_blocks()
    {
        var result = RtcpCompound.Read(Hex("A0 C9 0003 11223344 00000000 00000008"));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(new RtcpReceiverReport(0x11223344, []), result.Packets[0]);
    }

    [Fact]
    public void Unmodelled_packets_are_kept_raw()
    {
        var bytes = Hex(EmptyReceiverReport + App + "8F CE 0001 AABBCCDD");
        var result = RtcpCompound.Read(bytes);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(new RtcpRawPacket(RtcpPacketType.ApplicationDefined, 0, [0x11, 0x22, 0x33, 0x44, 0x6E, 0x61, 0x6D, 0x65]), result.Packets[1]);
        Assert.Equal(new RtcpRawPacket(RtcpPacketType.PayloadFeedback, 15, [0xAA, 0xBB, 0xCC, 0xDD]), result.Packets[2]);
        Assert.Equal(bytes, RtcpCompound.Encode(result.Packets));
    }

    [Fact]
    public void Profile_specific_extensions_after_the_blocks_are_kept()
    {
        var bytes = Hex("80 C9 0002 11223344 CAFEF00D");
        var result = RtcpCompound.Read(bytes);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal([0xCA, 0xFE, 0xF0, 0x0D], ((RtcpReceiverReport)result.Packets[0]).ProfileExtension);
        Assert.Equal(bytes, RtcpCompound.Encode(result.Packets));
    }

    [Theory]
    [InlineData(SenderReport + SdesCnameTool)]
    [InlineData(ReceiverReport + ByeWithReason)]
    [InlineData(SenderReport)]
    [InlineData(EmptyReceiverReport + SdesCnameTool + ByeWithReason)]
    [InlineData(EmptyReceiverReport + App)]
    [InlineData(ReceiverReport + ReceiverReport + SdesCnameTool)]
    public void Canonical_packets_encode_back_to_the_same_octets(string hex)
    {
        var bytes = Hex(hex);
        var result = RtcpCompound.Read(bytes);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(bytes.Length, RtcpCompound.GetEncodedLength(result.Packets));
        Assert.Equal(Hex(bytes), Hex(RtcpCompound.Encode(result.Packets)));
    }

    [Fact]
    public void Skipped_items_and_padding_are_gone_after_a_round_trip_and_the_rest_is_equal()
    {
        foreach (var hex in new[] { EmptyReceiverReport + SdesManyChunks, EmptyReceiverReport + "A1 CA 0003 11223344 00000000 00000004" })
        {
            var first = RtcpCompound.Read(Hex(hex));
            var again = RtcpCompound.Read(RtcpCompound.Encode(first.Packets));
            Assert.True(again.IsValid, again.ToString());
            Assert.Equal(first.Packets, again.Packets);
        }
    }

    [Fact]
    public void Every_prefix_is_rejected_unless_it_ends_between_packets()
    {
        var bytes = Hex(SenderReport + SdesCnameTool + ByeWithReason);
        int[] boundaries = [52, 92, 112];
        for (var length = 0; length < bytes.Length; length++)
        {
            var result = RtcpCompound.Read(bytes.AsSpan(0, length));
            var index = Array.IndexOf(boundaries, length);
            Assert.True(index >= 0 == result.IsValid, $"prefix of {length}: {result}");
            if (index >= 0)
            {
                Assert.Equal(index + 1, result.Packets.Count);
            }
            else
            {
                // Either a header is cut (TooShort at its start) or a length field overruns (at that field).
                var start = length < 52 ? 0 : length < 92 ? 52 : 92;
                var expected = length - start < 4 ? (RtcpDecodeError.TooShort, start) : (RtcpDecodeError.LengthOverrun, start + 2);
                Assert.Equal(expected, (result.Error, result.Offset));
                Assert.True(result.Packets.IsEmpty);
            }
        }
    }
}

using Rendezvous.Media.Rtp;
using static Rendezvous.Media.Tests.MediaSamples;
using E = Rendezvous.Media.Rtp.RtpDecodeError;

namespace Rendezvous.Media.Tests.Rtp;

/// <summary>RTP headers hand-built from the RFC 3550 section 5.1 figure, field by field.</summary>
public sealed class RtpPacketTests
{
    // V=2 P=1 X=1 CC=2 | M=1 PT=0 | seq 0x1234 | ts 0xDEADBEEF | SSRC 0x11223344
    // CSRC 0xAABBCCDD, 0x01020304 | extension 0xBEDE, 1 word: 10AB0000 | payload EE*5 | padding 00 00 03
    internal const string Full =
        "B2 80 1234 DEADBEEF 11223344" +
        "AABBCCDD 01020304" +
        "BEDE 0001 10AB0000" +
        "EEEEEEEEEE" +
        "0000 03";

    // V=2, no P/X/CC | M=0 PT=8 | seq 0xFFFF | ts 160 | SSRC 0xCAFEBABE | payload D5 D5 55 55
    internal const string Plain = "80 08 FFFF 000000A0 CAFEBABE D5D55555";

    [Fact]
    public void Full_header_fields()
    {
        var bytes = Hex(Full);
        var result = RtpPacket.Read(bytes);
        Assert.True(result.IsValid, result.ToString());
        var p = result.Packet;
        Assert.True(p.HasPadding);
        Assert.True(p.HasExtension);
        Assert.Equal(2, p.CsrcCount);
        Assert.True(p.Marker);
        Assert.Equal(0, p.PayloadType);
        Assert.Equal(0x1234, p.SequenceNumber);
        Assert.Equal(0xDEADBEEF, p.Timestamp);
        Assert.Equal(0x11223344u, p.Ssrc);
        Assert.Equal(0xAABBCCDDu, p.GetCsrc(0));
        Assert.Equal(0x01020304u, p.GetCsrc(1));
        Assert.Equal(Hex("AABBCCDD 01020304"), p.CsrcBytes.ToArray());
        Assert.Equal(0xBEDE, p.ExtensionProfile);
        Assert.Equal(Hex("10AB0000"), p.ExtensionData.ToArray());
        Assert.Equal(28, p.HeaderLength);
        Assert.Equal(Hex("EEEEEEEEEE"), p.Payload.ToArray());
        Assert.Equal(3, p.PaddingLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => RtpPacket.Read(Hex(Full)).Packet.GetCsrc(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RtpPacket.Read(Hex(Full)).Packet.GetCsrc(-1));
    }

    [Fact]
    public void Plain_header_fields()
    {
        Assert.True(RtpPacket.TryRead(Hex(Plain), out var p));
        Assert.False(p.HasPadding);
        Assert.False(p.HasExtension);
        Assert.False(p.Marker);
        Assert.Equal(0, p.CsrcCount);
        Assert.Equal(8, p.PayloadType);
        Assert.Equal(0xFFFF, p.SequenceNumber);
        Assert.Equal(160u, p.Timestamp);
        Assert.Equal(0xCAFEBABEu, p.Ssrc);
        Assert.Equal(0, p.ExtensionProfile);
        Assert.True(p.ExtensionData.IsEmpty);
        Assert.True(p.CsrcBytes.IsEmpty);
        Assert.Equal(12, p.HeaderLength);
        Assert.Equal(Hex("D5D55555"), p.Payload.ToArray());
        Assert.Equal(0, p.PaddingLength);
    }

    [Fact]
    public void The_payload_is_a_slice_of_the_datagram_not_a_copy()
    {
        var bytes = Hex(Full);
        Assert.True(RtpPacket.TryRead(bytes, out var p));
        Assert.True(bytes.AsSpan().Overlaps(p.Payload, out var offset));
        Assert.Equal(28, offset);
    }

    [Theory]
    [InlineData("header only, no payload", "80 00 0001 00000000 00000001")]
    [InlineData("extension of zero words", "90 00 0001 00000000 00000001 ABCD 0000")]
    [InlineData("padding eats the whole payload area", "A0 00 0001 00000000 00000001 00000004")]
    [InlineData("padding of only the count octet", "A0 00 0001 00000000 00000001 AA 01")]
    [InlineData("15 CSRCs", "8F 00 0001 00000000 00000001" +
        "00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 0000000A 0000000B 0000000C 0000000D 0000000E 0000000F")]
    [InlineData("payload type 127 with marker", "80 FF 0001 00000000 00000001 00")]
    public void Edge_cases_that_are_valid(string description, string hex)
    {
        var result = RtpPacket.Read(Hex(hex));
        Assert.True(result.IsValid, $"{description}: {result.ToString()}");
    }

    [Fact]
    public void Padding_may_cover_the_whole_area_after_the_header()
    {
        Assert.True(RtpPacket.TryRead(Hex("A0 00 0001 00000000 00000001 00000004"), out var p));
        Assert.True(p.Payload.IsEmpty);
        Assert.Equal(4, p.PaddingLength);
    }

    [Theory]
    [InlineData("empty", "", E.TooShort, 0)]
    [InlineData("11 octets", "80 00 0001 00000000 000000", E.TooShort, 11)]
    [InlineData("version 0", "00 00 0001 00000000 00000001", E.UnsupportedVersion, 0)]
    [InlineData("version 1", "40 00 0001 00000000 00000001", E.UnsupportedVersion, 0)]
    [InlineData("version 3", "C0 00 0001 00000000 00000001", E.UnsupportedVersion, 0)]
    [InlineData("CC 1, no CSRC", "81 00 0001 00000000 00000001", E.CsrcListTruncated, 12)]
    [InlineData("CC 15, two CSRCs", "8F 00 0001 00000000 00000001 00000001 00000002", E.CsrcListTruncated, 12)]
    [InlineData("CC 2, 7 octets of CSRC", "82 00 0001 00000000 00000001 00000001 000000", E.CsrcListTruncated, 12)]
    [InlineData("X without extension header", "90 00 0001 00000000 00000001 BEDE00", E.ExtensionHeaderTruncated, 12)]
    [InlineData("X after CSRC, header cut", "91 00 0001 00000000 00000001 00000009 BE", E.ExtensionHeaderTruncated, 16)]
    [InlineData("extension one word short", "90 00 0001 00000000 00000001 BEDE 0002 00000000", E.ExtensionTruncated, 14)]
    [InlineData("extension length 0xFFFF", "90 00 0001 00000000 00000001 BEDE FFFF 00000000", E.ExtensionTruncated, 14)]
    [InlineData("extension length 0xFFFF after 2 CSRCs", "92 00 0001 00000000 00000001 00000001 00000002 BEDE FFFF", E.ExtensionTruncated, 22)]
    [InlineData("padding count 0", "A0 00 0001 00000000 00000001 AABB00", E.PaddingCountZero, 14)]
    [InlineData("padding count one too many", "A0 00 0001 00000000 00000001 AABB04", E.PaddingTooLong, 14)]
    [InlineData("padding count 255", "A0 00 0001 00000000 00000001 AABBFF", E.PaddingTooLong, 14)]
    [InlineData("padding into the extension", "B0 00 0001 00000000 00000001 BEDE 0001 00000000 02", E.PaddingTooLong, 20)]
    [InlineData("P set, nothing after the header", "A0 00 0001 00000000 00000001", E.PaddingTooLong, 11)]
    [InlineData("P set, nothing after the header, count 0", "A0 00 0001 00000000 00000000", E.PaddingCountZero, 11)]
    public void Each_rule_is_checked_with_its_offset(string description, string hex, E error, int offset)
    {
        var result = RtpPacket.Read(Hex(hex));
        Assert.False(result.IsValid, description);
        Assert.Equal(error, result.Error);
        Assert.Equal(offset, result.Offset);
        Assert.False(RtpPacket.TryRead(Hex(hex), out _));
    }

    [Fact]
    public void Every_prefix_of_the_padded_packet_is_rejected_with_its_offset()
    {
        var bytes = Hex(Full);
        for (var length = 0; length < bytes.Length; length++)
        {
            var result = RtpPacket.Read(bytes.AsSpan(0, length));
            var (error, offset) = length switch
            {
                < 12 => (E.TooShort, length),
                < 20 => (E.CsrcListTruncated, 12),
                < 24 => (E.ExtensionHeaderTruncated, 20),
                < 28 => (E.ExtensionTruncated, 22),
                _ when bytes[length - 1] == 0 => (E.PaddingCountZero, length - 1),
                _ => (E.PaddingTooLong, length - 1),
            };
            Assert.True(error == result.Error && offset == result.Offset, $"prefix of {length}: {result.ToString()}, expected {error} at {offset}");
        }
    }

    [Fact]
    public void Prefixes_of_an_unpadded_packet_are_rejected_until_the_header_is_whole()
    {
        var bytes = Hex(Plain);
        for (var length = 0; length <= bytes.Length; length++)
        {
            var result = RtpPacket.Read(bytes.AsSpan(0, length));
            Assert.Equal(length >= 12, result.IsValid);
            if (result.IsValid)
            {
                Assert.Equal(length - 12, result.Packet.Payload.Length);
            }
        }
    }

    [Theory]
    [InlineData(Full)]
    [InlineData(Plain)]
    [InlineData("80 00 0001 00000000 00000001")]
    [InlineData("90 7F 0001 00000000 00000001 ABCD 0000")]
    [InlineData("A0 00 0001 00000000 00000001 00000004")]
    public void Re_encoding_gives_the_same_octets(string hex)
    {
        var bytes = Hex(hex);
        Assert.True(RtpPacket.TryRead(bytes, out var p));
        var builder = p.ToBuilder();
        var destination = new byte[builder.GetEncodedLength()];
        Assert.True(builder.TryWrite(destination, out var written));
        Assert.Equal(bytes.Length, written);
        Assert.Equal(hex.Replace(" ", "", StringComparison.Ordinal), Hex(destination));
    }
}

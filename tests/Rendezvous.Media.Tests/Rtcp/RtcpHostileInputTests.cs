using Rendezvous.Media.Rtcp;
using static Rendezvous.Media.Tests.MediaSamples;
using static Rendezvous.Media.Tests.Rtcp.RtcpSamples;
using E = Rendezvous.Media.Rtcp.RtcpDecodeError;

namespace Rendezvous.Media.Tests.Rtcp;

/// <summary>Hand-written invalid compounds, each with the exact error, offset and packet index expected.</summary>
public sealed class RtcpHostileInputTests
{
    // EmptyReceiverReport is 8 octets: a second packet starts at 8, its first chunk or source at 12, then 16.
    private const string Rr = EmptyReceiverReport;

    [Theory]
    // Framing (6.1, A.2).
    [InlineData("empty", "", E.TooShort, 0, 0)]
    [InlineData("three octets", "80C900", E.TooShort, 0, 0)]
    [InlineData("three stray octets after a packet", Rr + "000000", E.TooShort, 8, 1)]
    [InlineData("version 1", "40 C9 0001 11223344", E.UnsupportedVersion, 0, 0)]
    [InlineData("version 0 in the second packet", Rr + "00000000", E.UnsupportedVersion, 8, 1)]
    [InlineData("first packet SDES", "81 CA 0002 11223344 00000000", E.FirstPacketNotReport, 1, 0)]
    [InlineData("first packet BYE", ByeWithReason, E.FirstPacketNotReport, 1, 0)]
    [InlineData("first packet APP", App, E.FirstPacketNotReport, 1, 0)]
    [InlineData("length one word too many", "80 C9 0002 11223344", E.LengthOverrun, 2, 0)]
    [InlineData("length 0xFFFF", "80 C9 FFFF 11223344", E.LengthOverrun, 2, 0)]
    [InlineData("second packet's length overruns", Rr + "81 CA 0009 11223344 00000000", E.LengthOverrun, 10, 1)]
    // Padding (6.1, 6.4.1, A.2).
    [InlineData("padding on the first of two packets", "A0 C9 0002 11223344 00000004" + "80 CB 0000", E.PaddingNotLast, 0, 0)]
    [InlineData("padding on a middle packet", Rr + "A1 CA 0003 11223344 00000000 00000004" + "80 CB 0000", E.PaddingNotLast, 8, 1)]
    [InlineData("padding count 0", Rr + "A1 CA 0003 11223344 00000000 00000000", E.PaddingInvalid, 23, 1)]
    [InlineData("padding count 3", Rr + "A1 CA 0003 11223344 00000000 00000003", E.PaddingInvalid, 23, 1)]
    [InlineData("padding count beyond the packet", Rr + "A1 CA 0003 11223344 00000000 00000010", E.PaddingInvalid, 23, 1)]
    [InlineData("padding count eats the report's SSRC", "A0 C9 0001 00000004", E.CountExceedsLength, 0, 0)]
    // Counts against lengths (6.4.1, 6.5, 6.6).
    [InlineData("RR without its SSRC", "80 C9 0000", E.CountExceedsLength, 0, 0)]
    [InlineData("RR with RC 2 and one block", "82 C9 0007 11223344 AABBCCDD 00000000 00000010 00000000 00000000 00000000", E.CountExceedsLength, 0, 0)]
    [InlineData("SR without its sender info", "80 C8 0002 11223344 00000000", E.CountExceedsLength, 0, 0)]
    [InlineData("SDES with SC 2 and one chunk", Rr + "82 CA 0002 11223344 00000000", E.CountExceedsLength, 8, 1)]
    [InlineData("BYE with SC 2 and one source", Rr + "82 CB 0001 11223344", E.CountExceedsLength, 8, 1)]
    // SDES items (6.5).
    [InlineData("SDES item longer than the packet", Rr + "81 CA 0002 11223344 01106162", E.SdesItemTruncated, 16, 1)]
    [InlineData("SDES item length octet missing", Rr + "81 CA 0002 11223344 01016106", E.SdesItemTruncated, 19, 1)]
    [InlineData("SDES chunk without its null item", Rr + "81 CA 0002 11223344 01026162", E.SdesChunkUnterminated, 20, 1)]
    [InlineData("SDES fill not zero", Rr + "81 CA 0002 11223344 01000001", E.AlignmentNotZero, 19, 1)]
    [InlineData("SDES CNAME not UTF-8", Rr + "81 CA 0002 11223344 0102C328", E.TextNotUtf8, 18, 1)]
    [InlineData("SDES NAME not UTF-8", Rr + "81 CA 0002 11223344 0201FF00", E.TextNotUtf8, 18, 1)]
    [InlineData("SDES chunk after the counted ones", Rr + "81 CA 0004 11223344 00000000 55667788 00000000", E.TrailingData, 20, 1)]
    [InlineData("SDES with SC 0 and a chunk", Rr + "80 CA 0002 11223344 00000000", E.TrailingData, 12, 1)]
    // BYE reason (6.6).
    [InlineData("BYE reason longer than the packet", Rr + "81 CB 0002 11223344 05616263", E.ByeReasonTruncated, 16, 1)]
    [InlineData("BYE reason fill not zero", Rr + "81 CB 0002 11223344 02616201", E.AlignmentNotZero, 19, 1)]
    [InlineData("BYE word after the reason", Rr + "81 CB 0003 11223344 02616200 00000000", E.TrailingData, 20, 1)]
    [InlineData("BYE reason not UTF-8", Rr + "81 CB 0002 11223344 02C32800", E.TextNotUtf8, 17, 1)]
    public void Each_rule_is_checked_with_its_offset(string description, string hex, E error, int offset, int packetIndex)
    {
        var result = RtcpCompound.Read(Hex(hex));
        Assert.False(result.IsValid, description);
        Assert.Equal((error, offset, packetIndex), (result.Error, result.Offset, result.PacketIndex));
        Assert.True(result.Packets.IsEmpty);
        Assert.False(RtcpCompound.TryRead(Hex(hex), out var packets));
        Assert.True(packets.IsEmpty);
    }

    [Fact]
    public void Other_item_types_are_skipped_even_when_not_utf8()
    {
        // EMAIL (3) and NOTE (7) are skipped after their length is checked; their bytes are not read as text.
        var result = RtcpCompound.Read(Hex(Rr + "81 CA 0003 11223344 0302FFFE 0701C300"));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(new RtcpSdesChunk(0x11223344, []), ((RtcpSourceDescription)result.Packets[1]).Chunks[0]);
    }
}

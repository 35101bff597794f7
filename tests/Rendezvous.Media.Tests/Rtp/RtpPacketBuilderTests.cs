using Rendezvous.Media.Rtp;
using static Rendezvous.Media.Tests.MediaSamples;

namespace Rendezvous.Media.Tests.Rtp;

public sealed class RtpPacketBuilderTests
{
    [Fact]
    public void Writes_the_rfc_figure_field_by_field()
    {
        ReadOnlySpan<uint> csrcs = [0xAABBCCDD, 0x01020304];
        var builder = new RtpPacketBuilder
        {
            Marker = true,
            PayloadType = 0,
            SequenceNumber = 0x1234,
            Timestamp = 0xDEADBEEF,
            Ssrc = 0x11223344,
            Csrcs = csrcs,
            HasExtension = true,
            ExtensionProfile = 0xBEDE,
            ExtensionData = Hex("10AB0000"),
            Payload = Hex("EEEEEEEEEE"),
            PaddingLength = 3,
        };
        Assert.Equal(28, builder.GetHeaderLength());
        Assert.Equal(36, builder.GetEncodedLength());
        var destination = new byte[40];
        Assert.True(builder.TryWrite(destination, out var written));
        Assert.Equal(36, written);
        Assert.Equal(Hex(RtpPacketTests.Full), destination[..written]);
    }

    [Fact]
    public void A_short_destination_is_refused_and_left_alone()
    {
        var builder = new RtpPacketBuilder { Payload = new byte[160] };
        var destination = new byte[171];
        Assert.False(builder.TryWrite(destination, out var written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_payload_encoded_in_place_stays_put()
    {
        // The mixer encodes G.711 straight into the send buffer after the header, then writes the header.
        var buffer = new byte[12 + 160];
        var builder = new RtpPacketBuilder { PayloadType = 8, SequenceNumber = 7, Timestamp = 1120, Ssrc = 1 };
        var headerLength = builder.GetHeaderLength();
        var payload = buffer.AsSpan(headerLength, 160);
        payload.Fill(0xD5);
        builder.Payload = payload;
        Assert.True(builder.TryWrite(buffer, out var written));
        Assert.Equal(172, written);
        Assert.True(RtpPacket.TryRead(buffer, out var p));
        Assert.Equal(7, p.SequenceNumber);
        Assert.All(p.Payload.ToArray(), b => Assert.Equal(0xD5, b));
    }

    [Fact]
    public void Rewriting_a_decoded_packet_keeps_everything_else()
    {
        Assert.True(RtpPacket.TryRead(Hex(RtpPacketTests.Full), out var original));
        var builder = original.ToBuilder();
        builder.Ssrc = 0x55667788;
        builder.SequenceNumber = 1;
        var bytes = new byte[builder.GetEncodedLength()];
        builder.TryWrite(bytes, out _);
        Assert.True(RtpPacket.TryRead(bytes, out var p));
        Assert.Equal(0x55667788u, p.Ssrc);
        Assert.Equal(1, p.SequenceNumber);
        Assert.Equal(original.Timestamp, p.Timestamp);
        Assert.True(original.CsrcBytes.SequenceEqual(p.CsrcBytes));
        Assert.True(original.ExtensionData.SequenceEqual(p.ExtensionData));
        Assert.True(original.Payload.SequenceEqual(p.Payload));
        Assert.Equal(original.PaddingLength, p.PaddingLength);
    }

    [Fact]
    public void Fields_that_cannot_go_on_the_wire_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPacketBuilder { PayloadType = 128 }.GetEncodedLength());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPacketBuilder { Csrcs = new uint[16] }.GetEncodedLength());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPacketBuilder { CsrcBytes = new byte[64] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtpPacketBuilder { CsrcBytes = new byte[6] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtpPacketBuilder { Csrcs = new uint[1], CsrcBytes = new byte[4] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtpPacketBuilder { ExtensionData = new byte[4] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtpPacketBuilder { HasExtension = true, ExtensionData = new byte[6] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtpPacketBuilder { HasExtension = true, ExtensionData = new byte[4 * 65536] }.GetEncodedLength());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPacketBuilder { PaddingLength = 256 }.GetEncodedLength());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPacketBuilder { PaddingLength = -1 }.TryWrite(new byte[100], out _));
    }

    [Fact]
    public void The_largest_extension_fits()
    {
        var builder = new RtpPacketBuilder { HasExtension = true, ExtensionData = new byte[4 * 65535] };
        var bytes = new byte[builder.GetEncodedLength()];
        Assert.True(builder.TryWrite(bytes, out _));
        Assert.True(RtpPacket.TryRead(bytes, out var p));
        Assert.Equal(4 * 65535, p.ExtensionData.Length);
    }
}

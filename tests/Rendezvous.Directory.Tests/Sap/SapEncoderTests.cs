using System.Net;
using System.Text;
using Rendezvous.Directory.Sap;
using static Rendezvous.Directory.Tests.Sap.SapBytes;

namespace Rendezvous.Directory.Tests.Sap;

public sealed class SapEncoderTests
{
    private static readonly IPAddress Origin4 = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Origin6 = IPAddress.Parse("2001:db8::1");

    private static SapPacket Packet(string payload = SampleSdp) => new() { Origin = Origin4, MessageIdHash = 0x1234, Payload = Encoding.UTF8.GetBytes(payload) };

    private static SapPacket RoundTrip(SapPacket packet)
    {
        var result = SapDecoder.Decode(SapEncoder.Encode(packet));
        Assert.True(result.Status != SapDecodeStatus.Invalid, result.ToString());
        return result.Packet!;
    }

    [Fact]
    public void An_announcement_is_written_octet_by_octet()
    {
        byte[] expected = Concat([0x20, 0, 0x12, 0x34, 192, 0, 2, 10], SdpType, Ascii(SampleSdp));
        Assert.Equal(Hex(expected), Hex(SapEncoder.Encode(Packet())));
    }

    [Fact]
    public void An_IPv6_deletion_without_payload_type_is_written_octet_by_octet()
    {
        var packet = Packet(OriginLine) with { Origin = Origin6, IsDeletion = true, PayloadType = null, MessageIdHash = 0xBEEF };
        byte[] expected = Concat([0x34, 0, 0xBE, 0xEF, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], Ascii(OriginLine));
        Assert.Equal(Hex(expected), Hex(SapEncoder.Encode(packet)));
    }

    [Fact]
    public void Authentication_data_is_written_with_its_length_in_words()
    {
        var bytes = SapEncoder.Encode(Packet() with { AuthenticationData = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 } });
        Assert.Equal(2, bytes[1]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, bytes[8..16]);
        Assert.Equal(SdpType, bytes[16..(16 + SdpType.Length)]);
    }

    [Theory]
    [InlineData(false, false, true, false)]
    [InlineData(false, false, false, false)]
    [InlineData(true, false, true, false)]
    [InlineData(false, true, true, false)]
    [InlineData(true, true, false, false)]
    [InlineData(false, false, true, true)]
    [InlineData(true, true, true, true)]
    [InlineData(true, false, false, true)]
    public void Packets_survive_encoding_and_decoding(bool ipv6, bool deletion, bool withType, bool compressed)
    {
        var packet = new SapPacket
        {
            Origin = ipv6 ? Origin6 : Origin4,
            IsDeletion = deletion,
            MessageIdHash = 0xA55A,
            PayloadType = withType ? SapPacket.SdpPayloadType : null,
            Payload = Encoding.UTF8.GetBytes(deletion ? OriginLine : SampleSdp),
            Compressed = compressed,
            AuthenticationData = deletion ? new byte[] { 9, 8, 7, 6 } : ReadOnlyMemory<byte>.Empty,
        };

        var decoded = RoundTrip(packet);
        Assert.Equal(packet, decoded);
        Assert.Equal(ipv6, decoded.IsIPv6Origin);
    }

    [Fact]
    public void Compression_shrinks_a_repetitive_description()
    {
        var sdp = SampleSdp + string.Concat(Enumerable.Repeat("a=tool:rendezvous sap codec test\r\n", 20));
        var plain = SapEncoder.Encode(SapPacket.Announcement(sdp, Origin4));
        var compressed = SapEncoder.Encode(SapPacket.Announcement(sdp, Origin4, compressed: true));
        Assert.Equal(0x21, compressed[0]);
        Assert.True(compressed.Length < plain.Length / 2, $"{compressed.Length} of {plain.Length}");
        Assert.Equal(sdp, SapDecoder.Decode(compressed).Packet!.Sdp);
    }

    [Fact]
    public void An_encrypted_packet_is_written_back_as_received()
    {
        var packet = new SapPacket { Origin = Origin4, MessageIdHash = 7, Encrypted = true, Compressed = true, PayloadType = null, Payload = new byte[] { 0xFF, 0, 0x42 } };
        var bytes = SapEncoder.Encode(packet);
        Assert.Equal(Hex(Concat([0x23, 0, 0, 7, 192, 0, 2, 10, 0xFF, 0, 0x42])), Hex(bytes));
        var result = SapDecoder.Decode(bytes);
        Assert.Equal(SapDecodeStatus.Encrypted, result.Status);
        Assert.Equal(packet, result.Packet);
    }

    [Fact]
    public void The_announcement_factory_applies_the_senders_rules()
    {
        var packet = SapPacket.Announcement(SampleSdp, Origin6);
        Assert.False(packet.IsDeletion);
        Assert.Equal(SapPacket.ComputeMessageIdHash(SampleSdp), packet.MessageIdHash);
        Assert.NotEqual(0, packet.MessageIdHash);
        Assert.Equal("application/sdp", packet.PayloadType);
        Assert.True(packet.AuthenticationData.IsEmpty);
        Assert.Equal(SampleSdp, packet.Sdp);
        Assert.Equal(Origin6, packet.Origin);

        Assert.Null(SapPacket.Announcement(SampleSdp, Origin4, includePayloadType: false).PayloadType);
        Assert.Equal(SapDecodeWarnings.None, SapDecoder.Decode(SapEncoder.Encode(packet)).Warnings);
    }

    [Fact]
    public void Senders_may_not_use_an_unspecified_origin()
    {
        Assert.Throws<ArgumentException>(() => SapPacket.Announcement(SampleSdp, IPAddress.Any));
        Assert.Throws<ArgumentException>(() => SapPacket.Announcement(SampleSdp, IPAddress.IPv6Any));
        Assert.Throws<ArgumentException>(() => SapPacket.Deletion(SampleSdp, IPAddress.Any));
        Assert.Throws<ArgumentException>(() => SapPacket.Announcement("", Origin4));
    }

    [Fact]
    public void A_deletion_matches_its_announcement_by_hash_and_origin()
    {
        var announcement = SapPacket.Announcement(SampleSdp, Origin4);
        var whole = SapPacket.Deletion(SampleSdp, Origin4);
        var line = SapPacket.Deletion(SampleSdp, Origin4, originLineOnly: true);

        Assert.True(whole.IsDeletion);
        Assert.Equal(announcement.MessageIdHash, whole.MessageIdHash);
        Assert.Equal(announcement.MessageIdHash, line.MessageIdHash);
        Assert.Equal(SampleSdp, whole.Sdp);
        Assert.Equal(OriginLine, line.Sdp);
        Assert.Equal(line, RoundTrip(line));
        Assert.Equal(line with { PayloadType = null }, RoundTrip(SapPacket.Deletion(SampleSdp, Origin4, originLineOnly: true, includePayloadType: false)));
        Assert.Throws<ArgumentException>(() => SapPacket.Deletion("v=0\r\ns=no origin\r\n", Origin4, originLineOnly: true));
    }

    [Fact]
    public void The_message_id_hash_is_stable_and_follows_every_edit()
    {
        Assert.Equal(0x1CD9, SapPacket.ComputeMessageIdHash("")); // FNV-1a offset basis folded: pinned so restarts keep ids
        Assert.Equal(SapPacket.ComputeMessageIdHash(SampleSdp), SapPacket.ComputeMessageIdHash(Encoding.UTF8.GetBytes(SampleSdp)));
        Assert.NotEqual(SapPacket.ComputeMessageIdHash(SampleSdp), SapPacket.ComputeMessageIdHash(SampleSdp.Replace("2890842807", "2890842808", StringComparison.Ordinal)));

        var hashes = Enumerable.Range(0, 100_000).Select(i => SapPacket.ComputeMessageIdHash(SampleSdp + $"a=x:{i}\r\n")).ToList();
        Assert.DoesNotContain((ushort)0, hashes);
        Assert.InRange(hashes.Take(1000).Distinct().Count(), 980, 1000); // about 8 collisions expected among 1000
    }

    [Fact]
    public void Equality_compares_the_bytes_not_the_buffers()
    {
        var a = Packet() with { AuthenticationData = new byte[] { 1, 2, 3, 4 } };
        var b = Packet() with { AuthenticationData = new byte[] { 1, 2, 3, 4 } };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { AuthenticationData = new byte[] { 1, 2, 3, 5 } });
        Assert.NotEqual(a, b with { Payload = Encoding.UTF8.GetBytes(SampleSdp + "a=x\r\n") });
        Assert.NotEqual(a, b with { PayloadType = "APPLICATION/SDP" });
    }

    [Fact]
    public void TryEncode_refuses_a_short_buffer_and_writes_nothing()
    {
        var packet = Packet();
        var length = SapEncoder.Encode(packet).Length;
        var buffer = new byte[length - 1];
        Assert.False(SapEncoder.TryEncode(packet, buffer, out var written));
        Assert.Equal(0, written);
        Assert.All(buffer, b => Assert.Equal(0, b));

        buffer = new byte[length + 10];
        Assert.True(SapEncoder.TryEncode(packet, buffer, out written));
        Assert.Equal(length, written);
        Assert.Equal(packet, SapDecoder.Decode(buffer.AsSpan(0, written)).Packet);
    }

    public static TheoryData<string, SapPacket> Unwritable => new()
    {
        { "authentication data of 3 octets", Packet() with { AuthenticationData = new byte[3] } },
        { "authentication data of 256 words", Packet() with { AuthenticationData = new byte[1024] } },
        { "an empty payload", Packet("") },
        { "an unknown payload type", Packet() with { PayloadType = "text/plain" } },
        { "a payload type with a NUL", Packet() with { PayloadType = "application/sdp\0" } },
        { "a payload type that is not ASCII", Packet() with { PayloadType = "application/sdp\u00e9" } },
        { "an announcement of o= without a payload type", Packet(OriginLine) with { PayloadType = null } },
        { "a payload that is no SDP without a payload type", Packet("hello") with { PayloadType = null } },
        { "an encrypted packet with a payload type", Packet() with { Encrypted = true } },
        { "an IPv6 origin with a scope id", Packet() with { Origin = IPAddress.Parse("fe80::1%2") } },
    };

    [Theory]
    [MemberData(nameof(Unwritable))]
    public void What_would_not_read_back_is_refused(string what, SapPacket packet)
    {
        Assert.NotEmpty(what);
        Assert.Throws<ArgumentException>(() => SapEncoder.Encode(packet));
    }

    [Fact]
    public void The_largest_authentication_data_is_written()
    {
        var packet = Packet() with { AuthenticationData = Enumerable.Range(0, 1020).Select(i => (byte)i).ToArray() };
        var bytes = SapEncoder.Encode(packet);
        Assert.Equal(255, bytes[1]);
        Assert.Equal(packet, RoundTrip(packet));
    }
}

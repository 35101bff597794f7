using System.Net;
using Rendezvous.Directory.Sap;
using static Rendezvous.Directory.Tests.Sap.SapBytes;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>Datagrams written by hand, octet by octet, from RFC 2974 section 3, and every way one can be wrong.</summary>
public sealed class SapDecoderTests
{
    // Byte 0: V=1 in the top three bits, then A R T E C.
    private const byte V1 = 0x20;
    private const byte A = 0x10;
    private const byte R = 0x08;
    private const byte T = 0x04;
    private const byte E = 0x02;
    private const byte C = 0x01;

    private static readonly byte[] Origin4 = [192, 0, 2, 10];
    private static readonly byte[] Origin6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];

    private static SapPacket DecodeValid(byte[] datagram, int limit = SapDecoder.DefaultMaxDecompressedLength)
    {
        var result = SapDecoder.Decode(datagram, limit);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(SapDecodeError.None, result.Error);
        return result.Packet!;
    }

    private static void AssertInvalid(byte[] datagram, SapDecodeError error, int offset, int limit = SapDecoder.DefaultMaxDecompressedLength)
    {
        var result = SapDecoder.Decode(datagram, limit);
        Assert.Equal(SapDecodeStatus.Invalid, result.Status);
        Assert.False(result.IsValid);
        Assert.Null(result.Packet);
        Assert.Equal((error, offset), (result.Error, result.Offset));
    }

    [Fact]
    public void An_IPv4_announcement_with_application_sdp()
    {
        var packet = DecodeValid(Concat([V1, 0, 0x12, 0x34], Origin4, SdpType, Ascii(SampleSdp)));

        Assert.False(packet.IsDeletion);
        Assert.False(packet.IsIPv6Origin);
        Assert.False(packet.Encrypted);
        Assert.False(packet.Compressed);
        Assert.Equal(0x1234, packet.MessageIdHash);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), packet.Origin);
        Assert.True(packet.AuthenticationData.IsEmpty);
        Assert.Equal("application/sdp", packet.PayloadType);
        Assert.Equal(SampleSdp, packet.Sdp);
    }

    [Fact]
    public void An_IPv6_deletion_carrying_the_origin_line()
    {
        var packet = DecodeValid(Concat([V1 | A | T, 0, 0xBE, 0xEF], Origin6, SdpType, Ascii(OriginLine)));

        Assert.True(packet.IsDeletion);
        Assert.True(packet.IsIPv6Origin);
        Assert.Equal(0xBEEF, packet.MessageIdHash);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), packet.Origin);
        Assert.Equal("application/sdp", packet.PayloadType);
        Assert.Equal(OriginLine, packet.Sdp);
    }

    [Fact]
    public void Two_words_of_authentication_data_are_skipped_and_kept()
    {
        // The authentication data holds "v=0" and a NUL: were it read as payload, the type would be missing.
        byte[] authentication = [(byte)'v', (byte)'=', (byte)'0', 0, 0xDE, 0xAD, 0xBE, 0xEF];
        var packet = DecodeValid(Concat([V1, 2, 0x00, 0x07], Origin4, authentication, SdpType, Ascii(SampleSdp)));

        Assert.Equal(authentication, packet.AuthenticationData.ToArray());
        Assert.Equal("application/sdp", packet.PayloadType);
        Assert.Equal(SampleSdp, packet.Sdp);
    }

    [Fact]
    public void Without_a_payload_type_a_payload_starting_with_v0_is_sdp()
    {
        var packet = DecodeValid(Concat([V1, 0, 0xAB, 0xCD], Origin4, Ascii(SampleSdp)));

        Assert.Null(packet.PayloadType);
        Assert.Equal(SampleSdp, packet.Sdp);
    }

    [Fact]
    public void Without_a_payload_type_a_deletion_may_carry_only_the_origin_line()
    {
        Assert.Equal(OriginLine, DecodeValid(Concat([V1 | T, 0, 0xAB, 0xCD], Origin4, Ascii(OriginLine))).Sdp);

        // An announcement must start with v=0 instead.
        AssertInvalid(Concat([V1, 0, 0xAB, 0xCD], Origin4, Ascii(OriginLine)), SapDecodeError.PayloadTypeUnterminated, 8);
    }

    [Fact]
    public void A_zlib_compressed_payload_is_decompressed_with_its_payload_type()
    {
        var compressed = Zlib(Concat(SdpType, Ascii(SampleSdp)));
        var packet = DecodeValid(Concat([V1 | C, 0, 0x55, 0xAA], Origin4, compressed));

        Assert.True(packet.Compressed);
        Assert.Equal("application/sdp", packet.PayloadType);
        Assert.Equal(SampleSdp, packet.Sdp);
    }

    [Fact]
    public void An_encrypted_packet_is_reported_with_its_header_and_opaque_payload()
    {
        byte[] ciphertext = [0x00, 0x00, 0x00, 0x2A, 0x5E, 0x11, 0x9C, 0x03, 0xF0, 0x0D];
        var result = SapDecoder.Decode(Concat([V1 | E, 0, 0x0F, 0xF0], Origin4, ciphertext));

        Assert.Equal(SapDecodeStatus.Encrypted, result.Status);
        Assert.False(result.IsValid);
        Assert.Equal(SapDecodeError.None, result.Error);
        Assert.Equal(8, result.Offset);
        var packet = result.Packet!;
        Assert.True(packet.Encrypted);
        Assert.Equal(0x0FF0, packet.MessageIdHash);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), packet.Origin);
        Assert.Null(packet.PayloadType);
        Assert.Null(packet.Sdp);
        Assert.Equal(ciphertext, packet.Payload.ToArray());
    }

    [Fact]
    public void The_reserved_bit_is_ignored()
    {
        Assert.Equal(
            DecodeValid(Concat([V1, 0, 0x12, 0x34], Origin4, SdpType, Ascii(SampleSdp))),
            DecodeValid(Concat([V1 | R, 0, 0x12, 0x34], Origin4, SdpType, Ascii(SampleSdp))));
    }

    [Fact]
    public void The_payload_type_is_matched_without_regard_to_case_and_may_have_parameters()
    {
        Assert.Equal("Application/SDP", DecodeValid(Concat([V1, 0, 1, 1], Origin4, Ascii("Application/SDP\0"), Ascii(SampleSdp))).PayloadType);
        Assert.Equal("application/sdp; charset=utf-8", DecodeValid(Concat([V1, 0, 1, 1], Origin4, Ascii("application/sdp; charset=utf-8\0"), Ascii(SampleSdp))).PayloadType);
    }

    [Fact]
    public void A_zero_hash_and_an_unspecified_origin_are_accepted_with_warnings()
    {
        var ok = SapDecoder.Decode(Concat([V1, 0, 0, 1], Origin4, Ascii(SampleSdp)));
        Assert.Equal(SapDecodeWarnings.None, ok.Warnings);

        var zeroHash = SapDecoder.Decode(Concat([V1, 0, 0, 0], Origin4, Ascii(SampleSdp)));
        Assert.True(zeroHash.IsValid);
        Assert.Equal(SapDecodeWarnings.ZeroMessageIdHash, zeroHash.Warnings);

        var anyV4 = SapDecoder.Decode(Concat([V1, 0, 0, 1], [0, 0, 0, 0], Ascii(SampleSdp)));
        Assert.True(anyV4.IsValid);
        Assert.Equal(SapDecodeWarnings.UnspecifiedOrigin, anyV4.Warnings);

        var both = SapDecoder.Decode(Concat([V1 | A, 0, 0, 0], new byte[16], Ascii(SampleSdp)));
        Assert.True(both.IsValid);
        Assert.Equal(IPAddress.IPv6Any, both.Packet!.Origin);
        Assert.Equal(SapDecodeWarnings.ZeroMessageIdHash | SapDecodeWarnings.UnspecifiedOrigin, both.Warnings);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_truncated_header_is_too_short(int length) =>
        AssertInvalid(new byte[] { V1, 0, 0x12, 0x34 }[..length], SapDecodeError.TooShort, length);

    [Theory]
    [InlineData(0x00)] // SAPv0
    [InlineData(0x40)] // V=2
    [InlineData(0xE0)] // V=7
    public void Another_version_is_dropped(byte flags) =>
        AssertInvalid(Concat([flags, 0, 0x12, 0x34], Origin4, SdpType, Ascii(SampleSdp)), SapDecodeError.UnsupportedVersion, 0);

    [Fact]
    public void A_truncated_origin_is_reported_at_its_start()
    {
        AssertInvalid(Concat([V1, 0, 0x12, 0x34], Origin4[..3]), SapDecodeError.OriginTruncated, 4);

        // A = 1 asks for 16 octets: an IPv4 origin and a little more is not enough.
        AssertInvalid(Concat([V1 | A, 0, 0x12, 0x34], Origin4, Ascii("v=0\r\ns=")), SapDecodeError.OriginTruncated, 4);
    }

    [Fact]
    public void Authentication_data_past_the_end_is_reported_at_its_length()
    {
        // 3 words (12 octets) announced, 11 present: the length is in words, not octets.
        AssertInvalid(Concat([V1, 3, 0x12, 0x34], Origin4, new byte[11]), SapDecodeError.AuthenticationTruncated, 1);
        AssertInvalid(Concat([V1 | A, 255, 0x12, 0x34], Origin6, SdpType, Ascii(SampleSdp)), SapDecodeError.AuthenticationTruncated, 1);
    }

    [Fact]
    public void Nothing_after_the_header_or_the_payload_type_is_a_missing_payload()
    {
        AssertInvalid(Concat([V1, 0, 0x12, 0x34], Origin4), SapDecodeError.MissingPayload, 8);
        AssertInvalid(Concat([V1, 1, 0x12, 0x34], Origin4, new byte[4]), SapDecodeError.MissingPayload, 12);

        var typeOnly = Concat([V1, 0, 0x12, 0x34], Origin4, SdpType);
        AssertInvalid(typeOnly, SapDecodeError.MissingPayload, typeOnly.Length);
    }

    [Fact]
    public void A_payload_type_without_its_NUL_is_unterminated()
    {
        AssertInvalid(Concat([V1, 0, 0x12, 0x34], Origin4, Ascii("application/sdp"), Ascii(SampleSdp)), SapDecodeError.PayloadTypeUnterminated, 8);
        AssertInvalid(Concat([V1, 1, 0x12, 0x34], Origin4, new byte[] { 1, 2, 3, 4 }, Ascii("application/sdp")), SapDecodeError.PayloadTypeUnterminated, 12);
    }

    [Theory]
    [InlineData("application\0")]
    [InlineData("application/\0")]
    [InlineData("/sdp\0")]
    [InlineData("application/s dp\0")]
    [InlineData("\0")]
    [InlineData("applic\u00e9tion/sdp\0")]
    [InlineData("application/sdp\tx\0")]
    public void Octets_before_the_NUL_that_are_no_MIME_type_are_an_invalid_payload_type(string type) =>
        AssertInvalid(Concat([V1, 0, 0x12, 0x34], Origin4, System.Text.Encoding.Latin1.GetBytes(type), Ascii(SampleSdp)), SapDecodeError.InvalidPayloadType, 8);

    [Theory]
    [InlineData("text/plain\0")]
    [InlineData("application/sdpx\0")]
    [InlineData("application/x-sdp\0")]
    public void A_MIME_type_other_than_application_sdp_is_unknown(string type) =>
        AssertInvalid(Concat([V1, 0, 0x12, 0x34], Origin4, Ascii(type), Ascii(SampleSdp)), SapDecodeError.UnknownPayloadType, 8);

    [Fact]
    public void Compressed_data_that_is_not_zlib_is_corrupt()
    {
        // The C bit set on a plain payload.
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, SdpType, Ascii(SampleSdp)), SapDecodeError.CompressedDataCorrupt, 8);

        // A zlib stream with a damaged Adler-32 checksum, after two words of authentication data.
        var damaged = Zlib(Concat(SdpType, Ascii(SampleSdp)));
        damaged[^1] ^= 0xFF;
        AssertInvalid(Concat([V1 | C, 2, 0x12, 0x34], Origin4, new byte[8], damaged), SapDecodeError.CompressedDataCorrupt, 16);
    }

    [Fact]
    public void A_zlib_header_asking_for_a_preset_dictionary_is_corrupt()
    {
        // CMF 0x78, FLG 0xBB: FDICT set, check bits right (0x78BB is a multiple of 31), then a dictionary id.
        byte[] withDictionary = [0x78, 0xBB, 0x12, 0x34, 0x56, 0x78, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, withDictionary), SapDecodeError.CompressedDataCorrupt, 8);
    }

    [Fact]
    public void Octets_after_the_zlib_stream_make_it_corrupt()
    {
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, Zlib(Concat(SdpType, Ascii(SampleSdp))), [0]), SapDecodeError.CompressedDataCorrupt, 8);
    }

    [Fact]
    public void A_truncated_zlib_stream_is_corrupt()
    {
        var truncated = Zlib(Concat(SdpType, Ascii(SampleSdp)))[..^6];
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, truncated), SapDecodeError.CompressedDataCorrupt, 8);
    }

    [Fact]
    public void Decompression_stops_at_the_limit()
    {
        var content = Concat(SdpType, Ascii(SampleSdp));
        var datagram = Concat([V1 | C, 0, 0x12, 0x34], Origin4, Zlib(content));

        Assert.Equal(SampleSdp, DecodeValid(datagram, content.Length).Sdp);
        AssertInvalid(datagram, SapDecodeError.DecompressedTooLarge, 8, content.Length - 1);
        AssertInvalid(datagram, SapDecodeError.DecompressedTooLarge, 8, 0);
    }

    [Fact]
    public void A_zip_bomb_is_refused_without_growing_memory()
    {
        // 16 MiB of zeros after the type compresses to about 16 KiB; the default limit is 64 KiB.
        var bomb = Zlib(Concat(SdpType, Ascii(SampleSdp), new byte[16 << 20]));
        Assert.InRange(bomb.Length, 1, 20_000);
        var datagram = Concat([V1 | C, 0, 0x12, 0x34], Origin4, bomb);

        SapDecoder.Decode(datagram); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        AssertInvalid(datagram, SapDecodeError.DecompressedTooLarge, 8);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 512 * 1024);
    }

    [Fact]
    public void A_compressed_payload_that_is_empty_is_missing()
    {
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, Zlib([])), SapDecodeError.MissingPayload, 8);
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, Zlib(SdpType)), SapDecodeError.MissingPayload, 8);
    }

    [Fact]
    public void Problems_inside_a_compressed_payload_are_reported_at_its_start()
    {
        AssertInvalid(Concat([V1 | C, 0, 0x12, 0x34], Origin4, Zlib(Ascii("text/plain\0hello"))), SapDecodeError.UnknownPayloadType, 8);
        AssertInvalid(Concat([V1 | C, 1, 0x12, 0x34], Origin4, new byte[4], Zlib(Ascii("no type here"))), SapDecodeError.PayloadTypeUnterminated, 12);
    }

    [Fact]
    public void A_negative_limit_is_a_programming_error() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SapDecoder.Decode(Concat([V1, 0, 1, 1], Origin4, Ascii(SampleSdp)), -1));

    [Fact]
    public void Results_describe_themselves()
    {
        Assert.Equal("AuthenticationTruncated at byte 1", SapDecoder.Decode(Concat([V1, 3, 0x12, 0x34], Origin4)).ToString());
        Assert.StartsWith("valid: SAP announcement 1234 from 192.0.2.10", SapDecoder.Decode(Concat([V1, 0, 0x12, 0x34], Origin4, Ascii(SampleSdp))).ToString(), StringComparison.Ordinal);
    }
}

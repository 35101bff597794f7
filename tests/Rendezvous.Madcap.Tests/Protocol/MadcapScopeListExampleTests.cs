using System.Net;
using Rendezvous.Madcap.Protocol;
using static Rendezvous.Madcap.Tests.Protocol.MadcapSamples;

namespace Rendezvous.Madcap.Tests.Protocol;

/// <summary>RFC 2730 section 3.10's worked example: two scopes, one English name each, option length 51.</summary>
public sealed class MadcapScopeListExampleTests
{
    // An ACK (type 5), IPv4, xid 0x0A0B0C0D, carrying the Server Identifier and Lease Identifier an
    // ACK needs and the example's Multicast Scope List, then End. Written by hand from the RFC.
    private static readonly byte[] Datagram = Hex(
        "00 05 0001 0A0B0C0D" +                       // version 0, ACK, IPv4, xid
        "0002 0006 0001 C0000207" +                   // Server Identifier: IPv4 192.0.2.7
        "0003 0002 0001" +                            // Lease Identifier: 00 01
        "0009 0033" +                                 // Multicast Scope List, length 51
        "02" +                                        // 2 scopes
        "EFC00000 EFC3FFFF 0A 01" +                   // 239.192.0.0 - 239.195.255.255, TTL 10, 1 name
        "80 02 656E 0F 496E73696465 20 61626364 2E 636F6D" + // default flag, "en", "Inside abcd.com"
        "E0000100 EEFFFFFF 10 01" +                   // 224.0.1.0 - 238.255.255.255, TTL 16, 1 name
        "80 02 656E 05 776F726C64" +                  // default flag, "en", "world"
        "0000 0000");                                 // End

    private static readonly MadcapMessage Message = new(MadcapMessageType.Ack, MadcapAddressFamily.IPv4, 0x0A0B0C0D)
    {
        ServerIdentifier = IPAddress.Parse("192.0.2.7"),
        LeaseIdentifier = [0x00, 0x01],
        ScopeList =
        [
            new MadcapScope(IPAddress.Parse("239.192.0.0"), IPAddress.Parse("239.195.255.255"), 10, [new("en", "Inside abcd.com", IsDefault: true)]),
            new MadcapScope(IPAddress.Parse("224.0.1.0"), IPAddress.Parse("238.255.255.255"), 16, [new("en", "world", IsDefault: true)]),
        ],
    };

    [Fact]
    public void The_hand_written_option_is_51_octets_long()
    {
        // 8 header + 10 server id + 6 lease id + 4 option header + 51 + 4 End.
        Assert.Equal(8 + 10 + 6 + 4 + 51 + 4, Datagram.Length);
        Assert.Equal(51, (Datagram[24 + 2] << 8) | Datagram[24 + 3]);
    }

    [Fact]
    public void Encodes_byte_exact()
    {
        Assert.Equal(Hex(Datagram), Hex(MadcapEncoder.Encode(Message)));
        Assert.Equal(Datagram.Length, MadcapEncoder.GetEncodedLength(Message));
    }

    [Fact]
    public void Decodes_to_the_example()
    {
        var result = MadcapDecoder.Decode(Datagram);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(Message, result.Message);
        var world = result.Message!.ScopeList!.Value[1];
        Assert.Equal("world", Assert.Single(world.Names).Name);
        Assert.Equal(16, world.Ttl);
    }

    [Fact]
    public void Without_the_default_flag_the_flags_octet_is_zero()
    {
        var plain = Message with
        {
            ScopeList = [Message.ScopeList!.Value[0] with { Names = [new("en", "Inside abcd.com")] }, Message.ScopeList!.Value[1]],
        };
        var bytes = MadcapEncoder.Encode(plain);
        Assert.Equal(0x00, bytes[24 + 4 + 1 + 10]);
        Assert.Equal(plain, MadcapDecoder.Decode(bytes).Message);
    }

    [Fact]
    public void Encodes_into_a_span_and_a_buffer_writer_alike()
    {
        Span<byte> small = stackalloc byte[Datagram.Length - 1];
        Assert.False(MadcapEncoder.TryEncode(Message, small, out var none));
        Assert.Equal(0, none);

        Span<byte> exact = stackalloc byte[Datagram.Length];
        Assert.True(MadcapEncoder.TryEncode(Message, exact, out var written));
        Assert.Equal(Datagram.Length, written);
        Assert.Equal(Hex(Datagram), Hex(exact));

        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.Equal(Datagram.Length, MadcapEncoder.Encode(Message, writer));
        Assert.Equal(Hex(Datagram), Hex(writer.WrittenSpan));
    }
}

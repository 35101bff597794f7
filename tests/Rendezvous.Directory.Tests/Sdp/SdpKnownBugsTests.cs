using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>
/// Each bug class that other SDP parsers and writers have had
/// (../shared/reference/sdp-sap-peers.md), as a regression test.
/// </summary>
public sealed class SdpKnownBugsTests
{
    private static string With(string origin = "o=alice 1 1 IN IP4 192.0.2.1", string connection = "c=IN IP4 239.255.1.1/16", string times = "t=0 0", string media = "m=audio 5004 RTP/AVP 0") =>
        $"v=0\r\n{origin}\r\ns=Test\r\n{connection}\r\n{times}\r\n{media}\r\n";

    [Fact]
    public void Origin_ids_wider_than_64_bits_are_kept_exactly_not_truncated()
    {
        const string id = "340282366920938463463374607431768211457"; // 2^128 + 1
        var d = SdpParser.ParseOrThrow(With(origin: $"o=alice {id} 99999999999999999999 IN IP4 192.0.2.1"));
        Assert.Equal(id, d.Origin.SessionId);
        Assert.Equal("99999999999999999999", d.Origin.SessionVersion);
        Assert.Equal("100000000000000000000", d.WithNextVersion().Origin.SessionVersion);
        Assert.Contains($"o=alice {id} 99999999999999999999 ", SdpWriter.Write(d), StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_count_on_m_is_accepted()
    {
        var media = SdpParser.ParseOrThrow(With(media: "m=video 49170/2 RTP/AVP 31\r\nc=IN IP4 239.255.1.1/16/2")).Media[0];
        Assert.Equal(49170, media.Port);
        Assert.Equal(2, media.PortCount);
    }

    [Theory]
    [InlineData("c=IN IP4 233.252.0.1/127/3", "233.252.0.1", 127, 3)]
    [InlineData("c=IN IP4 233.252.0.1/3/127", "233.252.0.1", 3, 127)]
    [InlineData("c=IN IP4 233.252.0.1/127", "233.252.0.1", 127, null)]
    [InlineData("c=IN IP6 ff1e::101/3", "ff1e::101", null, 3)]
    public void Ttl_and_count_are_split_off_the_address_and_kept_apart(string line, string address, int? ttl, int? count)
    {
        // Several addresses belong in a media section (RFC 8866 section 5.7).
        var connection = SdpParser.ParseOrThrow(With(media: $"m=audio 5004 RTP/AVP 0\r\n{line}")).Media[0].Connections[0];
        Assert.Equal(address, connection.Address);
        Assert.Equal(ttl, connection.Ttl);
        Assert.Equal(count, connection.Count);
    }

    [Fact]
    public void R_0_0_from_real_programs_is_read_leniently_and_rejected_clearly_in_strict_mode()
    {
        var text = With(times: "t=3034423619 3042462419\r\nr=0 0");
        var lenient = SdpParser.Parse(text, SdpParseOptions.Lenient);
        Assert.True(lenient.Success);
        Assert.Equal("r=", Assert.Single(lenient.Warnings).Field);
        Assert.Equal(new SdpRepeat(new SdpTypedTime(0), new SdpTypedTime(0), []), Assert.Single(lenient.Description!.Times[0].Repeats));

        var strict = Assert.Single(SdpParser.Parse(text).Errors);
        Assert.Equal((6, "r="), (strict.Line, strict.Field));
        Assert.Contains("repeat interval of 0", strict.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r=")]
    [InlineData("r=7d")]
    [InlineData("r=-7d 1h 0")]
    [InlineData("r=7x 1h 0")]
    [InlineData("r=99999999999999999999d 1h 0")]
    [InlineData("r=d h")]
    [InlineData("z=")]
    [InlineData("z=2882844526")]
    [InlineData("z=2882844526 -")]
    [InlineData("z=2882844526 --1h")]
    [InlineData("z=-2882844526 1h")]
    [InlineData("z=18446744073709551616 1h")]
    public void Bad_r_and_z_lines_are_errors_not_crashes(string line)
    {
        // A bad r= stands alone after t=; a bad z= follows a good r=.
        var times = line.StartsWith('r') ? $"t=3034423619 3042462419\r\n{line}" : $"t=3034423619 3042462419\r\nr=7d 1h 0\r\n{line}";
        var result = SdpParser.Parse(With(times: times));
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Field.StartsWith(line[..2], StringComparison.Ordinal) && e.Line is 5 or 6 or 7);
    }

    [Fact]
    public void The_writer_puts_times_before_attributes()
    {
        var d = SdpEditing.Create("alice", "192.0.2.1", "Order", TimeProvider.System)
            .WithConnection("239.255.1.1", ttl: 16)
            .AddAttribute(new SdpAttribute("recvonly"))
            .RemoveTimeAt(0)
            .AddTime(new SdpTime(3034423619, 3042462419) { Repeats = [new SdpRepeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), [new(0)])] });
        var text = SdpWriter.Write(d);
        Assert.True(text.IndexOf("t=", StringComparison.Ordinal) < text.IndexOf("r=", StringComparison.Ordinal));
        Assert.True(text.IndexOf("r=", StringComparison.Ordinal) < text.IndexOf("a=recvonly", StringComparison.Ordinal));
        Assert.Equal(d, SdpParser.ParseOrThrow(text));
    }

    [Fact]
    public void Attributes_before_times_from_vendor_sdp_are_accepted_leniently_with_a_warning()
    {
        var text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Vendor\r\nc=IN IP4 239.255.1.1/16\r\na=type:broadcast\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
        Assert.False(SdpParser.Parse(text).Success);
        var lenient = SdpParser.Parse(text, SdpParseOptions.Lenient);
        Assert.True(lenient.Success);
        Assert.Equal((6, "t="), (Assert.Single(lenient.Warnings).Line, lenient.Warnings.Single().Field));
    }
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>Rules beyond syntax, reported with the line they concern.</summary>
public sealed class SdpValidatorTests
{
    private static string Sdp(string connection = "c=IN IP4 239.255.1.1/15", string times = "t=3034423619 3042462419", string media = "m=audio 5004 RTP/AVP 0") =>
        $"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Rules\r\n{connection}\r\n{times}\r\n{media}\r\n";

    private static SdpDiagnostic Only(string text, SdpSeverity severity, SdpAdvertisingScope? scope = null)
    {
        var result = SdpParser.Parse(text, SdpParseOptions.Strict with { AdvertisingScope = scope });
        return Assert.Single(result.Diagnostics, d => d.Severity == severity);
    }

    [Fact]
    public void A_clean_description_has_no_findings()
    {
        var result = SdpParser.Parse(Sdp(), SdpParseOptions.Strict with { AdvertisingScope = SdpAdvertisingScope.Site });
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Ipv4_multicast_without_a_ttl_is_an_error()
    {
        var error = Only(Sdp(connection: "c=IN IP4 239.255.1.1"), SdpSeverity.Error);
        Assert.Equal((4, "c= ttl"), (error.Line, error.Field));
    }

    [Theory]
    [InlineData("c=IN IP4 192.0.2.7/16", "c= ttl")]
    [InlineData("c=IN IP6 2001:db8::1/2", "c= number of addresses")]
    public void Ttl_or_count_on_a_unicast_address_is_an_error(string connection, string field)
    {
        var error = Only(Sdp(media: $"m=audio 5004 RTP/AVP 0\r\n{connection}"), SdpSeverity.Error);
        Assert.Equal((7, field), (error.Line, error.Field));
    }

    [Fact]
    public void An_address_type_that_does_not_match_the_address_is_an_error()
    {
        var error = Only(Sdp(media: "m=audio 5004 RTP/AVP 0\r\nc=IN IP6 239.255.1.1/16"), SdpSeverity.Error);
        Assert.Equal((7, "c= addrtype"), (error.Line, error.Field));
    }

    [Fact]
    public void Port_count_and_address_count_must_map_one_to_one()
    {
        Assert.Empty(SdpParser.Parse(Sdp(media: "m=video 49170/2 RTP/AVP 31\r\nc=IN IP4 239.255.1.1/15/2")).Diagnostics);
        var error = Only(Sdp(media: "m=video 49170/2 RTP/AVP 31\r\nc=IN IP4 239.255.1.1/15/3"), SdpSeverity.Error);
        Assert.Equal((6, "m= number of ports"), (error.Line, error.Field));
        Assert.Contains("3 addresses", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_addresses_at_session_level_are_an_error()
    {
        var error = Only(Sdp(connection: "c=IN IP4 239.255.1.1/15/2"), SdpSeverity.Error);
        Assert.Equal((4, "c= number of addresses"), (error.Line, error.Field));
    }

    [Fact]
    public void A_media_section_without_any_connection_is_an_error()
    {
        var error = Only(Sdp(connection: "b=AS:64", media: "m=audio 5004 RTP/AVP 0"), SdpSeverity.Error);
        Assert.Equal((6, "c="), (error.Line, error.Field));
    }

    [Fact]
    public void A_stop_time_before_the_start_is_an_error()
    {
        var error = Only(Sdp(times: "t=3042462419 3034423619"), SdpSeverity.Error);
        Assert.Equal((5, "t= stop-time"), (error.Line, error.Field));
    }

    [Fact]
    public void Repeats_need_a_start_time_and_should_have_a_stop_time()
    {
        var error = Only(Sdp(times: "t=0 0\r\nr=7d 1h 0"), SdpSeverity.Error);
        Assert.Equal((5, "r="), (error.Line, error.Field));

        var warning = Only(Sdp(times: "t=3034423619 0\r\nr=7d 1h 0"), SdpSeverity.Warning);
        Assert.Equal((5, "r="), (warning.Line, warning.Field));
    }

    [Theory]
    [InlineData("c=IN IP4 239.255.1.1/1", SdpAdvertisingScope.Local, null)]
    [InlineData("c=IN IP4 239.192.3.4/63", SdpAdvertisingScope.Region, null)]
    [InlineData("c=IN IP4 233.252.0.1/127", SdpAdvertisingScope.World, null)]
    [InlineData("c=IN IP6 ff05::1:3", SdpAdvertisingScope.Site, null)]
    [InlineData("c=IN IP4 233.252.0.1/15", SdpAdvertisingScope.Site, "c= connection-address")]
    [InlineData("c=IN IP4 239.255.1.1/127", SdpAdvertisingScope.World, "c= connection-address")]
    [InlineData("c=IN IP4 239.255.1.1/63", SdpAdvertisingScope.Site, "c= ttl")]
    [InlineData("c=IN IP6 ff0e::1:3", SdpAdvertisingScope.Region, "c= connection-address")]
    public void A_multicast_address_is_checked_against_the_advertised_scope(string connection, SdpAdvertisingScope scope, string? field)
    {
        var result = SdpParser.Parse(Sdp(connection: connection), SdpParseOptions.Strict with { AdvertisingScope = scope });
        Assert.True(result.Success);
        if (field is null)
        {
            Assert.Empty(result.Diagnostics);
        }
        else
        {
            var warning = Assert.Single(result.Warnings);
            Assert.Equal((4, field), (warning.Line, warning.Field));
        }
    }

    [Fact]
    public void Rules_name_the_line_inside_the_right_media_section()
    {
        var text = Sdp(media: "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 239.255.1.2/16\r\nm=video 5006 RTP/AVP 31\r\nc=IN IP4 239.255.1.3/16\r\nc=IN IP4 239.255.1.4");
        var error = Only(text, SdpSeverity.Error);
        Assert.Equal((10, "c= ttl"), (error.Line, error.Field));
    }

    [Fact]
    public void An_edited_model_is_validated_without_line_numbers()
    {
        var d = SdpParser.ParseOrThrow(Sdp()) with { Connection = new SdpConnection("IN", "IP4", "239.255.1.1") };
        var error = Assert.Single(SdpValidator.Validate(d));
        Assert.Equal((0, "c= ttl", SdpSeverity.Error), (error.Line, error.Field, error.Severity));
    }
}

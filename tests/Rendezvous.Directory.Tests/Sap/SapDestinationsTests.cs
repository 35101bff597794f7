using System.Net;
using Rendezvous.Directory.Sap;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>Which SAP group a session goes to, and with which TTL (RFC 2974 section 3, RFC 2365, RFC 4291).</summary>
public sealed class SapDestinationsTests
{
    private static readonly IReadOnlyList<SapScopeZone> Zones =
    [
        .. FixedZones(),
        new SapScopeZone(IPAddress.Parse("239.255.10.0"), IPAddress.Parse("239.255.10.255"), 4), // a smaller zone inside the local scope
        new SapScopeZone(IPAddress.Parse("233.252.0.0"), IPAddress.Parse("233.252.0.255"), 64),  // not administrative: ignored
    ];

    [Theory]
    [InlineData("IN IP4 239.255.42.42/16", "239.255.255.255", 16)]   // local scope: its highest address, its TTL
    [InlineData("IN IP4 239.193.1.1/32", "239.195.255.255", 32)]     // organization-local scope
    [InlineData("IN IP4 239.255.10.7/16", "239.255.10.255", 4)]      // the smallest zone that holds it
    [InlineData("IN IP4 224.2.130.1/127", "224.2.127.254", 127)]     // global scope: the session's own TTL
    [InlineData("IN IP4 233.252.0.1/64", "224.2.127.254", 64)]       // GLOP: global, whatever zones say
    [InlineData("IN IP6 FF05::1234", "ff05::2:7ffe", 255)]           // IPv6 site-local scope
    [InlineData("IN IP6 ff0e::101", "ff0e::2:7ffe", 255)]            // IPv6 global scope
    public void A_multicast_address_maps_to_its_scopes_sap_group(string connection, string group, int ttl)
    {
        var destination = Assert.Single(SapDestinations.For(Describe(connection), Zones));
        Assert.Equal(IPAddress.Parse(group), destination.Group);
        Assert.Equal(ttl, destination.Ttl);
    }

    [Theory]
    [InlineData("IN IP4 192.0.2.10")]       // unicast
    [InlineData("IN IP4 239.1.2.3/16")]     // administrative, in no known zone: not announced past its boundary
    [InlineData("IN IP4 224.0.0.251/1")]    // link-local control block
    [InlineData("IN IP6 2001:db8::1")]
    [InlineData("IN IP6 ff00::1")]          // reserved IPv6 scope 0
    [InlineData("IN IP4 host.example.com")]
    public void No_group_for_what_is_not_an_announceable_multicast_group(string connection) =>
        Assert.Empty(SapDestinations.For(Describe(connection), Zones));

    [Fact]
    public void A_session_in_several_scopes_goes_to_each_group_once_with_the_highest_ttl()
    {
        var description = SdpParser.ParseOrThrow(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Two scopes\r\nc=IN IP4 239.255.1.1/16\r\nt=0 0\r\n" +
            "m=audio 5004 RTP/AVP 0\r\nm=video 5006 RTP/AVP 96\r\nc=IN IP4 224.2.130.9/63\r\nc=IN IP4 224.2.130.10/127\r\na=rtpmap:96 H264/90000\r\n" +
            "m=audio 5008 RTP/AVP 0\r\nc=IN IP4 239.255.2.2/16\r\n");
        var destinations = SapDestinations.For(description, Zones);
        Assert.Equal([new SapDestination(IPAddress.Parse("239.255.255.255"), 16), new SapDestination(IPAddress.Parse("224.2.127.254"), 127)], destinations);
    }

    [Fact]
    public void A_zone_is_administrative_only_inside_239_slash_8()
    {
        Assert.True(new SapScopeZone(IPAddress.Parse("239.0.0.0"), IPAddress.Parse("239.0.0.255"), 1).IsAdministrative);
        Assert.False(new SapScopeZone(IPAddress.Parse("238.0.0.0"), IPAddress.Parse("239.0.0.255"), 1).IsAdministrative);
        Assert.False(new SapScopeZone(IPAddress.Parse("239.0.1.0"), IPAddress.Parse("239.0.0.255"), 1).IsAdministrative);
        Assert.False(new SapScopeZone(IPAddress.Parse("ff05::"), IPAddress.Parse("ff05::ffff"), 1).IsAdministrative);
        Assert.Equal(IPAddress.Parse("239.195.255.255"), FixedZones()[1].Group);
    }

    private static IReadOnlyList<SapScopeZone> FixedZones() => FixedSapScopeZones.Defaults.Zones;

    private static SessionDescription Describe(string connection) =>
        SdpParser.Parse($"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=S\r\nc={connection}\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n", SdpParseOptions.Lenient with { Validate = false }).Description!;
}

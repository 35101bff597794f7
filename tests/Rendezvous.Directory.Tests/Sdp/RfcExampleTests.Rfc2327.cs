using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>
/// RFC 2327 (April 1998): its whole description and the H.332 example of section 6.1. Its
/// addresses are those of its time (126.16.64.4, 224.2.17.12), kept as written.
/// </summary>
public sealed partial class RfcExampleTests
{
    // RFC 2327 section 6: "An example SDP description is:"
    private const string Rfc2327Example =
        "v=0\r\n" +
        "o=mhandley 2890844526 2890842807 IN IP4 126.16.64.4\r\n" +
        "s=SDP Seminar\r\n" +
        "i=A Seminar on the session description protocol\r\n" +
        "u=http://www.cs.ucl.ac.uk/staff/M.Handley/sdp.03.ps\r\n" +
        "e=mjh@isi.edu (Mark Handley)\r\n" +
        "c=IN IP4 224.2.17.12/127\r\n" +
        "t=2873397496 2873404696\r\n" +
        "a=recvonly\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "m=video 51372 RTP/AVP 31\r\n" +
        "m=application 32416 udp wb\r\n" +
        "a=orient:portrait\r\n";

    // RFC 2327 section 6.1: "An example is an ITU H.332 session:" given from c= on. The v=, o=
    // and s= lines before it and the t= line that must come between c= and a= are fill-ins from
    // the section 6 example.
    private const string Rfc2327H332Example =
        "v=0\r\n" +
        "o=mhandley 2890844526 2890842807 IN IP4 126.16.64.4\r\n" +
        "s=SDP Seminar\r\n" +
        "c=IN IP4 224.5.6.7\r\n" +
        "t=2873397496 2873404696\r\n" +
        "a=type:H332\r\n" +
        "m=audio 49230 RTP/AVP 0\r\n" +
        "m=video 49232 RTP/AVP 31\r\n" +
        "m=application 12349 udp wb\r\n" +
        "m=control 49234 H323 mc\r\n" +
        "c=IN IP4 134.134.157.81\r\n";

    [Fact]
    public void Rfc2327_section_6_example_parses_in_strict_mode_into_every_field_and_writes_back_as_the_rfc_prints_it()
    {
        var d = Valid(Rfc2327Example, "RFC 2327 6");

        Assert.Equal(
            new SessionDescription
            {
                Version = 0,
                Origin = new SdpOrigin("mhandley", "2890844526", "2890842807", "IN", "IP4", "126.16.64.4"),
                Name = "SDP Seminar",
                Information = "A Seminar on the session description protocol",
                Uri = "http://www.cs.ucl.ac.uk/staff/M.Handley/sdp.03.ps",
                Emails = ["mjh@isi.edu (Mark Handley)"],
                Connection = new SdpConnection("IN", "IP4", "224.2.17.12", Ttl: 127),
                Times = [new SdpTime(2873397496, 2873404696)],
                Attributes = [new SdpAttribute("recvonly")],
                Media =
                [
                    new SdpMedia("audio", 49170, null, "RTP/AVP", ["0"]),
                    new SdpMedia("video", 51372, null, "RTP/AVP", ["31"]),
                    new SdpMedia("application", 32416, null, "udp", ["wb"]) { Attributes = [new SdpAttribute("orient", "portrait")] },
                ],
            },
            d);
        Assert.Empty(d.Phones);

        // "For instance, in the example below, each media behaves as if it were given a
        // `recvonly' attribute."
        Assert.Equal(["recvonly", "recvonly", "recvonly"], d.Media.Select(m => Direction(d, m)));
    }

    [Fact]
    public void Rfc2327_section_6_1_h332_example_lacks_the_ttl_its_multicast_address_needs()
    {
        // RFC 2327 6: "Conferences using an IP multicast connection address must also have a time
        // to live (TTL) value present in addition to the multicast address." (RFC 4566 and 8866
        // 5.7: "MUST also have a time to live (TTL) value".) c=IN IP4 224.5.6.7 has none: the
        // example is invalid in either mode, and the error names the session-level c= line.
        foreach (var options in new[] { SdpParseOptions.Strict, SdpParseOptions.Lenient })
        {
            var result = SdpParser.Parse(Rfc2327H332Example, options);
            Assert.Null(result.Description);
            AssertDiagnostic(Assert.Single(result.Diagnostics), SdpSeverity.Error, 4, "c= ttl");
        }

        // Without the validator, every field of the example reads as the RFC gives it.
        var d = SdpParser.Parse(Rfc2327H332Example, Unvalidated).Description;
        Assert.Equal(
            new SessionDescription
            {
                Origin = new SdpOrigin("mhandley", "2890844526", "2890842807", "IN", "IP4", "126.16.64.4"),
                Name = "SDP Seminar",
                Connection = new SdpConnection("IN", "IP4", "224.5.6.7"),
                Times = [new SdpTime(2873397496, 2873404696)],
                Attributes = [new SdpAttribute("type", "H332")],
                Media =
                [
                    new SdpMedia("audio", 49230, null, "RTP/AVP", ["0"]),
                    new SdpMedia("video", 49232, null, "RTP/AVP", ["31"]),
                    new SdpMedia("application", 12349, null, "udp", ["wb"]),
                    // "a contact addresses for the H.323 session multipoint controller is given"
                    new SdpMedia("control", 49234, null, "H323", ["mc"]) { Connections = [new SdpConnection("IN", "IP4", "134.134.157.81")] },
                ],
            },
            d);
        AssertRoundTrip(d!, Rfc2327H332Example, Unvalidated);
    }
}

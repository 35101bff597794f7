using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>RFC 4566 (July 2006): its whole description. Its line examples are in RfcExampleTests.cs.</summary>
public sealed partial class RfcExampleTests
{
    // RFC 4566 section 5: "An example SDP description is:"
    internal const string Rfc4566Example =
        "v=0\r\n" +
        "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n" +
        "s=SDP Seminar\r\n" +
        "i=A Seminar on the session description protocol\r\n" +
        "u=http://www.example.com/seminars/sdp.pdf\r\n" +
        "e=j.doe@example.com (Jane Doe)\r\n" +
        "c=IN IP4 224.2.17.12/127\r\n" +
        "t=2873397496 2873404696\r\n" +
        "a=recvonly\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "m=video 51372 RTP/AVP 99\r\n" +
        "a=rtpmap:99 h263-1998/90000\r\n";

    [Fact]
    public void Rfc4566_section_5_example_parses_into_every_field_and_writes_back_as_the_rfc_prints_it()
    {
        var d = Valid(Rfc4566Example, "RFC 4566 5");

        Assert.Equal(
            new SessionDescription
            {
                Version = 0,
                Origin = new SdpOrigin("jdoe", "2890844526", "2890842807", "IN", "IP4", "10.47.16.5"),
                Name = "SDP Seminar",
                Information = "A Seminar on the session description protocol",
                Uri = "http://www.example.com/seminars/sdp.pdf",
                Emails = ["j.doe@example.com (Jane Doe)"],
                Connection = new SdpConnection("IN", "IP4", "224.2.17.12", Ttl: 127),
                Times = [new SdpTime(2873397496, 2873404696)],
                Attributes = [new SdpAttribute("recvonly")],
                Media =
                [
                    new SdpMedia("audio", 49170, null, "RTP/AVP", ["0"]),
                    new SdpMedia("video", 51372, null, "RTP/AVP", ["99"]) { Attributes = [new SdpAttribute("rtpmap", "99 h263-1998/90000")] },
                ],
            },
            d);
        Assert.Empty(d.Phones);
        Assert.Null(d.Key);

        // "in the example below, each media behaves as if it were given a "recvonly" attribute."
        Assert.Equal(["recvonly", "recvonly"], d.Media.Select(m => Direction(d, m)));
        Assert.All(d.Media, m => Assert.Equal([new SdpConnection("IN", "IP4", "224.2.17.12", 127)], ConnectionsOf(d, m)));
    }
}

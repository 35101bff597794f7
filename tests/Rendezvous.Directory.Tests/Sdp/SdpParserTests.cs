using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

public sealed class SdpParserTests
{
    /// <summary>RFC 4566 section 5's example, a complete multicast description.</summary>
    internal const string Seminar = RfcExampleTests.Rfc4566Example;

    private static SdpParseResult Strict(string text) => SdpParser.Parse(text, SdpParseOptions.Strict);

    private static SdpParseResult Lenient(string text) => SdpParser.Parse(text, SdpParseOptions.Lenient);

    private static SdpDiagnostic SingleError(SdpParseResult result) => Assert.Single(result.Errors);

    [Fact]
    public void A_complete_description_parses_into_every_field()
    {
        var result = Strict(Seminar);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        var d = result.Description!;
        Assert.Equal(new SdpOrigin("jdoe", "2890844526", "2890842807", "IN", "IP4", "10.47.16.5"), d.Origin);
        Assert.Equal("SDP Seminar", d.Name);
        Assert.Equal("A Seminar on the session description protocol", d.Information);
        Assert.Equal("http://www.example.com/seminars/sdp.pdf", d.Uri);
        Assert.Equal(["j.doe@example.com (Jane Doe)"], d.Emails);
        Assert.Equal(new SdpConnection("IN", "IP4", "224.2.17.12", 127), d.Connection);
        Assert.Equal([new SdpTime(2873397496, 2873404696)], d.Times);
        Assert.Equal([new SdpAttribute("recvonly")], d.Attributes);
        Assert.Equal(2, d.Media.Count);
        Assert.Equal(new SdpMedia("audio", 49170, null, "RTP/AVP", ["0"]), d.Media[0]);
        Assert.Equal(new SdpMedia("video", 51372, null, "RTP/AVP", ["99"]) { Attributes = [new SdpAttribute("rtpmap", "99 h263-1998/90000")] }, d.Media[1]);
    }

    [Fact]
    public void Lf_line_ends_are_accepted_in_strict_mode()
    {
        var result = Strict(Seminar.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.True(result.Success);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Writing_gives_canonical_text_that_parses_back_equal()
    {
        var d = Strict(Seminar).Description!;
        var text = SdpWriter.Write(d);
        Assert.Equal(Seminar, text);
        Assert.Equal(d, Strict(text).Description);
    }

    [Fact]
    public void Errors_name_the_line_the_field_and_what_was_expected()
    {
        var error = SingleError(Strict(Seminar.Replace("c=IN IP4 224.2.17.12/127", "c=IN IP4 224.2.17.12/300", StringComparison.Ordinal)));
        Assert.Equal(7, error.Line);
        Assert.Equal("c= ttl", error.Field);
        Assert.Equal("0-255", error.Expected);
    }

    [Fact]
    public void Lenient_mode_accepts_attributes_before_times_with_a_warning()
    {
        var text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Vendor\r\nc=IN IP4 239.255.1.1/16\r\na=tool:vendor\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
        Assert.Equal("t=", SingleError(Strict(text)).Field);
        var lenient = Lenient(text);
        Assert.True(lenient.Success);
        var warning = Assert.Single(lenient.Warnings);
        Assert.Equal(6, warning.Line);
        Assert.Equal([new SdpAttribute("tool", "vendor")], lenient.Description!.Attributes);
    }
}

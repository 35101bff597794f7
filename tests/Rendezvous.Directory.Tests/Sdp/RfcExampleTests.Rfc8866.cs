using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>RFC 8866 (January 2021): its whole descriptions and its time examples.</summary>
public sealed partial class RfcExampleTests
{
    // RFC 8866 section 5: "An example SDP description is:"
    private const string Rfc8866Example =
        "v=0\r\n" +
        "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n" +
        "s=Call to John Smith\r\n" +
        "i=SDP Offer #1\r\n" +
        "u=http://www.jdoe.example.com/home.html\r\n" +
        "e=Jane Doe <jane@jdoe.example.com>\r\n" +
        "p=+1 617 555-6011\r\n" +
        "c=IN IP4 198.51.100.1\r\n" +
        "t=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "m=audio 49180 RTP/AVP 0\r\n" +
        "m=video 51372 RTP/AVP 99\r\n" +
        "c=IN IP6 2001:db8::2\r\n" +
        "a=rtpmap:99 h263-1998/90000\r\n";

    // RFC 8866 section 6.7: "Within the following SDP example, the "a=sendrecv" attribute applies
    // to the first audio media and the "a=inactive" attribute applies to the others."
    private const string Rfc8866DirectionExample =
        "v=0\r\n" +
        "o=jdoe 3724395000 3724395001 IN IP6 2001:db8::1\r\n" +
        "s=-\r\n" +
        "c=IN IP6 2001:db8::1\r\n" +
        "t=0 0\r\n" +
        "a=inactive\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "a=sendrecv\r\n" +
        "m=audio 49180 RTP/AVP 0\r\n" +
        "m=video 51372 RTP/AVP 99\r\n" +
        "a=rtpmap:99 h263-1998/90000\r\n";

    [Fact]
    public void Rfc8866_section_5_example_parses_into_every_field_and_writes_back_as_the_rfc_prints_it()
    {
        var d = Valid(Rfc8866Example, "RFC 8866 5");

        Assert.Equal(
            new SessionDescription
            {
                Version = 0,
                Origin = new SdpOrigin("jdoe", "3724394400", "3724394405", "IN", "IP4", "198.51.100.1"),
                Name = "Call to John Smith",
                Information = "SDP Offer #1",
                Uri = "http://www.jdoe.example.com/home.html",
                Emails = ["Jane Doe <jane@jdoe.example.com>"],
                Phones = ["+1 617 555-6011"],
                Connection = new SdpConnection("IN", "IP4", "198.51.100.1"),
                Times = [new SdpTime(0, 0)],
                Media =
                [
                    new SdpMedia("audio", 49170, null, "RTP/AVP", ["0"]),
                    new SdpMedia("audio", 49180, null, "RTP/AVP", ["0"]),
                    new SdpMedia("video", 51372, null, "RTP/AVP", ["99"])
                    {
                        Connections = [new SdpConnection("IN", "IP6", "2001:db8::2")],
                        Attributes = [new SdpAttribute("rtpmap", "99 h263-1998/90000")],
                    },
                ],
            },
            d);
        Assert.True(d.Times[0].IsPermanent);
        Assert.Null(d.Key);
        Assert.Empty(d.Bandwidths);
        Assert.Empty(d.Attributes);

        // "each audio media description behaves as if it were given a "c=IN IP4 198.51.100.1"."
        SdpConnection session = new("IN", "IP4", "198.51.100.1");
        Assert.Equal([session], ConnectionsOf(d, d.Media[0]));
        Assert.Equal([session], ConnectionsOf(d, d.Media[1]));
        Assert.Equal([new SdpConnection("IN", "IP6", "2001:db8::2")], ConnectionsOf(d, d.Media[2]));
    }

    [Fact]
    public void Rfc8866_section_6_7_example_gives_sendrecv_to_the_first_audio_and_inactive_to_the_others()
    {
        var d = Valid(Rfc8866DirectionExample, "RFC 8866 6.7");

        Assert.Equal(
            new SessionDescription
            {
                Origin = new SdpOrigin("jdoe", "3724395000", "3724395001", "IN", "IP6", "2001:db8::1"),
                Name = "-",
                Connection = new SdpConnection("IN", "IP6", "2001:db8::1"),
                Times = [new SdpTime(0, 0)],
                Attributes = [new SdpAttribute("inactive")],
                Media =
                [
                    new SdpMedia("audio", 49170, null, "RTP/AVP", ["0"]) { Attributes = [new SdpAttribute("sendrecv")] },
                    new SdpMedia("audio", 49180, null, "RTP/AVP", ["0"]),
                    new SdpMedia("video", 51372, null, "RTP/AVP", ["99"]) { Attributes = [new SdpAttribute("rtpmap", "99 h263-1998/90000")] },
                ],
            },
            d);
        Assert.Equal(["sendrecv", "inactive", "inactive"], d.Media.Select(m => Direction(d, m)));
    }

    [Fact]
    public void Rfc8866_section_5_9_example_has_two_active_intervals()
    {
        // "The following example specifies two active intervals:" (comments left out)
        //   t=3724394400 3724398000 ; Mon 8-Jan-2018 10:00-11:00 UTC
        //   t=3724484400 3724488000 ; Tue 9-Jan-2018 11:00-12:00 UTC
        var d = Valid(Sdp([.. Head(8866), SessionConnection(8866), "t=3724394400 3724398000", "t=3724484400 3724488000"]), "RFC 8866 5.9");

        Assert.Equal([new SdpTime(3724394400, 3724398000), new SdpTime(3724484400, 3724488000)], d.Times);
        Assert.All(d.Times, t => Assert.False(t.IsUnbounded));
    }

    // RFC 8866 5.9: "These are the decimal representation of time values in seconds since January
    // 1, 1900 UTC. To convert these values to Unix time (UTC), subtract decimal 2208988800."
    // Each row is a time from the examples of 5.9 to 5.11 with the day and hour its comment gives.
    [Theory]
    [InlineData("5.9, 5.10, 5.11", 3724394400UL, 2018, 1, 8, 10, DayOfWeek.Monday)]
    [InlineData("5.9", 3724398000UL, 2018, 1, 8, 11, DayOfWeek.Monday)]
    [InlineData("5.9", 3724484400UL, 2018, 1, 9, 11, DayOfWeek.Tuesday)]
    [InlineData("5.9", 3724488000UL, 2018, 1, 9, 12, DayOfWeek.Tuesday)]
    [InlineData("5.10", 3730536000UL, 2018, 3, 20, 12, DayOfWeek.Tuesday)]
    [InlineData("5.11", 3754123200UL, 2018, 12, 18, 12, DayOfWeek.Tuesday)]
    [InlineData("5.11", 3730928400UL, 2018, 3, 25, 1, DayOfWeek.Sunday)]
    [InlineData("5.11", 3749680800UL, 2018, 10, 28, 2, DayOfWeek.Sunday)]
    public void Rfc8866_example_times_are_the_utc_times_their_comments_give(string section, ulong time, int year, int month, int day, int hour, DayOfWeek weekday)
    {
        Assert.Equal(2208988800UL, SdpNumbers.NtpEpochOffsetSeconds);

        var utc = DateTimeOffset.FromUnixTimeSeconds((long)(time - SdpNumbers.NtpEpochOffsetSeconds));

        Assert.True(new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.Zero) == utc, $"RFC 8866 {section}: {time} is {utc:u}");
        Assert.Equal(weekday, utc.DayOfWeek);
    }
}

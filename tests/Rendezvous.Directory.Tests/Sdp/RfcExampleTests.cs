using System.Net;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>
/// Every example SDP of RFC 2327, RFC 4566 and RFC 8866, with the values read by hand from the
/// RFC text. Whole descriptions are in RfcExampleTests.Rfc2327.cs, .Rfc4566.cs and .Rfc8866.cs;
/// this file holds the line examples (c=, m=, r=, z=, k=, b=, a=, e=, p=, s=), one row per example
/// and RFC section. A line example is set in a minimal description made of lines of the same RFC's
/// main example (see <see cref="Head"/>), so the only new line is the example itself; the lines an
/// example needs around it (an m= for a media-level line, a t= for an r=) come from the RFC too,
/// and every fill-in that does not is marked as such.
/// Where the RFC prints a comment after a line (RFC 8866 sections 5.9 to 5.11), the comment is
/// left out: SDP has no comments.
/// </summary>
public sealed partial class RfcExampleTests
{
    private static readonly SdpParseOptions Unvalidated = SdpParseOptions.Strict with { Validate = false };

    private static readonly string[] DirectionNames = ["recvonly", "sendrecv", "sendonly", "inactive"];

    // ---------------------------------------------------------------------------------------
    // e= and p=: RFC 2327 section 6, RFC 4566 section 5.6, RFC 8866 section 5.6.
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2327, "RFC 2327 6", "p=+44-171-380-7777", 'p', "+44-171-380-7777")]
    [InlineData(2327, "RFC 2327 6", "p=+1 617 253 6011", 'p', "+1 617 253 6011")]
    [InlineData(2327, "RFC 2327 6", "e=mjh@isi.edu (Mark Handley)", 'e', "mjh@isi.edu (Mark Handley)")]
    [InlineData(2327, "RFC 2327 6", "e=Mark Handley <mjh@isi.edu>", 'e', "Mark Handley <mjh@isi.edu>")]
    [InlineData(8866, "RFC 4566 5.6, RFC 8866 5.6", "p=+1 617 555-6011", 'p', "+1 617 555-6011")]
    [InlineData(8866, "RFC 4566 5.6, RFC 8866 5.6", "e=j.doe@example.com (Jane Doe)", 'e', "j.doe@example.com (Jane Doe)")]
    [InlineData(8866, "RFC 4566 5.6, RFC 8866 5.6", "e=Jane Doe <j.doe@example.com>", 'e', "Jane Doe <j.doe@example.com>")]
    public void Email_and_phone_examples_keep_the_address_with_its_free_text(int rfc, string section, string line, char type, string value)
    {
        var d = Valid(Sdp([.. Head(rfc), line, SessionConnection(rfc), SessionTime(rfc)]), section);

        Assert.Equal(type == 'e' ? ListOf(value) : default, d.Emails);
        Assert.Equal(type == 'p' ? ListOf(value) : default, d.Phones);
    }

    // ---------------------------------------------------------------------------------------
    // s=: RFC 4566 5.3 "If a session has no meaningful name, the value "s= " SHOULD be used";
    // RFC 8866 5.3 "then "s= " or "s=-" (i.e., a single space or dash as the session name) is
    // RECOMMENDED", and "The "s=" line MUST NOT be empty."
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("RFC 4566 5.3, RFC 8866 5.3", "s= ", " ")]
    [InlineData("RFC 8866 5.3", "s=-", "-")]
    public void Session_name_examples_for_a_session_without_a_name(string section, string line, string name)
    {
        var d = Valid(Sdp(Head(8866)[0], Head(8866)[1], line, SessionConnection(8866), SessionTime(8866)), section);

        Assert.Equal(name, d.Name);
    }

    [Fact]
    public void An_empty_session_name_is_an_error_in_strict_mode_and_a_warning_in_lenient_mode()
    {
        // RFC 8866 5.3 and RFC 4566 5.3: "The "s=" line MUST NOT be empty."
        var text = Sdp(Head(8866)[0], Head(8866)[1], "s=", SessionConnection(8866), SessionTime(8866));

        var strict = SdpParser.Parse(text, SdpParseOptions.Strict);
        Assert.Null(strict.Description);
        AssertDiagnostic(Assert.Single(strict.Diagnostics), SdpSeverity.Error, 3, "s=");

        var lenient = SdpParser.Parse(text, SdpParseOptions.Lenient);
        AssertDiagnostic(Assert.Single(lenient.Diagnostics), SdpSeverity.Warning, 3, "s=");
        Assert.Equal("", lenient.Description!.Name);
    }

    // ---------------------------------------------------------------------------------------
    // c= with one multicast address and a TTL: RFC 2327 6, RFC 4566 5.7, RFC 8866 5.7
    // ("The TTL for the session is appended to the address using a slash as a separator.").
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2327, "RFC 2327 6", "c=IN IP4 224.2.1.1/127", "224.2.1.1")]
    [InlineData(4566, "RFC 4566 5.7", "c=IN IP4 224.2.36.42/127", "224.2.36.42")]
    [InlineData(8866, "RFC 8866 5.7", "c=IN IP4 233.252.0.1/127", "233.252.0.1")]
    public void Connection_examples_with_a_ttl(int rfc, string section, string line, string address)
    {
        var d = Valid(Sdp([.. Head(rfc), line, SessionTime(rfc)]), section);

        Assert.Equal(new SdpConnection("IN", "IP4", address, Ttl: 127, Count: null), d.Connection);
    }

    // ---------------------------------------------------------------------------------------
    // c= with several addresses, in a media description (RFC 8866 5.7: "This is semantically
    // identical to including multiple "c=" lines in a media description"). Both forms parse, and
    // the addresses the one-line form stands for are those of the several lines.
    // ---------------------------------------------------------------------------------------

    public static TheoryData<int, string, string, SdpConnection, string[], SdpConnection[]> MultipleAddressExamples => new()
    {
        {
            4566, "RFC 2327 6, RFC 4566 5.7", "c=IN IP4 224.2.1.1/127/3", new("IN", "IP4", "224.2.1.1", 127, 3),
            ["c=IN IP4 224.2.1.1/127", "c=IN IP4 224.2.1.2/127", "c=IN IP4 224.2.1.3/127"],
            [new("IN", "IP4", "224.2.1.1", 127), new("IN", "IP4", "224.2.1.2", 127), new("IN", "IP4", "224.2.1.3", 127)]
        },
        {
            4566, "RFC 4566 5.7", "c=IN IP6 FF15::101/3", new("IN", "IP6", "FF15::101", null, 3),
            ["c=IN IP6 FF15::101", "c=IN IP6 FF15::102", "c=IN IP6 FF15::103"],
            [new("IN", "IP6", "FF15::101"), new("IN", "IP6", "FF15::102"), new("IN", "IP6", "FF15::103")]
        },
        {
            8866, "RFC 8866 5.7", "c=IN IP4 233.252.0.1/127/3", new("IN", "IP4", "233.252.0.1", 127, 3),
            ["c=IN IP4 233.252.0.1/127", "c=IN IP4 233.252.0.2/127", "c=IN IP4 233.252.0.3/127"],
            [new("IN", "IP4", "233.252.0.1", 127), new("IN", "IP4", "233.252.0.2", 127), new("IN", "IP4", "233.252.0.3", 127)]
        },
        {
            8866, "RFC 8866 5.7", "c=IN IP6 ff00::db8:0:101/3", new("IN", "IP6", "ff00::db8:0:101", null, 3),
            ["c=IN IP6 ff00::db8:0:101", "c=IN IP6 ff00::db8:0:102", "c=IN IP6 ff00::db8:0:103"],
            [new("IN", "IP6", "ff00::db8:0:101"), new("IN", "IP6", "ff00::db8:0:102"), new("IN", "IP6", "ff00::db8:0:103")]
        },
    };

    [Theory]
    [MemberData(nameof(MultipleAddressExamples))]
    public void Multiple_address_examples_equal_their_several_c_lines(
        int rfc, string section, string line, SdpConnection connection, string[] equivalentLines, SdpConnection[] equivalents)
    {
        // The m= line is a fill-in from the RFC's main example; the c= lines are the example.
        var oneLine = Valid(Sdp([.. Head(rfc), SessionTime(rfc), "m=audio 49170 RTP/AVP 0", line]), section);
        var severalLines = Valid(Sdp([.. Head(rfc), SessionTime(rfc), "m=audio 49170 RTP/AVP 0", .. equivalentLines]), section);

        var media = Assert.Single(oneLine.Media);
        Assert.Equal([connection], media.Connections);
        Assert.Equal(ValueList.From(equivalents), Assert.Single(severalLines.Media).Connections);
        Assert.Equal(severalLines.Media[0].Connections.SelectMany(Addresses), Addresses(connection));
    }

    // RFC 2327 6: "Multiple addresses or "c=" lines can only be specified on a per-media basis, and
    // not for a session-level "c=" field." RFC 4566 5.7: "They MUST NOT be specified for a
    // session-level "c=" field." RFC 8866 5.7: "Multiple addresses or "c=" lines MUST NOT be
    // specified at session level." The same example lines at session level must be rejected.
    [Theory]
    [InlineData(4566, "RFC 2327 6, RFC 4566 5.7", "c=IN IP4 224.2.1.1/127/3")]
    [InlineData(4566, "RFC 4566 5.7", "c=IN IP6 FF15::101/3")]
    [InlineData(8866, "RFC 8866 5.7", "c=IN IP4 233.252.0.1/127/3")]
    [InlineData(8866, "RFC 8866 5.7", "c=IN IP6 ff00::db8:0:101/3")]
    public void Multiple_address_examples_at_session_level_are_an_error(int rfc, string section, string line)
    {
        var result = SdpParser.Parse(Sdp([.. Head(rfc), line, SessionTime(rfc), "m=audio 49170 RTP/AVP 0"]), SdpParseOptions.Strict);

        Assert.True(result.Errors.Any(e => e.Line == 4 && e.Field.StartsWith("c=", StringComparison.Ordinal)),
            $"{section}: expected an error for line 4 ({line}); got [{string.Join("; ", result.Diagnostics)}]");
        Assert.Null(result.Description);
    }

    // ---------------------------------------------------------------------------------------
    // m=: RFC 2327 6, RFC 4566 5.14 and 6, RFC 8866 5.14 and 6.6. Set after the RFC 8866 main
    // example's session lines (a unicast c=, as RFC 8866 5.14 has multiple ports for unicast).
    // ---------------------------------------------------------------------------------------

    public static TheoryData<string, string[], SdpMedia> MediaExamples => new()
    {
        // "ports 49170 and 49171 form one RTP/RTCP pair and 49172 and 49173 form the second".
        { "RFC 2327 6, RFC 4566 5.14, RFC 8866 5.14", ["m=video 49170/2 RTP/AVP 31"], new("video", 49170, 2, "RTP/AVP", ["31"]) },
        // RFC 2327 describes u-law audio but prints "video": kept as written.
        { "RFC 2327 6", ["m=video 49232 RTP/AVP 0"], new("video", 49232, null, "RTP/AVP", ["0"]) },
        { "RFC 4566 6, RFC 8866 6.6", ["m=audio 49232 RTP/AVP 0"], new("audio", 49232, null, "RTP/AVP", ["0"]) },
        {
            "RFC 2327 6", ["m=video 49232 RTP/AVP 98", "a=rtpmap:98 L16/16000/2"],
            new("video", 49232, null, "RTP/AVP", ["98"]) { Attributes = [new("rtpmap", "98 L16/16000/2")] }
        },
        {
            "RFC 4566 6, RFC 8866 6.6", ["m=audio 49232 RTP/AVP 98", "a=rtpmap:98 L16/16000/2"],
            new("audio", 49232, null, "RTP/AVP", ["98"]) { Attributes = [new("rtpmap", "98 L16/16000/2")] }
        },
        {
            "RFC 2327 6, RFC 4566 6, RFC 8866 6.6",
            ["m=audio 49230 RTP/AVP 96 97 98", "a=rtpmap:96 L8/8000", "a=rtpmap:97 L16/8000", "a=rtpmap:98 L16/11025/2"],
            new("audio", 49230, null, "RTP/AVP", ["96", "97", "98"])
            {
                Attributes = [new("rtpmap", "96 L8/8000"), new("rtpmap", "97 L16/8000"), new("rtpmap", "98 L16/11025/2")],
            }
        },
        {
            "RFC 2327 6", ["m=video 49232 RTP/AVP 99", "a=rtpmap:99 X-GSMLPC/8000"],
            new("video", 49232, null, "RTP/AVP", ["99"]) { Attributes = [new("rtpmap", "99 X-GSMLPC/8000")] }
        },
        { "RFC 2327 6", ["m=application 32416 udp wb"], new("application", 32416, null, "udp", ["wb"]) },
    };

    [Theory]
    [MemberData(nameof(MediaExamples))]
    public void Media_examples(string section, string[] lines, SdpMedia media)
    {
        var d = Valid(Sdp([.. Head(8866), SessionConnection(8866), SessionTime(8866), .. lines]), section);

        Assert.Equal([media], d.Media);
    }

    // RFC 4566 5.14 and RFC 8866 5.14: "If multiple addresses are specified in the "c=" line and
    // multiple ports are specified in the "m=" line, a one-to-one mapping from port to the
    // corresponding address is implied." Each row ends with the pairs the RFC spells out.
    public static TheoryData<int, string, string[], SdpMedia, string[]> PortMappingExamples => new()
    {
        {
            // RFC 4566 prints the c= line before the m= line, which would make it a session-level
            // c= with two addresses, which its section 5.7 forbids; it is set in the media section,
            // where RFC 8866 5.14 puts the same example.
            4566, "RFC 4566 5.14", ["m=video 49170/2 RTP/AVP 31", "c=IN IP4 224.2.1.1/127/2"],
            new("video", 49170, 2, "RTP/AVP", ["31"]) { Connections = [new("IN", "IP4", "224.2.1.1", 127, 2)] },
            ["224.2.1.1 49170 49171", "224.2.1.2 49172 49173"]
        },
        {
            8866, "RFC 8866 5.14", ["m=video 49170/2 RTP/AVP 31", "c=IN IP4 233.252.0.1/127/2"],
            new("video", 49170, 2, "RTP/AVP", ["31"]) { Connections = [new("IN", "IP4", "233.252.0.1", 127, 2)] },
            ["233.252.0.1 49170 49171", "233.252.0.2 49172 49173"]
        },
        {
            8866, "RFC 8866 5.14", ["m=video 49170/2 RTP/AVP 31", "c=IN IP6 ff00::db8:0:101", "c=IN IP6 ff00::db8:0:102"],
            new("video", 49170, 2, "RTP/AVP", ["31"]) { Connections = [new("IN", "IP6", "ff00::db8:0:101"), new("IN", "IP6", "ff00::db8:0:102")] },
            ["ff00::db8:0:101 49170 49171", "ff00::db8:0:102 49172 49173"]
        },
    };

    [Theory]
    [MemberData(nameof(PortMappingExamples))]
    public void Multiple_ports_map_one_to_one_onto_multiple_addresses(int rfc, string section, string[] lines, SdpMedia media, string[] pairs)
    {
        var d = Valid(Sdp([.. Head(rfc), SessionTime(rfc), .. lines]), section);

        var parsed = Assert.Single(d.Media);
        Assert.Equal(media, parsed);
        var addresses = parsed.Connections.SelectMany(Addresses).ToList();
        Assert.Equal(pairs, Enumerable.Range(0, parsed.PortCount!.Value)
            .Select(i => $"{addresses[i].Address} {parsed.Port + (2 * i)} {parsed.Port + (2 * i) + 1}"));
    }

    // ---------------------------------------------------------------------------------------
    // b=: RFC 2327 6, RFC 4566 5.8, RFC 8866 5.8. The RFCs name CT and AS without a figure, so
    // those rows borrow 128 from the b=X-YZ:128 example. The "X-" prefix is "NOT RECOMMENDED"
    // (RFC 4566 and 8866 5.8) and "SDP parsers MUST ignore bandwidth-fields with unknown
    // <bwtype> names": accepted (no error) and kept, so that it writes back.
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("RFC 2327 6, RFC 4566 5.8, RFC 8866 5.8", 's', "b=X-YZ:128", "X-YZ")]
    [InlineData("RFC 8866 5.8 (CT, session level)", 's', "b=CT:128", "CT")]
    [InlineData("RFC 8866 5.8 (AS, media level)", 'm', "b=AS:128", "AS")]
    public void Bandwidth_examples(string section, char level, string line, string type)
    {
        string[] lines = level == 's'
            ? [.. Head(8866), SessionConnection(8866), line, SessionTime(8866), "m=audio 49170 RTP/AVP 0"]
            : [.. Head(8866), SessionConnection(8866), SessionTime(8866), "m=audio 49170 RTP/AVP 0", line];
        var d = Accepted(Sdp(lines), section);

        var expected = ListOf(new SdpBandwidth(type, 128));
        Assert.Equal(level == 's' ? expected : default, d.Bandwidths);
        Assert.Equal(level == 'm' ? expected : default, d.Media[0].Bandwidths);
    }

    // ---------------------------------------------------------------------------------------
    // r=: RFC 2327 6, RFC 4566 5.10, RFC 8866 5.10. "1 week, 1 hour, zero, 25 hours", in seconds
    // and then "could also have been written" with units (d 86400, h 3600, m 60, s 1).
    // ---------------------------------------------------------------------------------------

    private static readonly SdpRepeat RepeatInSeconds = new(new(604800), new(3600), [new(0), new(90000)]);

    private static readonly SdpRepeat RepeatWithUnits =
        new(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), [new(0), new(25, SdpTimeUnit.Hours)]);

    [Theory]
    [InlineData(4566, "RFC 2327 6, RFC 4566 5.10", "t=3034423619 3042462419", 3034423619UL, 3042462419UL, "r=604800 3600 0 90000", false)]
    [InlineData(4566, "RFC 2327 6, RFC 4566 5.10", "t=3034423619 3042462419", 3034423619UL, 3042462419UL, "r=7d 1h 0 25h", true)]
    [InlineData(8866, "RFC 8866 5.10", "t=3724394400 3730536000", 3724394400UL, 3730536000UL, "r=604800 3600 0 90000", false)]
    [InlineData(8866, "RFC 8866 5.10", "t=3724394400 3730536000", 3724394400UL, 3730536000UL, "r=7d 1h 0 25h", true)]
    public void Repeat_examples(int rfc, string section, string timeLine, ulong start, ulong stop, string repeatLine, bool withUnits)
    {
        var d = Valid(Sdp([.. Head(rfc), SessionConnection(rfc), timeLine, repeatLine]), section);

        var repeat = withUnits ? RepeatWithUnits : RepeatInSeconds;
        Assert.Equal([new SdpTime(start, stop) { Repeats = [repeat] }], d.Times);
        Assert.Equal(repeatLine[2..], $"{repeat.Interval} {repeat.ActiveDuration} {string.Join(' ', repeat.Offsets)}");
        Assert.Equal([604800L, 3600L, 0L, 90000L], Seconds(d.Times[0].Repeats[0]));
    }

    [Fact]
    public void The_two_repeat_examples_are_one_schedule_written_two_ways()
    {
        // "Thus, the above announcement could also have been written: r=7d 1h 0 25h" (RFC 2327 6).
        Assert.Equal(Seconds(RepeatInSeconds), Seconds(RepeatWithUnits));
        Assert.NotEqual(RepeatInSeconds, RepeatWithUnits);
        // "d - days (86400 seconds) h - hours (3600 seconds) m - minutes (60 seconds) s - seconds"
        // (RFC 4566 5.10; RFC 2327 6 prints "h - minutes (3600 seconds)").
        Assert.Equal(86400, new SdpTypedTime(1, SdpTimeUnit.Days).TotalSeconds);
        Assert.Equal(3600, new SdpTypedTime(1, SdpTimeUnit.Hours).TotalSeconds);
        Assert.Equal(60, new SdpTypedTime(1, SdpTimeUnit.Minutes).TotalSeconds);
        Assert.Equal(1, new SdpTypedTime(1, SdpTimeUnit.Seconds).TotalSeconds);
    }

    // ---------------------------------------------------------------------------------------
    // z=: RFC 2327 6 and RFC 4566 5.11 give the z= line alone: it is set after the t= and r= lines
    // of their repeat example. RFC 8866 5.11 gives t=, r= and z= together.
    // "at time 2882844526 the time base by which the session's repeat times are calculated is
    // shifted back by 1 hour, and that at time 2898848070 the session's original time base is
    // restored."
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(4566, "RFC 2327 6, RFC 4566 5.11", "t=3034423619 3042462419", 3034423619UL, 3042462419UL,
        "z=2882844526 -1h 2898848070 0", 2882844526UL, 2898848070UL)]
    [InlineData(8866, "RFC 8866 5.11", "t=3724394400 3754123200", 3724394400UL, 3754123200UL,
        "z=3730928400 -1h 3749680800 0", 3730928400UL, 3749680800UL)]
    public void Zone_adjustment_examples(int rfc, string section, string timeLine, ulong start, ulong stop, string zoneLine, ulong shift, ulong restore)
    {
        var d = Valid(Sdp([.. Head(rfc), SessionConnection(rfc), timeLine, "r=604800 3600 0 90000", zoneLine]), section);

        var zones = ListOf(new SdpZoneAdjustment(shift, new(-1, SdpTimeUnit.Hours)), new SdpZoneAdjustment(restore, new(0)));
        Assert.Equal([new SdpTime(start, stop) { Repeats = [RepeatInSeconds], ZoneAdjustments = zones }], d.Times);
        Assert.Equal([-3600L, 0L], d.Times[0].ZoneAdjustments.Select(z => z.Offset.TotalSeconds));
    }

    [Fact]
    public void A_zone_adjustment_right_after_t_is_rfc_4566_only_so_lenient_mode_accepts_it()
    {
        // RFC 4566 9: time-fields = 1*( %x74 "=" start-time SP stop-time *(CRLF repeat-fields) CRLF)
        // [zone-adjustments CRLF], so z= may follow t= with no r= (RFC 2327's grammar is the same).
        // RFC 8866 10: "Made "z=" without a preceding "r=" a syntax error (Section 5.11)."
        var text = Sdp([.. Head(4566), SessionConnection(4566), "t=3034423619 3042462419", "z=2882844526 -1h 2898848070 0"]);

        var strict = SdpParser.Parse(text, SdpParseOptions.Strict);
        Assert.Null(strict.Description);
        AssertDiagnostic(Assert.Single(strict.Diagnostics), SdpSeverity.Error, 6, "z=");

        var lenient = SdpParser.Parse(text, SdpParseOptions.Lenient);
        AssertDiagnostic(Assert.Single(lenient.Diagnostics), SdpSeverity.Warning, 6, "z=");
        var d = lenient.Description!;
        Assert.Equal(
            [new SdpTime(3034423619, 3042462419) { ZoneAdjustments = [new(2882844526, new(-1, SdpTimeUnit.Hours)), new(2898848070, new(0))] }],
            d.Times);
        Assert.Equal(text, SdpWriter.Write(d));
        Assert.Equal(d, SdpParser.Parse(SdpWriter.Write(d), SdpParseOptions.Lenient).Description);
    }

    // ---------------------------------------------------------------------------------------
    // k=: RFC 2327 6 and RFC 4566 5.12 ("A key field is permitted before the first media entry
    // (in which case it applies to all media in the session), or for each media entry as
    // required"). Only k=prompt is given literally; the other three methods are given as
    // k=clear:<encryption key>, k=base64:<encoded encryption key> and k=uri:<URI to obtain key>,
    // so their keys here are fill-ins. RFC 8866 5.12 makes k= obsolete and gives no example.
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("RFC 2327 6, RFC 4566 5.12", 's', "k=prompt", "prompt", null)]
    [InlineData("RFC 2327 6, RFC 4566 5.12", 'm', "k=prompt", "prompt", null)]
    [InlineData("RFC 2327 6, RFC 4566 5.12 (key is a fill-in)", 's', "k=clear:example-key", "clear", "example-key")]
    [InlineData("RFC 2327 6, RFC 4566 5.12 (key is a fill-in)", 'm', "k=base64:ZXhhbXBsZS1rZXk=", "base64", "ZXhhbXBsZS1rZXk=")]
    [InlineData("RFC 2327 6, RFC 4566 5.12 (URI is a fill-in)", 's', "k=uri:https://www.example.com/key", "uri", "https://www.example.com/key")]
    public void Key_examples(string section, char level, string line, string method, string? key)
    {
        string[] lines = level == 's'
            ? [.. Head(4566), SessionConnection(4566), SessionTime(4566), line, "m=audio 49170 RTP/AVP 0"]
            : [.. Head(4566), SessionConnection(4566), SessionTime(4566), "m=audio 49170 RTP/AVP 0", line];
        // RFC 8866 section 5.12 made k= obsolete: accepted, kept for round trips, and warned about.
        var d = Accepted(Sdp(lines), section);
        Assert.Equal("k=", Assert.Single(SdpParser.Parse(Sdp(lines)).Diagnostics).Field);

        var expected = new SdpKey(method, key);
        Assert.Equal(level == 's' ? expected : null, d.Key);
        Assert.Equal(level == 'm' ? expected : null, d.Media[0].Key);
    }

    // ---------------------------------------------------------------------------------------
    // a=: property attributes ("a=<flag>") and value attributes ("a=<attribute>:<value>", split
    // at the first colon). Session-level rows are set after t=, media-level rows after the
    // given m= line (RFC lines, except the video m= lines for 6.13 to 6.15, which are fill-ins:
    // RFC 8866 gives those attributes without an m= line).
    // ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("RFC 2327 6, RFC 4566 5.13 and 6, RFC 8866 5.13 and 6.7.1", null, "a=recvonly", "recvonly", null)]
    [InlineData("RFC 2327 6, RFC 4566 6, RFC 8866 6.7.2", null, "a=sendrecv", "sendrecv", null)]
    [InlineData("RFC 2327 6, RFC 4566 6, RFC 8866 6.7.3", null, "a=sendonly", "sendonly", null)]
    [InlineData("RFC 4566 6, RFC 8866 6.7.4", null, "a=inactive", "inactive", null)]
    [InlineData("RFC 2327 6, RFC 4566 5.13, RFC 8866 5.13", "m=application 32416 udp wb", "a=orient:landscape", "orient", "landscape")]
    [InlineData("RFC 2327 6, RFC 8866 6.8", "m=application 32416 udp wb", "a=orient:portrait", "orient", "portrait")]
    [InlineData("RFC 2327 6 and 6.1, RFC 8866 6.9", null, "a=type:moderated", "type", "moderated")]
    [InlineData("RFC 2327 6, RFC 4566 6, RFC 8866 6.10", null, "a=charset:ISO-8859-1", "charset", "ISO-8859-1")]
    [InlineData("RFC 8866 6.1", null, "a=cat:foo.bar", "cat", "foo.bar")]
    [InlineData("RFC 8866 6.2", null, "a=keywds:SDP session description protocol", "keywds", "SDP session description protocol")]
    [InlineData("RFC 8866 6.3", null, "a=tool:foobar V3.2", "tool", "foobar V3.2")]
    [InlineData("RFC 8866 6.4", "m=audio 49170 RTP/AVP 0", "a=ptime:20", "ptime", "20")]
    [InlineData("RFC 8866 6.5", "m=audio 49170 RTP/AVP 0", "a=maxptime:20", "maxptime", "20")]
    [InlineData("RFC 8866 6.11", null, "a=sdplang:fr", "sdplang", "fr")]
    [InlineData("RFC 8866 6.12", null, "a=lang:de", "lang", "de")]
    [InlineData("RFC 8866 6.13", "m=video 51372 RTP/AVP 99", "a=framerate:60", "framerate", "60")]
    [InlineData("RFC 8866 6.14", "m=video 51372 RTP/AVP 99", "a=quality:10", "quality", "10")]
    [InlineData("RFC 8866 6.15", "m=video 51372 RTP/AVP 96", "a=fmtp:96 profile-level-id=42e016;max-mbps=108000;max-fs=3600",
        "fmtp", "96 profile-level-id=42e016;max-mbps=108000;max-fs=3600")]
    public void Attribute_examples(string section, string? mediaLine, string line, string name, string? value)
    {
        string[] lines = mediaLine is null
            ? [.. Head(8866), SessionConnection(8866), SessionTime(8866), line]
            : [.. Head(8866), SessionConnection(8866), SessionTime(8866), mediaLine, line];
        var d = Valid(Sdp(lines), section);

        var expected = ListOf(new SdpAttribute(name, value));
        Assert.Equal(mediaLine is null ? expected : default, d.Attributes);
        Assert.Equal(mediaLine is null ? 0 : 1, d.Media.Count);
        if (mediaLine is not null)
        {
            Assert.Equal(expected, d.Media[0].Attributes);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Helpers.
    // ---------------------------------------------------------------------------------------

    /// <summary>v=, o= and s= of the RFC's main example.</summary>
    private static string[] Head(int rfc) => rfc switch
    {
        2327 => ["v=0", "o=mhandley 2890844526 2890842807 IN IP4 126.16.64.4", "s=SDP Seminar"],
        4566 => ["v=0", "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5", "s=SDP Seminar"],
        8866 => ["v=0", "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1", "s=Call to John Smith"],
        _ => throw new ArgumentOutOfRangeException(nameof(rfc), rfc, "RFC 2327, 4566 or 8866"),
    };

    /// <summary>The session-level c= of the RFC's main example.</summary>
    private static string SessionConnection(int rfc) => rfc == 8866 ? "c=IN IP4 198.51.100.1" : "c=IN IP4 224.2.17.12/127";

    /// <summary>The t= of the RFC's main example.</summary>
    private static string SessionTime(int rfc) => rfc == 8866 ? "t=0 0" : "t=2873397496 2873404696";

    private static ValueList<T> ListOf<T>(params T[] items) => ValueList.From(items);

    private static string Sdp(params string[] lines) => string.Concat(lines.Select(line => line + "\r\n"));

    /// <summary>
    /// Parses a description the RFC makes valid: strict mode, no error and no warning; writing it
    /// gives the same text (every example here is in canonical order with CRLF) and that text
    /// parses back to an equal description.
    /// </summary>
    private static SessionDescription Valid(string text, string example)
    {
        var result = SdpParser.Parse(text, SdpParseOptions.Strict);
        Assert.True(result.Success && result.Diagnostics.Count == 0,
            $"{example}: expected no diagnostics, got [{string.Join("; ", result.Diagnostics)}]");
        AssertRoundTrip(result.Description!, text, SdpParseOptions.Strict);
        return result.Description!;
    }

    /// <summary>As <see cref="Valid"/>, for a line the RFC discourages but allows: no error; warnings are allowed.</summary>
    private static SessionDescription Accepted(string text, string example)
    {
        var result = SdpParser.Parse(text, SdpParseOptions.Strict);
        Assert.True(result.Success, $"{example}: expected no errors, got [{string.Join("; ", result.Errors)}]");
        AssertRoundTrip(result.Description!, text, SdpParseOptions.Strict);
        return result.Description!;
    }

    private static void AssertRoundTrip(SessionDescription d, string canonicalText, SdpParseOptions options)
    {
        var written = SdpWriter.Write(d);
        Assert.Equal(canonicalText, written);
        Assert.Equal(d, SdpParser.Parse(written, options).Description);
    }

    private static void AssertDiagnostic(SdpDiagnostic diagnostic, SdpSeverity severity, int line, string field)
    {
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(line, diagnostic.Line);
        Assert.Equal(field, diagnostic.Field);
    }

    private static long[] Seconds(SdpRepeat repeat) =>
        [repeat.Interval.TotalSeconds, repeat.ActiveDuration.TotalSeconds, .. repeat.Offsets.Select(o => o.TotalSeconds)];

    /// <summary>
    /// The addresses a c= line stands for: "Multicast addresses so assigned are contiguously
    /// allocated above the base address" (RFC 8866 5.7), each with the line's TTL.
    /// </summary>
    private static IEnumerable<(IPAddress Address, int? Ttl)> Addresses(SdpConnection connection)
    {
        var first = IPAddress.Parse(connection.Address).GetAddressBytes();
        for (var n = 0; n < (connection.Count ?? 1); n++)
        {
            var bytes = (byte[])first.Clone();
            var carry = n;
            for (var i = bytes.Length - 1; carry > 0 && i >= 0; i--)
            {
                var sum = bytes[i] + carry;
                bytes[i] = (byte)sum;
                carry = sum >> 8;
            }

            yield return (new IPAddress(bytes), connection.Ttl);
        }
    }

    /// <summary>
    /// RFC 8866 6.7: "If any one of these appears in a media description, then it applies for
    /// that media description. If none appears in a media description, then the one from session
    /// level, if any, applies [...] "a=sendrecv" SHOULD be assumed as the default."
    /// </summary>
    private static string Direction(SessionDescription d, SdpMedia media) =>
        DirectionOf(media.Attributes) ?? DirectionOf(d.Attributes) ?? "sendrecv";

    private static string? DirectionOf(ValueList<SdpAttribute> attributes) =>
        attributes.FirstOrDefault(a => a.Value is null && DirectionNames.Contains(a.Name))?.Name;

    /// <summary>RFC 8866 5.7: session-level c= "applies to all the media descriptions of that session unless overridden".</summary>
    private static ValueList<SdpConnection> ConnectionsOf(SessionDescription d, SdpMedia media) =>
        media.Connections.Count > 0 ? media.Connections : [d.Connection!];
}

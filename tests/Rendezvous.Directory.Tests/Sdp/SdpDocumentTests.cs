using Rendezvous.Testing;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>Text kept byte-exact until an edit; edits raise the session version; ITSdp-style editing.</summary>
public sealed class SdpDocumentTests
{
    // Not canonical on purpose: LF line ends, an attribute order a writer might change, odd but valid spacing in text.
    private const string Received = "v=0\no=alice 3724394400 3724394405 IN IP4 198.51.100.1\ns=  Spaced  name \nc=IN IP4 239.255.1.1/16\nt=3724394400 3724398000\na=recvonly\nm=audio 5004 RTP/AVP 0\n";

    [Fact]
    public void A_received_description_is_served_back_byte_exact()
    {
        var document = SdpDocument.Parse(Received);
        Assert.Same(Received, document.Text);
        Assert.Equal("  Spaced  name ", document.Description.Name);
    }

    [Fact]
    public void An_edit_raises_the_version_once_and_rewrites_canonical_text()
    {
        var document = SdpDocument.Parse(Received);
        var edited = document.Edit(d => d.WithName("Town hall").WithInformation("Quarterly").AddAttribute(new SdpAttribute("tool", "rendezvous")));

        Assert.Equal("3724394406", edited.Description.Origin.SessionVersion);
        Assert.Equal("3724394400", edited.Description.Origin.SessionId);
        Assert.Equal(SdpWriter.Write(edited.Description), edited.Text);
        Assert.Contains("s=Town hall\r\ni=Quarterly\r\n", edited.Text, StringComparison.Ordinal);
        Assert.Equal(edited.Description, SdpDocument.Parse(edited.Text).Description);
    }

    [Fact]
    public void An_edit_that_changes_nothing_keeps_the_document()
    {
        var document = SdpDocument.Parse(Received);
        Assert.Same(document, document.Edit(d => d.WithName("  Spaced  name ")));
    }

    [Fact]
    public void A_new_description_gets_an_ntp_based_session_id()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var d = SdpEditing.Create("alice", "2001:db8::1", "New", clock);
        // 2026-11-21T12:00:00Z is Unix 1795262400, NTP 4004251200; the id is the 64-bit NTP timestamp.
        Assert.Equal((4004251200UL << 32).ToString(System.Globalization.CultureInfo.InvariantCulture), d.Origin.SessionId);
        Assert.Equal(d.Origin.SessionId, d.Origin.SessionVersion);
        Assert.Equal("IP6", d.Origin.AddressType);
        Assert.Equal([new SdpTime(0, 0)], d.Times);
    }

    [Fact]
    public void Itsdp_style_edits_build_a_valid_description()
    {
        var d = SdpEditing.Create("alice", "192.0.2.1", "Lecture", TimeProvider.System)
            .WithUri("https://example.com/lecture")
            .WithOriginator("bob")
            .WithEmails("bob@example.com (Bob)")
            .WithPhones("+1 617 555-6011")
            .WithConnection("239.255.10.1", ttl: 15)
            .RemoveTimeAt(0)
            .AddTime(new SdpTime(3972988800, 3973593600))
            .AddRepeat(0, new SdpRepeat(new(1, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), [new(0)]))
            .AddMedia(new SdpMedia("audio", 5004, 2, "RTP/AVP", ["0", "8"]))
            .WithMediaConnection(0, "239.255.10.1", ttl: 15, count: 2)
            .AddMediaAttribute(0, new SdpAttribute("rtpmap", "0 PCMU/8000"))
            .AddMedia(new SdpMedia("video", 5008, null, "RTP/AVP", ["31"]))
            .WithMediaConnection(1, "239.255.10.9", ttl: 15)
            .AddAttribute(new SdpAttribute("recvonly"))
            .AddAttribute(new SdpAttribute("tool", "rendezvous"), index: 0);

        Assert.Empty(SdpValidator.Validate(d, SdpAdvertisingScope.Site));
        Assert.Equal("bob", d.Origin.Username);
        Assert.Equal(["tool", "recvonly"], d.Attributes.Select(a => a.Name));
        var text = SdpWriter.Write(d);
        Assert.Equal(d, SdpParser.ParseOrThrow(text));

        var trimmed = d.RemoveMediaAt(1).RemoveRepeatAt(0, 0).RemoveAttributeAt(0).RemoveMediaAttributeAt(0, 0);
        Assert.Single(trimmed.Media);
        Assert.Empty(trimmed.Times[0].Repeats);
        Assert.Equal([new SdpAttribute("recvonly")], trimmed.Attributes);
        Assert.Empty(trimmed.Media[0].Attributes);
    }

    [Theory]
    [InlineData("239.255.1.1", null, null, "needs a TTL")]
    [InlineData("ff1e::1", 15, null, "carry no TTL")]
    [InlineData("192.0.2.1", 15, null, "not a multicast group")]
    [InlineData("192.0.2.1", null, 2, "not a multicast group")]
    public void Impossible_connections_are_refused_at_the_edit(string address, int? ttl, int? count, string message)
    {
        var d = SdpEditing.Create("alice", "192.0.2.1", "x", TimeProvider.System);
        var error = Assert.Throws<ArgumentException>(() => d.WithConnection(address, ttl, count));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_indexes_throw()
    {
        var d = SdpEditing.Create("alice", "192.0.2.1", "x", TimeProvider.System);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.RemoveMediaAt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.AddAttribute(new SdpAttribute("x"), index: 2));
    }

    [Fact]
    public void The_writer_refuses_text_it_cannot_carry()
    {
        var d = SdpEditing.Create("alice", "192.0.2.1", "x", TimeProvider.System);
        Assert.Throws<ArgumentException>(() => SdpWriter.Write(d.WithName("two\r\nlines")));
        Assert.Throws<ArgumentException>(() => SdpWriter.Write(d with { Connection = new SdpConnection("IN", "IP4", "239.255.1.1", null, 2) }));
    }

    [Theory]
    [InlineData("0", "1")]
    [InlineData("9", "10")]
    [InlineData("1999", "2000")]
    [InlineData("18446744073709551615", "18446744073709551616")]
    public void Session_versions_increment_exactly(string from, string to) => Assert.Equal(to, SdpNumbers.Increment(from));
}

using System.Net;
using Rendezvous.Directory.Sap;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>The listener's cache (RFC 2974 sections 3 to 5) fed datagrams in process, on a clock the test moves.</summary>
public sealed class SapSessionCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Group = IPAddress.Parse("239.255.255.255");
    private static readonly IPAddress Origin = IPAddress.Parse("192.0.2.7");
    private static readonly IPEndPoint Source = new(Origin, 40123);

    private readonly ManualClock _clock = new(T0);
    private readonly SapStats _stats = new();

    [Fact]
    public void An_announcement_is_kept_with_its_source_hash_description_and_when_it_was_heard()
    {
        var cache = Cache();
        Assert.Equal(SapReceiveOutcome.Added, cache.Receive(Announcement(Sdp("Campus radio")), Source, Group));
        var session = Assert.Single(cache.Sessions());
        Assert.Equal($"192.0.2.7-{SapPacket.ComputeMessageIdHash(Sdp("Campus radio")):x4}", session.Id);
        Assert.Equal(Source, session.Source);
        Assert.Equal(Group, session.Group);
        Assert.Equal("Campus radio", session.Description.Name);
        Assert.Equal(T0, session.LastHeard);
        Assert.Null(session.Period);
        Assert.Same(session, cache.Find(session.Id));
        Assert.Same(session, cache.Find(session.Id.ToUpperInvariant())); // the hash's hex digits in either case
        Assert.Null(cache.Find("192.0.2.7-0000"));
        Assert.Null(cache.Find("not-an-id"));
        Assert.Null(cache.Find("192.0.2.7"));

        _clock.Advance(TimeSpan.FromSeconds(300));
        Assert.Equal(SapReceiveOutcome.Refreshed, cache.Receive(Announcement(Sdp("Campus radio")), new IPEndPoint(Origin, 40124), Group));
        var heard = Assert.Single(cache.Sessions());
        Assert.Equal(T0 + TimeSpan.FromSeconds(300), heard.LastHeard);
        Assert.Equal(T0, heard.FirstHeard);
        Assert.Equal(TimeSpan.FromSeconds(300), heard.Period);
        Assert.Equal(2, heard.Announcements);
        Assert.Equal(40124, heard.Source.Port);
        Assert.Equal(2, _stats.Snapshot().Announcements);
    }

    [Fact]
    public void Lenient_sdp_is_kept_with_its_warnings()
    {
        var cache = Cache();
        // a= before t= and no final line end: what real programs send.
        var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=Lenient\r\nc=IN IP4 239.255.1.1/16\r\na=tool:x\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0";
        Assert.Equal(SapReceiveOutcome.Added, cache.Receive(Announcement(sdp), Source, Group));
        var session = Assert.Single(cache.Sessions());
        Assert.NotEmpty(session.Warnings);
        Assert.Equal(sdp, session.Sdp);
    }

    [Theory]
    [InlineData(null, 3600)]   // the period is not known yet: one hour
    [InlineData(300, 3600)]    // 10 x 300 s is less than an hour
    [InlineData(600, 6000)]    // 10 x 600 s
    public void Sessions_time_out_after_ten_periods_or_an_hour_whichever_is_longer(int? period, int timeout)
    {
        var cache = Cache();
        cache.Receive(Announcement(Sdp("A")), Source, Group);
        if (period is { } p)
        {
            _clock.Advance(TimeSpan.FromSeconds(p));
            cache.Receive(Announcement(Sdp("A")), Source, Group);
        }

        var last = _clock.Now;
        Assert.Equal(last + TimeSpan.FromSeconds(timeout), Assert.Single(cache.Sessions()).ExpiresAt);
        _clock.Now = last + TimeSpan.FromSeconds(timeout - 1);
        Assert.Single(cache.Sessions());
        _clock.Now = last + TimeSpan.FromSeconds(timeout);
        Assert.Empty(cache.Sessions());
        Assert.Equal(1, _stats.Snapshot().TimedOut);
    }

    [Fact]
    public void A_session_whose_last_occurrence_ended_goes_at_its_stop_time()
    {
        var cache = Cache();
        var stop = T0 + TimeSpan.FromMinutes(20);
        var sdp = $"v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=Ends\r\nc=IN IP4 239.255.1.1/16\r\nt={Ntp(T0)} {Ntp(stop)}\r\nm=audio 5004 RTP/AVP 0\r\n";
        cache.Receive(Announcement(sdp), Source, Group);
        Assert.Equal(stop, Assert.Single(cache.Sessions()).ExpiresAt);
        _clock.Now = stop;
        Assert.Empty(cache.Sessions());
    }

    [Fact]
    public void A_deletion_removes_the_announcement_by_origin_and_hash_or_by_its_origin_line()
    {
        var cache = Cache();
        cache.Receive(Announcement(Sdp("A")), Source, Group);
        cache.Receive(Announcement(Sdp("B", id: 2)), Source, Group);
        Assert.Equal(SapReceiveOutcome.Deleted, cache.Receive(Deletion(Sdp("A")), Source, Group));
        Assert.Equal("B", Assert.Single(cache.Sessions()).Description.Name);

        // A deletion with another hash but the session's o= line (some senders hash differently) also removes it.
        var byLine = SapEncoder.Encode(SapPacket.Deletion(Sdp("B", id: 2), Origin, originLineOnly: true) with { MessageIdHash = 0x4242 });
        Assert.Equal(SapReceiveOutcome.Deleted, cache.Receive(byLine, Source, Group));
        Assert.Empty(cache.Sessions());

        Assert.Equal(SapReceiveOutcome.Dropped, cache.Receive(Deletion(Sdp("C", id: 3)), Source, Group));
        var stats = _stats.Snapshot();
        Assert.Equal(2, stats.Deletions);
        Assert.Equal(1, stats.Dropped["unknown_deletion"]);
    }

    [Fact]
    public void A_new_hash_for_the_same_session_from_the_same_origin_replaces_the_old_version()
    {
        var cache = Cache();
        cache.Receive(Announcement(Sdp("A")), Source, Group);
        cache.Receive(Announcement(Sdp("A, moved", version: 2)), Source, Group);
        Assert.Equal("A, moved", Assert.Single(cache.Sessions()).Description.Name);

        // The same o= from another origin is another announcer's: both are kept.
        cache.Receive(Announcement(Sdp("A, moved", version: 2), IPAddress.Parse("192.0.2.8")), Source, Group);
        Assert.Equal(2, cache.Sessions().Count);
    }

    [Fact]
    public void Bad_datagrams_are_counted_by_reason_and_nothing_of_them_is_kept()
    {
        var cache = Cache();
        byte[][] bad =
        [
            [0x20, 0x00],                                                             // too short
            [0x40, 0x00, 0x12, 0x34, 127, 0, 0, 1, (byte)'v', (byte)'=', (byte)'0'],  // version 2
            [0x20, 0x05, 0x12, 0x34, 127, 0, 0, 1, 1, 2, 3],                          // authentication past the end
            SapBytes.Concat([0x20, 0x00, 0x12, 0x34, 127, 0, 0, 1], SapBytes.Ascii("text/plain\0hello")),
            SapBytes.Concat([0x20, 0x00, 0x12, 0x34, 127, 0, 0, 1], SapBytes.Ascii("application/sdp\0not a session")),
            SapBytes.Concat([0x22, 0x00, 0x12, 0x34, 127, 0, 0, 1], SapBytes.Ascii("encrypted bytes")),
            SapEncoder.Encode(SapPacket.Announcement(Sdp("Huge", padding: SapSessionCache.MaxPayloadBytes), Origin)),
        ];
        foreach (var datagram in bad)
        {
            Assert.Equal(SapReceiveOutcome.Dropped, cache.Receive(datagram, Source, Group));
        }

        Assert.Equal(0, cache.Count);
        var stats = _stats.Snapshot();
        Assert.Equal(bad.Length, stats.Received);
        Assert.Equal(bad.Length, stats.DroppedTotal);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["too_short"] = 1, ["unsupported_version"] = 1, ["authentication_truncated"] = 1, ["unknown_payload_type"] = 1,
                ["not_sdp"] = 1, ["encrypted"] = 1, ["too_large"] = 1,
            }.OrderBy(p => p.Key),
            stats.Dropped.OrderBy(p => p.Key));
    }

    [Fact]
    public void A_flood_of_garbage_and_of_made_up_sessions_holds_a_bounded_number_of_sessions()
    {
        var cache = new SapSessionCache(_clock, maxSessions: 50, _stats);
        var random = new Random(2974);
        for (var i = 0; i < 20_000; i++)
        {
            var garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            cache.Receive(garbage, Source, Group);
            cache.Receive(Announcement(Sdp($"Flood {i}", id: 1000 + i), IPAddress.Parse($"10.0.{i / 250 % 250}.{i % 250}")), Source, Group);
        }

        Assert.Equal(50, cache.Count);
        var stats = _stats.Snapshot();
        Assert.Equal(40_000, stats.Received);
        Assert.Equal(20_000 - 50, stats.Evicted);
        Assert.True(stats.DroppedTotal >= 19_000, $"{stats.DroppedTotal} dropped");
        Assert.Equal(stats.Received, stats.Announcements + stats.Deletions + stats.DroppedTotal);
        // The most recently heard survive.
        Assert.Contains(cache.Sessions(), s => s.Description.Name == "Flood 19999");
        Assert.DoesNotContain(cache.Sessions(), s => s.Description.Name == "Flood 0");
    }

    [Fact]
    public void Sessions_are_counted_per_group_leaving_out_our_own()
    {
        var cache = Cache();
        var ours = IPAddress.Parse("192.0.2.1");
        cache.Receive(Announcement(Sdp("A")), Source, Group);
        cache.Receive(Announcement(Sdp("B", id: 2), ours), Source, Group);
        cache.Receive(Announcement(Sdp("C", id: 3)), Source, IPAddress.Parse("224.2.127.254"));
        Assert.Equal(2, cache.CountIn(Group));
        Assert.Equal(1, cache.CountIn(Group, s => s.Origin.Equals(ours)));
    }

    private static ulong Ntp(DateTimeOffset value) => global::Rendezvous.Directory.Sdp.NtpTime.FromDateTimeOffset(value);

    private SapSessionCache Cache() => new(_clock, maxSessions: 100, _stats);

    private static byte[] Announcement(string sdp, IPAddress? origin = null) => SapEncoder.Encode(SapPacket.Announcement(sdp, origin ?? Origin));

    private static byte[] Deletion(string sdp) => SapEncoder.Encode(SapPacket.Deletion(sdp, Origin, originLineOnly: true));

    private static string Sdp(string name, int id = 1, int version = 1, int padding = 0) =>
        $"v=0\r\no=bob {id} {version} IN IP4 192.0.2.7\r\ns={name}\r\n" + (padding > 0 ? $"i={new string('x', padding)}\r\n" : "") +
        "c=IN IP4 239.255.1.1/16\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
}

using System.DirectoryServices.Protocols;
using System.Text;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Ldap.LdapTestDirectories;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>Publishing into the ILS layout (o=Intranet, ou=Dynamic) of a real slapd.</summary>
public sealed class LdapDirectoryWriterTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    [Fact]
    public async Task An_ils_conference_is_added_with_every_attribute_and_the_requested_ttl()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        var sdp = SdpOf("alice", "3900000001", "Town hall");
        var conference = new PublishedConference("Town hall", sdp, "alice", "All hands", new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(1)), null, SdpAdvertisingScope.Site, "http://example.test/town-hall");
        using var writer = LdapDirectoryWriter.Open(directory);

        Assert.Equal(PutOutcome.Created, writer.PutConference(conference, 900));

        Assert.Equal($"uid=Town hall,ou=Dynamic,{directory.BaseDn}", writer.ConferenceDn("Town hall"));
        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn("Town hall"), "*")!;
        Assert.NotNull(entry);
        Assert.Equal(["dynamicObject", "rtConference"], entry.Attributes["objectClass"].GetValues(typeof(string)).Cast<string>().Order(StringComparer.Ordinal));
        Assert.Equal("Town hall", Value(entry, "uid"));
        Assert.Equal("Town hall", Value(entry, "cn"));
        Assert.Equal("IP Conference", Value(entry, "protocolID"));
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), (byte[])entry.Attributes["conferenceBlob"].GetValues(typeof(byte[]))[0]);
        Assert.Equal("alice", Value(entry, "originator"));
        Assert.Equal("All hands", Value(entry, "generalDescription"));
        Assert.Equal("20261201090000Z", Value(entry, "startTime"));
        Assert.Null(Value(entry, "stopTime"));
        Assert.Equal("2", Value(entry, "advertisingScope"));
        Assert.Equal("http://example.test/town-hall", Value(entry, "url"));
        AssertTtl(900, Ttl(entry));
    }

    [Fact]
    public async Task Putting_our_conference_again_replaces_its_attributes_and_drops_the_absent_ones()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        var first = new PublishedConference("standup", SdpOf("bob", "42", "standup"), "bob", "Daily", Stop: DateTimeOffset.UnixEpoch.AddYears(60), Url: "http://example.test/a");
        Assert.Equal(PutOutcome.Created, writer.PutConference(first, 600));

        // A new session version is the same session (RFC 8866 section 5.2).
        var newer = SdpOf("bob", "42", "standup").Replace("42 1 IN", "42 2 IN", StringComparison.Ordinal).Replace("m=audio 49170", "m=audio 50000", StringComparison.Ordinal);
        Assert.Equal(PutOutcome.Updated, writer.PutConference(new PublishedConference("standup", newer, "bob", AdvertisingScope: SdpAdvertisingScope.World), 1200));

        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn("standup"), "*")!;
        Assert.Equal(newer, Encoding.UTF8.GetString((byte[])entry.Attributes["conferenceBlob"].GetValues(typeof(byte[]))[0]));
        Assert.Equal("4", Value(entry, "advertisingScope"));
        Assert.Null(Value(entry, "generalDescription"));
        Assert.Null(Value(entry, "stopTime"));
        Assert.Null(Value(entry, "url"));
        AssertTtl(1200, Ttl(entry));
    }

    [Theory]
    [InlineData("mallory", "42", "192.0.2.10")]
    [InlineData("bob", "43", "192.0.2.10")]
    [InlineData("bob", "42", "192.0.2.99")]
    public async Task Another_sessions_conference_of_the_same_name_is_left_alone(string user, string sessionId, string address)
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        var theirs = SdpOf(user, sessionId, "review", address);
        Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference("review", theirs), 600));

        var ours = SdpOf("bob", "42", "review");
        Assert.Equal(PutOutcome.Conflict, writer.PutConference(new PublishedConference("review", ours, "bob"), 600));
        Assert.Equal(DeleteOutcome.Conflict, writer.DeleteConference("review", ours));

        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn("review"), "conferenceBlob", "originator")!;
        Assert.Equal(theirs, Encoding.UTF8.GetString((byte[])entry.Attributes["conferenceBlob"].GetValues(typeof(byte[]))[0]));
        Assert.Null(Value(entry, "originator"));
    }

    [Fact]
    public async Task An_entry_whose_blob_is_not_sdp_is_not_ours()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        var dn = writer.ConferenceDn("legacy");
        using (var admin = slapd.ConnectAsAdmin())
        {
            admin.SendRequest(new AddRequest(dn,
                new DirectoryAttribute("objectClass", "rtConference", "dynamicObject"),
                new DirectoryAttribute("uid", "legacy"), new DirectoryAttribute("cn", "legacy"),
                new DirectoryAttribute("conferenceBlob", new byte[] { 0xFF, 0xFE, 0x00, 0x41 })));
        }

        var ours = SdpOf("bob", "42", "legacy");
        Assert.Equal(PutOutcome.Conflict, writer.PutConference(new PublishedConference("legacy", ours), 600));
        Assert.Equal(DeleteOutcome.Conflict, writer.DeleteConference("legacy", ours));
    }

    [Fact]
    public async Task Deleting_is_idempotent_and_only_takes_our_entry()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        var ours = SdpOf("carol", "7", "retro");
        Assert.Equal(DeleteOutcome.Absent, writer.DeleteConference("retro", ours));
        writer.PutConference(new PublishedConference("retro", ours), 600);

        Assert.Equal(DeleteOutcome.Deleted, writer.DeleteConference("retro", ours.Replace("7 1 IN", "7 9 IN", StringComparison.Ordinal)));
        using var reader = slapd.ConnectAnonymously();
        Assert.Null(Read(reader, writer.ConferenceDn("retro")));
        Assert.Equal(DeleteOutcome.Absent, writer.DeleteConference("retro", ours));
    }

    [Fact]
    public async Task Refresh_sets_the_ttl_and_the_entry_expires_once_refreshes_stop()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        writer.PutConference(new PublishedConference("brief", SdpOf("dave", "1", "brief")), 600);
        var dn = writer.ConferenceDn("brief");
        using var reader = slapd.ConnectAnonymously();

        Assert.Equal(3000, writer.Refresh(dn, 3000));
        AssertTtl(3000, Ttl(Read(reader, dn)!));

        // Kept alive by refreshes for longer than its TTL (5 s, swept every 2 s). A refresh every
        // second leaves 4 s of slack for a loaded machine (CI caught a 3 s TTL expiring under load)...
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(5, writer.Refresh(dn, 5));
            await Task.Delay(1000);
        }

        Assert.NotNull(Read(reader, dn));

        // ...then gone within TTL + dds-interval once they stop.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Read(reader, dn) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the dds overlay did not remove the expired conference within 20 s");
            await Task.Delay(250);
        }

        Assert.Null(writer.Refresh(dn, 600));
    }

    [Fact]
    public async Task A_ttl_above_the_server_maximum_falls_back_to_one_day()
    {
        // The fixture runs slapd with dds-max-ttl 86400 (slapd-run.sh's default).
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        writer.PutConference(new PublishedConference("long", SdpOf("erin", "1", "long")), 600);

        Assert.Equal(86400, writer.Refresh(writer.ConferenceDn("long"), 7 * 86400));
        using var reader = slapd.ConnectAnonymously();
        AssertTtl(86400, Ttl(Read(reader, writer.ConferenceDn("long"))!));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Refresh(writer.ConferenceDn("long"), 31557601));
    }

    [Fact]
    public async Task Anonymous_writers_are_refused_with_the_servers_result_code()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils, d => d.Bind = new LdapBindOptions());
        using var writer = LdapDirectoryWriter.Open(directory);
        var error = Assert.Throws<DirectoryOperationException>(() => writer.PutConference(new PublishedConference("intrusion", SdpOf("eve", "1", "intrusion")), 600));
        Assert.Equal(ResultCode.StrongAuthRequired, error.Response.ResultCode);
        using var reader = slapd.ConnectAnonymously();
        Assert.Null(Read(reader, writer.ConferenceDn("intrusion")));
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("a+b")]
    [InlineData("a*b")]
    [InlineData("(a)")]
    [InlineData("back\\slash")]
    [InlineData("#hash")]
    [InlineData(" spaced ")]
    [InlineData("Köln – Zürich")]
    [InlineData("a=b;c<d>\"e\"")]
    public async Task Names_with_dn_specials_round_trip(string name)
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        var sdp = SdpOf("frank", "1", "x");
        Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference(name, sdp), 600));
        Assert.Equal(PutOutcome.Updated, writer.PutConference(new PublishedConference(name, sdp), 600));

        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn(name), "uid");
        Assert.NotNull(entry);
        Assert.Equal(name, Value(entry, "uid"));
        Assert.Equal(DeleteOutcome.Deleted, writer.DeleteConference(name, sdp));
    }

    [Fact]
    public async Task An_ils_user_stores_its_ipv4_address_as_the_ils_dword_and_as_text()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var writer = LdapDirectoryWriter.Open(directory);
        Assert.Equal(PutOutcome.Created, writer.PutUser(new PublishedUser("grace", "192.0.2.1"), 1800));

        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.UserDn("grace"), "*")!;
        Assert.Contains("rtPerson", entry.Attributes["objectClass"].GetValues(typeof(string)).Cast<string>());
        // 192.0.2.1 with the first octet in the low byte: 0x010200C0.
        Assert.Equal("16908480", Value(entry, "ipAddress"));
        Assert.Equal("192.0.2.1", Value(entry, "comment"));
        AssertTtl(1800, Ttl(entry));

        // A host name has no DWORD form: the address goes, the name stays readable.
        Assert.Equal(PutOutcome.Updated, writer.PutUser(new PublishedUser("grace", "phone-17.example.test"), 1800));
        entry = Read(reader, writer.UserDn("grace"), "*")!;
        Assert.Null(Value(entry, "ipAddress"));
        Assert.Equal("phone-17.example.test", Value(entry, "comment"));

        Assert.Throws<ArgumentException>(() => writer.PutUser(new PublishedUser("grace", "not a host"), 1800));
        Assert.Equal(DeleteOutcome.Deleted, writer.DeleteUser("grace"));
        Assert.Equal(DeleteOutcome.Absent, writer.DeleteUser("grace"));
    }
}

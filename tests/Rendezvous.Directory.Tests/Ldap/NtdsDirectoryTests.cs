using System.DirectoryServices.Protocols;
using System.Text;
using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Ldap.LdapTestDirectories;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>Publishing and discovery in an Active Directory style TAPI partition (msTAPI-* classes, objects directly under the partition).</summary>
public sealed class NtdsDirectoryTests(TapiPartitionSlapdServer slapd) : IClassFixture<TapiPartitionSlapdServer>
{
    [Fact]
    public void The_fixture_serves_the_partition_as_its_naming_context()
    {
        using var reader = slapd.ConnectAnonymously();
        var root = (SearchResponse)reader.SendRequest(new SearchRequest("", "(objectClass=*)", SearchScope.Base, "namingContexts"));
        Assert.Equal(TapiPartitionSlapdServer.Partition, Value(root.Entries[0], "namingContexts"));
    }

    [Fact]
    public async Task A_conference_is_an_mstapi_rtconference_under_the_partition_with_its_blob_and_ttl()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ntds);
        Assert.Equal(directory.BaseDn, directory.ObjectContainerDn);
        using var writer = LdapDirectoryWriter.Open(directory);
        var sdp = SdpOf("alice", "99", "Board");

        Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference("Board", sdp, "alice", "ignored in AD", Url: "http://example.test"), 900));

        Assert.Equal($"msTAPI-uid=Board,{directory.BaseDn}", writer.ConferenceDn("Board"));
        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn("Board"), "*")!;
        Assert.Equal(["dynamicObject", "msTAPI-RtConference"], entry.Attributes["objectClass"].GetValues(typeof(string)).Cast<string>().Order(StringComparer.Ordinal));
        Assert.Equal("Board", Value(entry, "msTAPI-uid"));
        Assert.Equal("IP Conference", Value(entry, "msTAPI-ProtocolId"));
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), (byte[])entry.Attributes["msTAPI-ConferenceBlob"].GetValues(typeof(byte[]))[0]);
        AssertTtl(900, Ttl(entry));
    }

    [Fact]
    public async Task Ownership_replace_and_delete_follow_the_origin_line()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ntds);
        using var writer = LdapDirectoryWriter.Open(directory);
        var ours = SdpOf("bob", "5", "sync");
        var theirs = SdpOf("bob", "6", "sync");

        Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference("sync", ours), 600));
        Assert.Equal(PutOutcome.Updated, writer.PutConference(new PublishedConference("sync", ours.Replace("5 1 IN", "5 2 IN", StringComparison.Ordinal)), 700));
        Assert.Equal(PutOutcome.Conflict, writer.PutConference(new PublishedConference("sync", theirs), 600));
        Assert.Equal(DeleteOutcome.Conflict, writer.DeleteConference("sync", theirs));

        using var reader = slapd.ConnectAnonymously();
        var entry = Read(reader, writer.ConferenceDn("sync"), "msTAPI-ConferenceBlob")!;
        Assert.Contains("o=bob 5 2 IN", Encoding.UTF8.GetString((byte[])entry.Attributes["msTAPI-ConferenceBlob"].GetValues(typeof(byte[]))[0]), StringComparison.Ordinal);
        AssertTtl(700, Ttl(entry));

        Assert.Equal(DeleteOutcome.Deleted, writer.DeleteConference("sync", ours));
        Assert.Equal(DeleteOutcome.Absent, writer.DeleteConference("sync", ours));
    }

    [Fact]
    public async Task A_user_is_an_mstapi_rtperson_with_a_dotted_quad_and_is_found_by_prefix()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ntds);
        using (var writer = LdapDirectoryWriter.Open(directory))
        {
            Assert.Equal(PutOutcome.Created, writer.PutUser(new PublishedUser("heidi", "192.0.2.7"), 1800));
            Assert.Equal(PutOutcome.Created, writer.PutUser(new PublishedUser("henry", "desk-4.example.test"), 1800));
            Assert.Equal(PutOutcome.Created, writer.PutUser(new PublishedUser("ivan", "2001:db8::1"), 1800));

            using var reader = slapd.ConnectAnonymously();
            var entry = Read(reader, writer.UserDn("heidi"), "*")!;
            Assert.Contains("msTAPI-RtPerson", entry.Attributes["objectClass"].GetValues(typeof(string)).Cast<string>());
            Assert.Equal("192.0.2.7", Value(entry, "msTAPI-IpAddress"));
        }

        using var searches = new LdapPagedSearches(directory);
        var page = searches.Start(DirectoryObjectKind.User, "he", 10);
        Assert.Null(page.ContinuationToken);
        Assert.Equal(["heidi", "henry"], page.Objects.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["192.0.2.7"], page.Objects.Single(o => o.Name == "heidi").IpAddresses);
        Assert.Equal(["desk-4.example.test"], page.Objects.Single(o => o.Name == "henry").IpAddresses);
        Assert.All(page.Objects, o => AssertTtl(1800, o.TtlSeconds));
    }

    [Fact]
    public async Task Conferences_that_other_programs_added_are_discovered_with_their_parse_results()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ntds);
        using (var admin = slapd.ConnectAsAdmin())
        {
            admin.SendRequest(new AddRequest($"msTAPI-uid=phone-dialer,{directory.BaseDn}",
                new DirectoryAttribute("objectClass", "msTAPI-RtConference", "dynamicObject"),
                new DirectoryAttribute("msTAPI-uid", "phone-dialer"),
                new DirectoryAttribute("msTAPI-ProtocolId", "IP Conference"),
                new DirectoryAttribute("msTAPI-ConferenceBlob", Encoding.UTF8.GetBytes(SdpOf("administrator", "3", "phone-dialer")))));
            admin.SendRequest(new AddRequest($"msTAPI-uid=phone-broken,{directory.BaseDn}",
                new DirectoryAttribute("objectClass", "msTAPI-RtConference"),
                new DirectoryAttribute("msTAPI-uid", "phone-broken"),
                new DirectoryAttribute("msTAPI-ConferenceBlob", "v=0\r\nthis is not sdp\r\n")));
        }

        using var searches = new LdapPagedSearches(directory);
        var found = searches.Start(DirectoryObjectKind.Conference, "phone-*", 10).Objects.ToDictionary(o => o.Name);
        Assert.Equal(2, found.Count);
        Assert.Equal("administrator", found["phone-dialer"].Description!.Origin.Username);
        Assert.Empty(found["phone-dialer"].BlobErrors);
        Assert.Equal("IP Conference", found["phone-dialer"].Protocol);
        Assert.Null(found["phone-broken"].Description);
        Assert.NotEmpty(found["phone-broken"].BlobErrors);
        Assert.Null(found["phone-broken"].TtlSeconds);
    }
}

using System.DirectoryServices.Protocols;
using System.Text;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Ldap.LdapTestDirectories;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>EnumerateDirectoryObjects against the ILS layout of a real slapd, including objects other programs added.</summary>
public sealed class LdapDiscoveryTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    [Fact]
    public async Task Objects_added_by_other_programs_are_listed_and_a_bad_blob_does_not_break_the_listing()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        var container = directory.ObjectContainerDn;
        var good = SdpOf("netmeeting", "2890844526", "Lunch");
        using (var admin = slapd.ConnectAsAdmin())
        {
            admin.SendRequest(new AddRequest($"uid=lunch,{container}",
                new DirectoryAttribute("objectClass", "rtConference", "dynamicObject"),
                new DirectoryAttribute("uid", "lunch"), new DirectoryAttribute("cn", "lunch"),
                new DirectoryAttribute("protocolID", "IP Conference"),
                new DirectoryAttribute("conferenceBlob", Encoding.UTF8.GetBytes(good)),
                new DirectoryAttribute("originator", "netmeeting"),
                new DirectoryAttribute("startTime", "20261201100000Z"),
                new DirectoryAttribute("stopTime", "20261201113000Z"),
                new DirectoryAttribute("advertisingScope", "3")));
            admin.SendRequest(new AddRequest($"uid=latin1,{container}",
                new DirectoryAttribute("objectClass", "rtConference"),
                new DirectoryAttribute("uid", "latin1"), new DirectoryAttribute("cn", "latin1"),
                new DirectoryAttribute("conferenceBlob", Encoding.Latin1.GetBytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Caf\u00e9\r\nt=0 0\r\n"))));
            admin.SendRequest(new AddRequest($"uid=noblob,{container}",
                new DirectoryAttribute("objectClass", "rtConference"),
                new DirectoryAttribute("uid", "noblob"), new DirectoryAttribute("cn", "noblob")));
            admin.SendRequest(new AddRequest($"cn=not-a-conference,{container}",
                new DirectoryAttribute("objectClass", "rtPerson"), new DirectoryAttribute("cn", "not-a-conference")));
        }

        using var searches = new LdapPagedSearches(directory);
        var page = searches.Start(DirectoryObjectKind.Conference, null, 50);
        Assert.Null(page.ContinuationToken);
        var found = page.Objects.ToDictionary(o => o.Name);
        Assert.Equal(["latin1", "lunch", "noblob"], found.Keys.Order(StringComparer.Ordinal));

        var lunch = found["lunch"];
        Assert.Equal(DirectoryObjectKind.Conference, lunch.Kind);
        Assert.Equal($"uid=lunch,{container}", lunch.Dn);
        Assert.Equal(good, lunch.BlobText);
        Assert.Empty(lunch.BlobErrors);
        Assert.Equal("Lunch", lunch.Description!.Name);
        Assert.Equal("netmeeting", lunch.Originator);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), lunch.StartTime);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 30, 0, TimeSpan.Zero), lunch.StopTime);
        Assert.Equal(SdpAdvertisingScope.Region, lunch.AdvertisingScope);
        Assert.True(lunch.TtlSeconds > 0);

        var latin1 = found["latin1"];
        Assert.Null(latin1.Description);
        Assert.Contains(latin1.BlobErrors, e => e.Contains("not UTF-8 (0xE9)", StringComparison.Ordinal));
        Assert.Contains("Caf\uFFFD", latin1.BlobText, StringComparison.Ordinal);
        Assert.Null(latin1.TtlSeconds);

        Assert.Equal(["conferenceBlob is missing"], found["noblob"].BlobErrors);
    }

    [Fact]
    public async Task Users_are_listed_with_ils_dwords_decoded_to_dotted_quads()
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using (var admin = slapd.ConnectAsAdmin())
        {
            // As NetMeeting registered itself: 10.0.0.1 is 0x0100000A.
            admin.SendRequest(new AddRequest($"cn=judy,{directory.ObjectContainerDn}",
                new DirectoryAttribute("objectClass", "rtPerson"), new DirectoryAttribute("cn", "judy"),
                new DirectoryAttribute("ipAddress", "16777226"), new DirectoryAttribute("sFlags", "1")));
        }

        using (var writer = LdapDirectoryWriter.Open(directory))
        {
            writer.PutUser(new PublishedUser("julia", "phone.example.test"), 600);
            writer.PutUser(new PublishedUser("karl", "192.0.2.5"), 600);
        }

        using var searches = new LdapPagedSearches(directory);
        var users = searches.Start(DirectoryObjectKind.User, "ju*", 50).Objects.ToDictionary(o => o.Name);
        Assert.Equal(["judy", "julia"], users.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["10.0.0.1"], users["judy"].IpAddresses);
        Assert.Empty(users["julia"].IpAddresses);
        Assert.Equal("phone.example.test", users["julia"].Comment);
        AssertTtl(600, users["julia"].TtlSeconds);
    }

    [Theory]
    [InlineData("a*", new[] { "a*b", "a*c", "a", "ab", "a,b", "a+b" })]
    [InlineData("a*b", new[] { "a*b" })]
    [InlineData("a**", new[] { "a*b", "a*c" })]
    [InlineData("(", new[] { "(x)" })]
    [InlineData("\\", new[] { "\\y" })]
    [InlineData("#", new[] { "#z" })]
    [InlineData("k\u00f6", new[] { "K\u00f6ln", "k\u00f6nig" })]
    [InlineData("a,", new[] { "a,b" })]
    [InlineData("a+", new[] { "a+b" })]
    public async Task A_name_prefix_matches_literally_except_for_a_trailing_star(string prefix, string[] expected)
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        string[] names = ["a*b", "a*c", "a", "ab", "(x)", "\\y", "#z", "K\u00f6ln", "k\u00f6nig", "a,b", "a+b", "b"];
        using (var writer = LdapDirectoryWriter.Open(directory))
        {
            foreach (var name in names)
            {
                Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference(name, SdpOf("lara", "1", name)), 600));
            }
        }

        using var searches = new LdapPagedSearches(directory);
        var found = searches.Start(DirectoryObjectKind.Conference, prefix, 100).Objects.Select(o => o.Name).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Order(StringComparer.Ordinal), found);
    }
}

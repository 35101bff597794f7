using System.DirectoryServices.Protocols;
using System.Text;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>
/// The private directory the fixtures start is the one the local run and the container
/// run: these tests talk to a real slapd loaded from deploy/ldap.
/// </summary>
public sealed class SlapdDirectoryTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    private const string RefreshOid = "1.3.6.1.4.1.1466.101.119.1";

    [Fact]
    public void Base_entries_are_listed_to_anonymous_readers()
    {
        using var connection = slapd.ConnectAnonymously();
        var response = (SearchResponse)connection.SendRequest(new SearchRequest(SlapdServer.Suffix, "(objectClass=organizationalUnit)", SearchScope.OneLevel, "ou"));
        var units = response.Entries.Cast<SearchResultEntry>().Select(e => e.DistinguishedName).ToList();
        Assert.Contains("ou=Dynamic,o=Intranet", units);
        Assert.Contains("ou=Applications,o=Intranet", units);
    }

    [Fact]
    public async Task An_ils_conference_is_stored_with_its_attributes_and_found_by_time()
    {
        var subtree = await slapd.CreateSubtreeAsync();
        var dn = $"uid=town-hall,{subtree}";
        var blob = Encoding.UTF8.GetBytes("v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=Town hall\r\nt=0 0\r\n");
        using (var admin = slapd.ConnectAsAdmin())
        {
            admin.SendRequest(new AddRequest(dn,
                new DirectoryAttribute("objectClass", "rtConference", "dynamicObject"),
                new DirectoryAttribute("uid", "town-hall"),
                new DirectoryAttribute("cn", "town-hall"),
                new DirectoryAttribute("protocolID", "IP Conference"),
                new DirectoryAttribute("conferenceBlob", blob),
                new DirectoryAttribute("originator", "alice"),
                new DirectoryAttribute("startTime", "20261201100000Z"),
                new DirectoryAttribute("stopTime", "20261201110000Z"),
                new DirectoryAttribute("advertisingScope", "1")));
        }

        using var reader = slapd.ConnectAnonymously();
        // ORDERING generalizedTimeOrderingMatch makes range filters on startTime work.
        var response = (SearchResponse)reader.SendRequest(new SearchRequest(subtree, "(&(objectClass=rtConference)(startTime>=20261201000000Z)(stopTime<=20261202000000Z))", SearchScope.Subtree,
            "protocolID", "conferenceBlob", "advertisingScope", "entryTtl"));
        var entry = Assert.Single(response.Entries.Cast<SearchResultEntry>());
        Assert.Equal(dn, entry.DistinguishedName);
        Assert.Equal("IP Conference", entry.Attributes["protocolID"][0]);
        Assert.Equal(blob, entry.Attributes["conferenceBlob"].GetValues(typeof(byte[]))[0]);
        Assert.Equal("1", entry.Attributes["advertisingScope"][0]);
        Assert.True(int.Parse((string)entry.Attributes["entryTtl"][0], System.Globalization.CultureInfo.InvariantCulture) > 0, "a dynamic object carries an entryTtl");
    }

    [Fact]
    public async Task An_ntds_conference_uses_the_active_directory_classes()
    {
        var subtree = await slapd.CreateSubtreeAsync();
        var dn = $"msTAPI-uid=standup,{subtree}";
        using (var admin = slapd.ConnectAsAdmin())
        {
            admin.SendRequest(new AddRequest(dn,
                new DirectoryAttribute("objectClass", "msTAPI-RtConference", "dynamicObject"),
                new DirectoryAttribute("msTAPI-uid", "standup"),
                new DirectoryAttribute("msTAPI-ProtocolId", "IP Conference"),
                new DirectoryAttribute("msTAPI-ConferenceBlob", Encoding.UTF8.GetBytes("v=0\r\n"))));
        }

        using var reader = slapd.ConnectAnonymously();
        var response = (SearchResponse)reader.SendRequest(new SearchRequest(subtree, "(msTAPI-uid=stand*)", SearchScope.OneLevel, "msTAPI-ProtocolId"));
        Assert.Equal("IP Conference", Assert.Single(response.Entries.Cast<SearchResultEntry>()).Attributes["msTAPI-ProtocolId"][0]);
    }

    [Fact]
    public async Task Anonymous_callers_cannot_write()
    {
        var subtree = await slapd.CreateSubtreeAsync();
        using var anonymous = slapd.ConnectAnonymously();
        var error = Assert.Throws<DirectoryOperationException>(() => anonymous.SendRequest(new AddRequest($"uid=intruder,{subtree}",
            new DirectoryAttribute("objectClass", "rtConference"), new DirectoryAttribute("uid", "intruder"), new DirectoryAttribute("cn", "intruder"))));
        // slapd asks an anonymous writer to authenticate (RFC 4511 strongerAuthRequired).
        Assert.Equal(ResultCode.StrongAuthRequired, error.Response.ResultCode);
    }

    [Fact]
    public async Task A_dynamic_object_is_refreshed_and_expires_when_no_longer_refreshed()
    {
        var subtree = await slapd.CreateSubtreeAsync();
        var dn = $"uid=short-lived,{subtree}";
        using var admin = slapd.ConnectAsAdmin();
        admin.SendRequest(new AddRequest(dn,
            new DirectoryAttribute("objectClass", "rtConference", "dynamicObject"),
            new DirectoryAttribute("uid", "short-lived"), new DirectoryAttribute("cn", "short-lived")));

        // RFC 2589 section 4.1: the refresh request names the entry [0] and the wanted TTL [1].
        Assert.Equal(600, Refresh(admin, dn, 600));
        // entryTtl reads as the time left, so a second boundary between the two gives 599.
        Assert.InRange(int.Parse((string)Read(admin, dn)!.Attributes["entryTtl"][0], System.Globalization.CultureInfo.InvariantCulture), 597, 600);

        Assert.Equal(2, Refresh(admin, dn, 2));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Read(admin, dn) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the dds overlay did not remove the expired object within 20 s");
            await Task.Delay(250);
        }
    }

    private static int Refresh(LdapConnection connection, string dn, int ttl)
    {
        var request = new ExtendedRequest(RefreshOid, BerConverter.Encode("{tsti}", 0x80, dn, 0x81, ttl));
        var response = (ExtendedResponse)connection.SendRequest(request);
        return (int)BerConverter.Decode("{i}", response.ResponseValue)[0];
    }

    private static SearchResultEntry? Read(LdapConnection connection, string dn)
    {
        try
        {
            var response = (SearchResponse)connection.SendRequest(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, "entryTtl"));
            return response.Entries.Cast<SearchResultEntry>().SingleOrDefault();
        }
        catch (DirectoryOperationException e) when (e.Response.ResultCode == ResultCode.NoSuchObject)
        {
            return null;
        }
    }
}

using System.DirectoryServices.Protocols;
using System.Globalization;
using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>Directories of one test each: a fresh subtree of a fixture, laid out as the flavour expects.</summary>
internal static class LdapTestDirectories
{
    /// <summary>
    /// A directory rooted at a new subtree. ILS objects go under ou=Dynamic of it (the ILS
    /// layout); NTDS objects directly under it (the partition layout).
    /// </summary>
    public static async Task<LdapDirectoryOptions> CreateAsync(SlapdServer slapd, DirectoryFlavour flavour, Action<LdapDirectoryOptions>? change = null)
    {
        var subtree = await slapd.CreateSubtreeAsync();
        var options = new LdapDirectoryOptions
        {
            Name = "test",
            Url = slapd.Url,
            Flavour = flavour,
            BaseDn = subtree,
            TimeoutSeconds = 5,
            Bind = new LdapBindOptions { Mode = LdapBindMode.Simple, Dn = slapd.AdministratorDn, Password = slapd.AdminPassword },
        };
        change?.Invoke(options);
        if (options.ObjectContainerDn != subtree)
        {
            using var admin = slapd.ConnectAsAdmin();
            admin.SendRequest(new AddRequest(options.ObjectContainerDn, new DirectoryAttribute("objectClass", "organizationalUnit")));
        }

        return options;
    }

    /// <summary>The entry as an LDAP browser reads it, with entryTtl; null when there is none.</summary>
    public static SearchResultEntry? Read(LdapConnection connection, string dn, params string[] attributes)
    {
        try
        {
            var response = (SearchResponse)connection.SendRequest(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, [.. attributes, "entryTtl"]));
            return response.Entries.Cast<SearchResultEntry>().SingleOrDefault();
        }
        catch (DirectoryOperationException e) when (e.Response.ResultCode == ResultCode.NoSuchObject)
        {
            return null;
        }
    }

    public static string? Value(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) ? (string)entry.Attributes[attribute].GetValues(typeof(string))[0] : null;

    public static int Ttl(SearchResultEntry entry) => int.Parse(Value(entry, "entryTtl")!, CultureInfo.InvariantCulture);

    /// <summary>
    /// slapd's entryTtl is the time left (entryExpireTimestamp minus now), not the TTL last
    /// granted: a read a second after a refresh to 600 says 599.
    /// </summary>
    public static void AssertTtl(int granted, int? read) => Assert.InRange(read ?? -1, granted - 3, granted);

    public static string SdpOf(string user, string sessionId, string name, string address = "192.0.2.10") =>
        $"v=0\r\no={user} {sessionId} 1 IN IP4 {address}\r\ns={name}\r\nc=IN IP4 233.252.0.1/15\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
}

using System.DirectoryServices.Protocols;
using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>LDAPS and StartTLS against a slapd with a throwaway CA, trusted per connection through Tls:CaFile.</summary>
public sealed class LdapTlsTests(TlsSlapdServer slapd) : IClassFixture<TlsSlapdServer>
{
    private LdapDirectoryOptions Directory(string url, LdapTlsMode mode, string? caFile, bool verify = true) => new()
    {
        Name = "tls",
        Url = url,
        BaseDn = SlapdServer.Suffix,
        TimeoutSeconds = 5,
        Tls = new LdapTlsOptions { Mode = mode, CaFile = caFile, VerifyServer = verify },
        Bind = new LdapBindOptions { Mode = LdapBindMode.Simple, Dn = slapd.AdministratorDn, Password = slapd.AdminPassword },
    };

    [Fact]
    public void Ldaps_with_the_ca_file_binds_and_writes()
    {
        var directory = Directory(slapd.LdapsUrl, LdapTlsMode.None, slapd.CaFile);
        Assert.Equal(LdapTlsMode.Ldaps, directory.EffectiveTlsMode);
        Assert.Empty(Annotations.Validate(directory));
        using var writer = LdapDirectoryWriter.Open(directory);
        var sdp = LdapTestDirectories.SdpOf("tls", "1", "over-ldaps");
        Assert.Equal(PutOutcome.Created, writer.PutConference(new PublishedConference($"ldaps-{Guid.NewGuid():N}", sdp), 600));
    }

    [Fact]
    public void Starttls_with_the_ca_file_reaches_the_configured_port_and_binds()
    {
        using var connection = LdapConnectionFactory.Open(Directory(slapd.Url, LdapTlsMode.StartTls, slapd.CaFile));
        var response = (SearchResponse)connection.SendRequest(new SearchRequest(SlapdServer.Suffix, "(objectClass=*)", SearchScope.Base, "1.1"));
        Assert.Single(response.Entries);
        // slapd tells a client its authorization identity (RFC 4532): the bind went through.
        var whoAmI = (ExtendedResponse)connection.SendRequest(new ExtendedRequest("1.3.6.1.4.1.4203.1.11.3"));
        Assert.Equal($"dn:{slapd.AdministratorDn}", System.Text.Encoding.UTF8.GetString(whoAmI.ResponseValue));
    }

    [Theory]
    [InlineData(LdapTlsMode.Ldaps, false)]
    [InlineData(LdapTlsMode.Ldaps, true)]
    [InlineData(LdapTlsMode.StartTls, false)]
    [InlineData(LdapTlsMode.StartTls, true)]
    public void Without_our_ca_the_certificate_is_refused(LdapTlsMode mode, bool unrelatedCa)
    {
        var url = mode == LdapTlsMode.Ldaps ? slapd.LdapsUrl : slapd.Url;
        var directory = Directory(url, mode, unrelatedCa ? slapd.UnrelatedCaFile : null);
        var error = Assert.Throws<LdapException>(() => LdapConnectionFactory.Open(directory).Dispose());
        // libldap reports a failed TLS handshake as "server unavailable" (LDAPS) or "connect error" (StartTLS).
        Assert.Equal(mode == LdapTlsMode.Ldaps ? 81 : 91, error.ErrorCode);
    }

    [Fact]
    public void Trust_stays_with_the_connection_that_was_given_the_ca()
    {
        // One connection trusting the CA must not make the next one without it trust it too.
        using (LdapConnectionFactory.Open(Directory(slapd.LdapsUrl, LdapTlsMode.Ldaps, slapd.CaFile)))
        {
            Assert.Throws<LdapException>(() => LdapConnectionFactory.Open(Directory(slapd.LdapsUrl, LdapTlsMode.Ldaps, null)).Dispose());
        }
    }

    [Theory]
    [InlineData(LdapTlsMode.Ldaps)]
    [InlineData(LdapTlsMode.StartTls)]
    public void Verification_can_be_turned_off_for_a_lab_directory(LdapTlsMode mode)
    {
        var url = mode == LdapTlsMode.Ldaps ? slapd.LdapsUrl : slapd.Url;
        using var connection = LdapConnectionFactory.Open(Directory(url, mode, null, verify: false));
        Assert.Single(((SearchResponse)connection.SendRequest(new SearchRequest(SlapdServer.Suffix, "(objectClass=*)", SearchScope.Base, "1.1"))).Entries);
    }

    [Fact]
    public void The_next_url_is_tried_when_the_first_does_not_answer()
    {
        var dead = $"ldaps://127.0.0.1:{FreePort.NextTcp()}";
        using var connection = LdapConnectionFactory.Open(Directory($"{dead} {slapd.LdapsUrl}", LdapTlsMode.Ldaps, slapd.CaFile));
        Assert.Single(((SearchResponse)connection.SendRequest(new SearchRequest(SlapdServer.Suffix, "(objectClass=*)", SearchScope.Base, "1.1"))).Entries);
    }

    [Fact]
    public void Plain_ldap_urls_fail_over_too()
    {
        var dead = $"ldap://127.0.0.1:{FreePort.NextTcp()}";
        var directory = Directory($"{dead} {slapd.Url}", LdapTlsMode.None, null);
        using var connection = LdapConnectionFactory.Open(directory);
        Assert.Single(((SearchResponse)connection.SendRequest(new SearchRequest(SlapdServer.Suffix, "(objectClass=*)", SearchScope.Base, "1.1"))).Entries);
    }
}

using Rendezvous.Testing;
using Rendezvous.Directory.Ldap;

namespace Rendezvous.Directory.Tests.Ldap;

public sealed class LdapDirectoryOptionsTests
{
    private static LdapDirectoryOptions Valid() => new() { Name = "corp-ils", Url = "ldap://ils.example:1002", BaseDn = "o=Intranet" };

    [Fact]
    public void A_complete_directory_is_valid() => Assert.Empty(Annotations.Validate(Valid()));

    [Theory]
    [InlineData("Corp")]
    [InlineData("-corp")]
    [InlineData("corp ils")]
    [InlineData("")]
    public void Names_are_lower_case_words(string name)
    {
        var options = Valid();
        options.Name = name;
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.Name)));
    }

    [Fact]
    public void A_bad_url_and_base_dn_are_named()
    {
        var options = Valid();
        options.Url = "http://ils.example";
        options.BaseDn = "Intranet";
        var results = Annotations.Validate(options);
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.Url)) && r.ErrorMessage!.Contains("scheme 'http'", StringComparison.Ordinal));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.BaseDn)));
    }

    [Theory]
    [InlineData(299)]
    [InlineData(31557601)]
    public void The_default_ttl_stays_within_tapi_and_rfc_2589_limits(int ttl)
    {
        var options = Valid();
        options.DefaultTtlSeconds = ttl;
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.DefaultTtlSeconds)));
    }

    [Fact]
    public void A_simple_bind_needs_a_dn_and_exactly_one_password_source()
    {
        var both = new LdapBindOptions { Mode = LdapBindMode.Simple, Password = "x", PasswordFile = "/etc/hostname" };
        var results = Annotations.Validate(both);
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(LdapBindOptions.Dn)));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(LdapBindOptions.Password)));

        var missingFile = new LdapBindOptions { Mode = LdapBindMode.Simple, Dn = "cn=admin,o=Intranet", PasswordFile = "/nonexistent/secret" };
        Assert.Contains(Annotations.Validate(missingFile), r => r.MemberNames.Contains(nameof(LdapBindOptions.PasswordFile)));

        var empty = new LdapBindOptions { Mode = LdapBindMode.Simple, Dn = "cn=admin,o=Intranet", Password = "" };
        Assert.Contains(Annotations.Validate(empty), r => r.MemberNames.Contains(nameof(LdapBindOptions.Password)) && r.ErrorMessage!.Contains("empty", StringComparison.Ordinal));

        var good = new LdapBindOptions { Mode = LdapBindMode.Simple, Dn = "cn=admin,o=Intranet", Password = "secret" };
        Assert.Empty(Annotations.Validate(good));
    }

    [Fact]
    public void An_anonymous_bind_carries_no_credentials()
    {
        var options = new LdapBindOptions { Mode = LdapBindMode.Anonymous, Password = "secret" };
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains(nameof(LdapBindOptions.Mode)));
    }
}

public sealed class LdapDirectoryOptionsTlsAndLayoutTests
{
    private static LdapDirectoryOptions Valid() => new() { Name = "corp-ils", Url = "ldap://ils.example:1002", BaseDn = "o=Intranet" };

    [Fact]
    public void Starttls_with_ldaps_urls_is_named_by_its_key()
    {
        var options = Valid();
        options.Url = "ldaps://a.example ldaps://b.example";
        options.Tls.Mode = LdapTlsMode.StartTls;
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains("Tls:Mode") && r.ErrorMessage!.Contains("StartTLS", StringComparison.Ordinal));

        options.Tls.Mode = LdapTlsMode.None;
        Assert.Empty(Annotations.Validate(options));
        Assert.Equal(LdapTlsMode.Ldaps, options.EffectiveTlsMode);
    }

    [Fact]
    public void Ldaps_mode_needs_ldaps_urls()
    {
        var options = Valid();
        options.Tls.Mode = LdapTlsMode.Ldaps;
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains("Tls:Mode"));
    }

    [Fact]
    public void Mixed_schemes_are_named_by_the_url_key()
    {
        var options = Valid();
        options.Url = "ldap://a.example ldaps://b.example";
        Assert.Contains(Annotations.Validate(options), r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.Url)) && r.ErrorMessage!.Contains("same scheme", StringComparison.Ordinal));
    }

    [Fact]
    public void A_ca_file_must_exist_and_hold_a_pem_certificate()
    {
        Assert.Contains(Annotations.Validate(new LdapTlsOptions { CaFile = "/nonexistent/ca.pem" }), r => r.MemberNames.Contains(nameof(LdapTlsOptions.CaFile)) && r.ErrorMessage!.Contains("does not exist", StringComparison.Ordinal));
        var notPem = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notPem, "not a certificate");
            Assert.Contains(Annotations.Validate(new LdapTlsOptions { CaFile = notPem }), r => r.MemberNames.Contains(nameof(LdapTlsOptions.CaFile)));
        }
        finally
        {
            File.Delete(notPem);
        }
    }

    [Fact]
    public void The_container_follows_the_flavour_unless_set()
    {
        var ils = Valid();
        Assert.Equal("ou=Dynamic,o=Intranet", ils.ObjectContainerDn);
        var ntds = Valid();
        ntds.Flavour = DirectoryFlavour.Ntds;
        ntds.BaseDn = "dc=TAPI3Directory,dc=example,dc=test";
        Assert.Equal("dc=TAPI3Directory,dc=example,dc=test", ntds.ObjectContainerDn);
        ntds.Container = "ou=Conferences";
        Assert.Equal("ou=Conferences,dc=TAPI3Directory,dc=example,dc=test", ntds.ObjectContainerDn);
        ntds.Container = "Conferences";
        Assert.Contains(Annotations.Validate(ntds), r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.Container)));
    }

    [Fact]
    public void Scopes_select_the_conferences_a_directory_receives()
    {
        var all = Valid();
        Assert.True(all.Receives(null));
        Assert.True(all.Receives(Rendezvous.Directory.Sdp.SdpAdvertisingScope.World));

        var site = Valid();
        site.Scopes = [Rendezvous.Directory.Sdp.SdpAdvertisingScope.Local, Rendezvous.Directory.Sdp.SdpAdvertisingScope.Site];
        Assert.True(site.Receives(Rendezvous.Directory.Sdp.SdpAdvertisingScope.Site));
        Assert.False(site.Receives(Rendezvous.Directory.Sdp.SdpAdvertisingScope.Region));
        Assert.False(site.Receives(null));

        site.Scopes.Add((Rendezvous.Directory.Sdp.SdpAdvertisingScope)9);
        Assert.Contains(Annotations.Validate(site), r => r.MemberNames.Contains(nameof(LdapDirectoryOptions.Scopes)));
    }
}

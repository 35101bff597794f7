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

using Rendezvous.Api.Tests.Support;

namespace Rendezvous.Api.Tests.Auth;

/// <summary>A wrong <c>Rendezvous:Auth:Ldap</c> setting stops the service with a message naming it.</summary>
public sealed class LdapAuthConfigurationTests
{
    private static Dictionary<string, string?> Valid()
    {
        var settings = TestSettings.For(TestSettings.UnreachablePostgres());
        settings["Rendezvous:Directories:0:Name"] = "corp";
        settings["Rendezvous:Directories:0:Url"] = "ldaps://ldap.example";
        settings["Rendezvous:Directories:0:BaseDn"] = "o=Intranet";
        settings["Rendezvous:Auth:Ldap:Directory"] = "corp";
        settings["Rendezvous:Auth:Ldap:UserDnTemplate"] = "uid={0},ou=People,o=Intranet";
        return settings;
    }

    private static async Task<string> StartupFailure(Dictionary<string, string?> settings)
    {
        var failures = await ServiceStart.TryStartAsync(settings);
        Assert.NotEmpty(failures);
        return string.Join('\n', failures);
    }

    [Fact]
    public async Task A_valid_ldap_configuration_starts()
    {
        Assert.Empty(await ServiceStart.TryStartAsync(Valid()));
    }

    [Fact]
    public async Task A_search_configuration_starts()
    {
        var settings = Valid();
        settings.Remove("Rendezvous:Auth:Ldap:UserDnTemplate");
        settings["Rendezvous:Auth:Ldap:UserSearchBase"] = "ou=People,o=Intranet";
        settings["Rendezvous:Auth:Ldap:UserSearchFilter"] = "(&(objectClass=inetOrgPerson)(uid={0}))";
        settings["Rendezvous:Auth:Ldap:AdminGroupDn"] = "cn=admins,ou=Groups,o=Intranet";
        Assert.Empty(await ServiceStart.TryStartAsync(settings));
    }

    [Fact]
    public async Task A_directory_name_that_is_not_configured_is_named()
    {
        var settings = Valid();
        settings["Rendezvous:Auth:Ldap:Directory"] = "crop";
        Assert.Contains(
            "Rendezvous:Auth:Ldap:Directory: 'crop' is not the name of a directory in Rendezvous:Directories (configured: corp)",
            await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_name_without_any_directory_is_named()
    {
        var settings = Valid();
        foreach (var key in settings.Keys.Where(k => k.StartsWith("Rendezvous:Directories", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        Assert.Contains("Rendezvous:Auth:Ldap:Directory: 'corp' is not the name of a directory in Rendezvous:Directories (none is configured)",
            await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_directory_is_named()
    {
        var settings = Valid();
        settings.Remove("Rendezvous:Auth:Ldap:Directory");
        Assert.Contains("Rendezvous:Auth:Ldap:Directory", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uid=alice,ou=People,o=Intranet", "must contain {0} exactly once")]
    [InlineData("uid={0},ou={0},o=Intranet", "must contain {0} exactly once")]
    [InlineData("uid=x{0},ou=People,o=Intranet", "{0} must be a whole attribute value")]
    [InlineData("uid={0}x,ou=People,o=Intranet", "{0} must be a whole attribute value")]
    [InlineData("{0},ou=People,o=Intranet", "{0} must be a whole attribute value")]
    public async Task A_bad_dn_template_is_named(string template, string message)
    {
        var settings = Valid();
        settings["Rendezvous:Auth:Ldap:UserDnTemplate"] = template;
        Assert.Contains($"Rendezvous:Auth:Ldap:UserDnTemplate: {message}", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_or_neither_way_of_finding_users_is_an_error()
    {
        var both = Valid();
        both["Rendezvous:Auth:Ldap:UserSearchBase"] = "ou=People,o=Intranet";
        Assert.Contains("Rendezvous:Auth:Ldap:UserDnTemplate: set exactly one of UserDnTemplate", await StartupFailure(both), StringComparison.Ordinal);

        var neither = Valid();
        neither.Remove("Rendezvous:Auth:Ldap:UserDnTemplate");
        Assert.Contains("Rendezvous:Auth:Ldap:UserDnTemplate: set exactly one of UserDnTemplate", await StartupFailure(neither), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_search_settings_and_a_misspelt_key_are_named()
    {
        var settings = Valid();
        settings.Remove("Rendezvous:Auth:Ldap:UserDnTemplate");
        settings["Rendezvous:Auth:Ldap:UserSearchBase"] = "People";
        settings["Rendezvous:Auth:Ldap:UserSearchFilter"] = "uid=alice";
        settings["Rendezvous:Auth:Ldap:AdminGroupDn"] = "admins";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Auth:Ldap:UserSearchBase: must be a distinguished name", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Auth:Ldap:UserSearchFilter: must be an LDAP filter", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Auth:Ldap:AdminGroupDn: must be a distinguished name", failure, StringComparison.Ordinal);

        var cache = Valid();
        cache["Rendezvous:Auth:Ldap:CacheSeconds"] = "-1";
        Assert.Contains("Rendezvous:Auth:Ldap:CacheSeconds: The field CacheSeconds must be between 0 and 3600", await StartupFailure(cache), StringComparison.Ordinal);

        var misspelt = Valid();
        misspelt["Rendezvous:Auth:Ldap:CacheSecs"] = "5";
        Assert.Contains("Rendezvous:Auth:Ldap:CacheSecs: unknown setting", await StartupFailure(misspelt), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ldap://ldap.example", true)]
    [InlineData("ldaps://ldap.example", false)]
    [InlineData("ldap://127.0.0.1:3890", false)]
    public void Plain_ldap_to_a_remote_server_is_warned_about(string url, bool warned)
    {
        var settings = Valid();
        settings["Rendezvous:Directories:0:Url"] = url;
        using var factory = new RendezvousFactory(settings);
        using var client = factory.CreateClient();
        Assert.Equal(warned, factory.Logs.Entries.Any(e => e.EventId == 2015));
    }
}

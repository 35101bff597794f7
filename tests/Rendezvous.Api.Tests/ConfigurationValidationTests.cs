using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>A wrong or missing setting stops the service with a message that names the setting.</summary>
public sealed class ConfigurationValidationTests
{
    private static async Task<string> StartupFailure(Dictionary<string, string?> settings)
    {
        var failures = await ServiceStart.TryStartAsync(settings);
        Assert.NotEmpty(failures);
        return string.Join('\n', failures);
    }

    [Fact]
    public async Task A_valid_configuration_starts()
    {
        Assert.Empty(await ServiceStart.TryStartAsync(Valid()));
    }

    private static Dictionary<string, string?> Valid() => TestSettings.For(TestSettings.UnreachablePostgres());

    /// <summary>Adds a valid directory entry at <paramref name="index"/>.</summary>
    private static Dictionary<string, string?> WithDirectory(Dictionary<string, string?> settings, int index, string name = "corp")
    {
        settings[$"Rendezvous:Directories:{index}:Name"] = name;
        settings[$"Rendezvous:Directories:{index}:Url"] = "ldap://ils.example";
        settings[$"Rendezvous:Directories:{index}:BaseDn"] = "o=Intranet";
        return settings;
    }

    [Fact]
    public async Task A_missing_connection_string_is_named()
    {
        var settings = Valid();
        settings.Remove("Rendezvous:PostgreSql:ConnectionString");
        Assert.Contains("Rendezvous:PostgreSql:ConnectionString", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_setting_is_named_at_once_and_no_secret_is_echoed()
    {
        var settings = WithDirectory(Valid(), 0);
        settings["Rendezvous:Directories:0:Url"] = "http://ils.example";
        settings["Rendezvous:Media:RtpPortMin"] = "40001";
        settings["Rendezvous:Auth:BootstrapAdminToken"] = "short-secret";

        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Directories:0:Url: scheme 'http' is not supported", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Media:RtpPortMin", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Auth:BootstrapAdminToken", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_connection_string_is_named_without_its_password()
    {
        var settings = Valid();
        settings["Rendezvous:PostgreSql:ConnectionString"] = "Host=127.0.0.1;Password=pg-secret-value;Colour=blue";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:PostgreSql:ConnectionString: is not a valid Npgsql connection string", failure, StringComparison.Ordinal);
        Assert.Contains("colour", failure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("pg-secret-value", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_sap_settings_are_named()
    {
        var settings = Valid();
        settings["Rendezvous:Sap:Interfaces:0"] = "eth0";
        settings["Rendezvous:Sap:Interfaces:1"] = "239.255.255.255";
        settings["Rendezvous:Sap:ListenGroups:0"] = "192.0.2.1";
        settings["Rendezvous:Sap:MinimumIntervalSeconds"] = "0";
        settings["Rendezvous:Sap:AdvertisingScopes:0"] = "Galaxy";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Sap:AdvertisingScopes:0: 'Galaxy' is not one of Local, Site, Region, World", failure, StringComparison.Ordinal);

        // Ranges first, then the rules between settings (DataAnnotations stop before IValidatableObject).
        settings.Remove("Rendezvous:Sap:AdvertisingScopes:0");
        Assert.Contains("Rendezvous:Sap:MinimumIntervalSeconds", await StartupFailure(settings), StringComparison.Ordinal);
        settings["Rendezvous:Sap:MinimumIntervalSeconds"] = "1";
        failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Sap:Interfaces:0: 'eth0' is not an IP address", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Sap:Interfaces:1: '239.255.255.255' is not the address of an interface", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Sap:ListenGroups:0: '192.0.2.1' is not a multicast address", failure, StringComparison.Ordinal);

        var misspelt = Valid();
        misspelt["Rendezvous:Sap:Anounce"] = "true";
        Assert.Matches(@"Rendezvous:Sap:Anounce: unknown setting; expected one of [^\n]*\bAnnounce\b", await StartupFailure(misspelt));
    }

    [Fact]
    public async Task A_misspelt_setting_is_an_error_not_a_silent_default()
    {
        var settings = Valid();
        settings["Rendezvous:Madcap:Prot"] = "2536";
        var failure = await StartupFailure(settings);
        Assert.Matches(@"Rendezvous:Madcap:Prot: unknown setting; expected one of [^\n]*\bPort\b", failure);
    }

    [Fact]
    public async Task An_unknown_section_is_named()
    {
        var settings = Valid();
        settings["Rendezvous:Madcapp:Port"] = "2535";
        Assert.Contains("Rendezvous:Madcapp: unknown section", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_nested_setting_of_a_directory_is_named()
    {
        var settings = WithDirectory(Valid(), 0);
        settings["Rendezvous:Directories:0:Bind:Passwrd"] = "x";
        Assert.Contains("Rendezvous:Directories:0:Bind:Passwrd: unknown setting", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_named_by_its_key()
    {
        var settings = WithDirectory(Valid(), 0);
        settings["Rendezvous:Directories:0:Flavour"] = "Novell";
        settings["Rendezvous:Madcap:Port"] = "twenty";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Directories:0:Flavour: 'Novell' is not one of Ils, Ntds", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Madcap:Port: 'twenty' is not a valid whole number", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_madcap_scope_is_named_field_by_field()
    {
        var settings = Valid();
        settings["Rendezvous:Madcap:Scopes:0:First"] = "10.0.0.0";
        settings["Rendezvous:Madcap:Scopes:0:Last"] = "10.0.255.255";
        settings["Rendezvous:Madcap:Scopes:0:Ttl"] = "300";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Madcap:Scopes:0:First: the range must be multicast", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Madcap:Scopes:0:Ttl: must be from 1 to 255", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Madcap:Scopes:0:Names: at least one name", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_commit_writers_must_leave_a_database_connection_for_the_rest()
    {
        var settings = Valid();
        settings["Rendezvous:Madcap:DatabaseConnections"] = "4";
        settings["Rendezvous:Madcap:GroupCommitWriters"] = "4";
        Assert.Contains("Rendezvous:Madcap:GroupCommitWriters: GroupCommitWriters (4) must be fewer than DatabaseConnections (4)", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_value_does_not_make_a_directory_vanish()
    {
        // The configuration binder drops a list item whose number fails to convert.
        var settings = WithDirectory(Valid(), 0);
        settings["Rendezvous:Directories:0:TimeoutSeconds"] = "";
        settings["Rendezvous:Directories:0:Flavour"] = "";
        var failure = await StartupFailure(settings);
        Assert.Contains("Rendezvous:Directories:0:TimeoutSeconds: is empty", failure, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Directories:0:Flavour: is empty; expected one of Ils, Ntds", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_directories_may_not_share_a_name()
    {
        var settings = WithDirectory(WithDirectory(Valid(), 0), 1);

        Assert.Contains("Rendezvous:Directories:1:Name: 'corp' is already the name of directory 0", await StartupFailure(settings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_process_exits_with_a_clear_message_on_a_bad_setting()
    {
        // The real executable, as an operator starts it: exit code 78 (EX_CONFIG) and the
        // setting's name on stderr, not a stack trace.
        var (exit, _, text) = await Executable.RunAsync([], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.NextTcp()}",
            ["Rendezvous__PostgreSql__ConnectionString"] = "Host=127.0.0.1;Database=rendezvous",
            ["Rendezvous__Media__RtpPortMax"] = "1000",
        });

        Assert.Equal(78, exit);
        Assert.Contains("Rendezvous cannot start: the configuration is not valid.", text, StringComparison.Ordinal);
        Assert.Contains("Rendezvous:Media:RtpPortMax", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }
}

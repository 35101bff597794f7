using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Ldap;

public sealed class LdapDirectoryProbeTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    private LdapDirectoryOptions Directory(Action<LdapDirectoryOptions>? change = null)
    {
        var options = new LdapDirectoryOptions { Name = "test", Url = slapd.Url, BaseDn = SlapdServer.Suffix, TimeoutSeconds = 3 };
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task An_anonymous_probe_reads_the_base_entry()
    {
        var result = await LdapDirectoryProbe.ProbeAsync(Directory(), CancellationToken.None);
        Assert.True(result.Reachable, result.Detail);
        Assert.Null(result.Detail);
    }

    [Fact]
    public async Task A_simple_bind_takes_its_password_from_a_file()
    {
        var result = await LdapDirectoryProbe.ProbeAsync(Directory(d => d.Bind = new LdapBindOptions
        {
            Mode = LdapBindMode.Simple, Dn = SlapdServer.AdminDn, PasswordFile = slapd.AdminPasswordFile,
        }), CancellationToken.None);
        Assert.True(result.Reachable, result.Detail);
    }

    [Fact]
    public async Task A_wrong_password_is_reported_without_the_password()
    {
        var result = await LdapDirectoryProbe.ProbeAsync(Directory(d => d.Bind = new LdapBindOptions
        {
            Mode = LdapBindMode.Simple, Dn = SlapdServer.AdminDn, Password = "wrong-secret-123",
        }), CancellationToken.None);
        Assert.False(result.Reachable);
        Assert.Contains("credential", result.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong-secret-123", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_base_entry_is_reported_by_name()
    {
        var result = await LdapDirectoryProbe.ProbeAsync(Directory(d => d.BaseDn = "ou=Nowhere,o=Intranet"), CancellationToken.None);
        Assert.False(result.Reachable);
        Assert.Equal("base entry 'ou=Nowhere,o=Intranet' does not exist", result.Detail);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_reported_with_its_url()
    {
        var url = $"ldap://127.0.0.1:{FreePort.NextTcp()}";
        var result = await LdapDirectoryProbe.ProbeAsync(Directory(d => d.Url = url), CancellationToken.None);
        Assert.False(result.Reachable);
        Assert.StartsWith(url, result.Detail, StringComparison.Ordinal);
    }
}

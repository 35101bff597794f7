using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;
using Rendezvous.Directory.Ldap;

namespace Rendezvous.Api.Auth;

/// <summary>
/// <c>Rendezvous:Auth:Ldap:Directory</c> must name an entry of <c>Rendezvous:Directories</c>.
/// Read from the configuration itself, so that this check does not depend on the directory
/// list being valid (its own validator reports that).
/// </summary>
internal sealed class LdapAuthDirectoryReference(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.Ldap is not { Directory: { Length: > 0 } directory })
        {
            return ValidateOptionsResult.Success;
        }

        var names = configuration.GetSection(LdapDirectoryOptionsCollection.Section).GetChildren()
            .Select(entry => entry[nameof(LdapDirectoryOptions.Name)])
            .OfType<string>()
            .ToList();
        if (names.Contains(directory, StringComparer.Ordinal))
        {
            return ValidateOptionsResult.Success;
        }

        var known = names.Count == 0 ? "none is configured" : $"configured: {string.Join(", ", names)}";
        return ValidateOptionsResult.Fail(
            $"{AuthOptions.Section}:Ldap:{nameof(LdapAuthOptions.Directory)}: '{directory}' is not the name of a directory in {LdapDirectoryOptionsCollection.Section} ({known})");
    }
}

/// <summary>Warns at start-up when Basic passwords would reach a remote directory without TLS.</summary>
internal sealed class LdapAuthStartupCheck(
    IOptions<AuthOptions> auth,
    IOptions<LdapDirectoryOptionsCollection> directories,
    ILogger<LdapAuthStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.Ldap is { } ldap
            && directories.Value.FirstOrDefault(d => d.Name == ldap.Directory) is { } directory
            && LdapEndpoint.TryParse(directory.Url, out var endpoint, out _)
            && !endpoint.UseSsl
            && !IsLoopback(endpoint.Host))
        {
            Log.LdapPasswordsInClearText(logger, directory.Name, directory.Url);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}

using Microsoft.Extensions.Options;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Sap;
using Rendezvous.Madcap;
using Rendezvous.Media;

namespace Rendezvous.Api.Configuration;

/// <summary>Binds and validates every <c>Rendezvous:*</c> section at start-up.</summary>
internal static class RendezvousConfiguration
{
    public const string Root = "Rendezvous";

    /// <summary>The sections under <c>Rendezvous</c>; anything else is a typo and stops the service.</summary>
    private static readonly string[] KnownSections = ["PostgreSql", "Directories", "Catalog", "Madcap", "Sap", "Media", "Auth", "Limits", "Telemetry"];

    public static IServiceCollection AddRendezvousOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<PostgreSqlOptions>(PostgreSqlOptions.Section);
        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        services.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        services.AddValidatedOptions<MadcapOptions>(MadcapOptions.Section);
        services.AddValidatedOptions<MediaOptions>(MediaOptions.Section);
        services.AddValidatedOptions<SapOptions>(SapOptions.Section);
        services.AddValidatedOptions<CatalogOptions>(CatalogOptions.Section);
        services.AddValidatedOptions<LimitsOptions>(LimitsOptions.Section);

        services.AddValidatedOptions<LdapDirectoryOptionsCollection>(LdapDirectoryOptionsCollection.Section);
        services.AddSingleton<IValidateOptions<LdapDirectoryOptionsCollection>, UniqueDirectoryNames>();

        services.AddSingleton<IValidateOptions<RootSections>, UnknownSections>();
        services.AddOptions<RootSections>().ValidateOnStart();
        return services;
    }

    /// <summary>A marker whose validation checks the names of the sections under <c>Rendezvous</c>.</summary>
    internal sealed class RootSections;

    private sealed class UnknownSections(IConfiguration configuration) : IValidateOptions<RootSections>
    {
        public ValidateOptionsResult Validate(string? name, RootSections options)
        {
            var unknown = configuration.GetSection(Root).GetChildren()
                .Where(section => !KnownSections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
                .Select(section => $"{Root}:{section.Key}: unknown section; expected one of {string.Join(", ", KnownSections)}")
                .ToList();
            return unknown.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
        }
    }

    private sealed class UniqueDirectoryNames : IValidateOptions<LdapDirectoryOptionsCollection>
    {
        public ValidateOptionsResult Validate(string? name, LdapDirectoryOptionsCollection options)
        {
            var duplicates = options
                .Select((directory, index) => (directory.Name, index))
                .GroupBy(d => d.Name, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"{LdapDirectoryOptionsCollection.Section}:{g.Last().index}:Name: '{g.Key}' is already the name of directory {g.First().index}")
                .ToList();
            return duplicates.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(duplicates);
        }
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Directory;
using Rendezvous.Directory.Ldap;

namespace Rendezvous.Api.Health;

/// <summary>PostgreSQL is ready when the schemas are migrated and a query answers.</summary>
internal sealed class PostgreSqlHealthCheck(NpgsqlDataSource dataSource, DatabaseState state) : IHealthCheck
{
    public const string Name = "postgresql";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!state.IsMigrated)
        {
            return HealthCheckResult.Unhealthy($"schema migrations not applied: {state.Failure}");
        }

        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}

/// <summary>A directory is ready when Rendezvous can bind to it and read its base entry.</summary>
internal sealed class DirectoryHealthCheck(LdapDirectoryOptions directory, DirectoryMetrics metrics) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await LdapDirectoryProbe.ProbeAsync(directory, cancellationToken).ConfigureAwait(false);
        metrics.RecordProbe(directory.Name, result.Reachable, result.Elapsed);
        return result.Reachable ? HealthCheckResult.Healthy(directory.Url) : HealthCheckResult.Unhealthy(result.Detail);
    }
}

/// <summary>Registers one readiness check per configured directory, named <c>ldap:{name}</c>.</summary>
internal sealed class DirectoryHealthChecks(IOptions<LdapDirectoryOptionsCollection> directories) : IConfigureOptions<HealthCheckServiceOptions>
{
    public const string Prefix = "ldap:";

    public void Configure(HealthCheckServiceOptions options)
    {
        LdapDirectoryOptionsCollection configured;
        try
        {
            configured = directories.Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            // Endpoint mapping builds the health service before the host starts. Invalid
            // directory settings stop the start a moment later, where ValidateOnStart
            // names each one; failing here instead would be a bare stack trace.
            return;
        }

        foreach (var directory in configured)
        {
            options.Registrations.Add(new HealthCheckRegistration(
                Prefix + directory.Name,
                sp => new DirectoryHealthCheck(directory, sp.GetRequiredService<DirectoryMetrics>()),
                HealthStatus.Unhealthy,
                [HealthEndpoints.ReadyTag],
                TimeSpan.FromSeconds(directory.TimeoutSeconds + 2)));
        }
    }
}

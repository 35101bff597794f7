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
internal sealed class DirectoryHealthCheck(LdapDirectoryOptions directory, DirectoryProbes probes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await probes.ProbeAsync(directory).WaitAsync(cancellationToken).ConfigureAwait(false);
        return result.Reachable ? HealthCheckResult.Healthy(directory.Url) : HealthCheckResult.Unhealthy(result.Detail);
    }
}

/// <summary>
/// Shares each directory's probe among the readiness requests of one second, so that a
/// flood of /readyz requests cannot turn into a flood of LDAP binds against the directory.
/// </summary>
internal sealed class DirectoryProbes(DirectoryMetrics metrics, TimeProvider time)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, (DateTimeOffset Started, Task<LdapProbeResult> Probe)> _latest = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<LdapProbeResult> ProbeAsync(LdapDirectoryOptions directory)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_latest.TryGetValue(directory.Name, out var latest) && (!latest.Probe.IsCompleted || now - latest.Started < Freshness))
            {
                return latest.Probe;
            }

            var probe = RunAsync(directory);
            _latest[directory.Name] = (now, probe);
            return probe;
        }
    }

    private async Task<LdapProbeResult> RunAsync(LdapDirectoryOptions directory)
    {
        // Not tied to one request's cancellation: other requests may be waiting on it.
        var result = await LdapDirectoryProbe.ProbeAsync(directory, CancellationToken.None).ConfigureAwait(false);
        metrics.RecordProbe(directory.Name, result.Reachable, result.Elapsed);
        return result;
    }
}

/// <summary>Registers one readiness check per configured directory, named <c>ldap:{name}</c>.</summary>
internal sealed class DirectoryHealthChecks(IOptions<LdapDirectoryOptionsCollection> directories) : IConfigureOptions<HealthCheckServiceOptions>
{
    public const string Prefix = "ldap:";

    public void Configure(HealthCheckServiceOptions options)
    {
        if (ValidOrNull(directories) is not { } configured)
        {
            return;
        }

        foreach (var directory in configured)
        {
            options.Registrations.Add(new HealthCheckRegistration(
                Prefix + directory.Name,
                sp => new DirectoryHealthCheck(directory, sp.GetRequiredService<DirectoryProbes>()),
                HealthStatus.Unhealthy,
                [HealthEndpoints.ReadyTag],
                TimeSpan.FromSeconds(directory.TimeoutSeconds + 2)));
        }
    }

    /// <summary>
    /// The options, or null when they are not valid. Endpoint mapping builds the health service before
    /// the host starts; invalid settings stop the start a moment later, where ValidateOnStart names each
    /// one, and failing here instead would be a bare stack trace.
    /// </summary>
    public static T? ValidOrNull<T>(IOptions<T> options)
        where T : class
    {
        try
        {
            return options.Value;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            return null;
        }
    }
}

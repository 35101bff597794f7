using System.Diagnostics.Metrics;

namespace Rendezvous.Api.Telemetry;

/// <summary>Instruments of the host's own meter, <see cref="MeterName"/>.</summary>
internal sealed class ApiMetrics
{
    public const string MeterName = "Rendezvous.Api";

    private readonly Counter<long> _authenticationFailures;
    private readonly Counter<long> _migrationsApplied;
    private readonly Counter<long> _migrationFailures;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _authenticationFailures = meter.CreateCounter<long>("rendezvous.auth.failures", description: "Requests whose credentials were refused, by reason.");
        _migrationsApplied = meter.CreateCounter<long>("rendezvous.db.migrations.applied", description: "Schema migrations applied by this instance, by schema.");
        _migrationFailures = meter.CreateCounter<long>("rendezvous.db.migration.failures", description: "Failed attempts to bring the database schema up to date.");
    }

    public void AuthenticationFailed(string reason) => _authenticationFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void MigrationApplied(string schema) => _migrationsApplied.Add(1, new KeyValuePair<string, object?>("schema", schema));

    public void MigrationFailed() => _migrationFailures.Add(1);
}

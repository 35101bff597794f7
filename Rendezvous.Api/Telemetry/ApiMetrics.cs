using System.Diagnostics.Metrics;

namespace Rendezvous.Api.Telemetry;

/// <summary>Instruments of the host's own meter, <see cref="MeterName"/>.</summary>
internal sealed class ApiMetrics
{
    public const string MeterName = "Rendezvous.Api";

    private readonly Counter<long> _authenticationFailures;
    private readonly Counter<long> _migrationsApplied;
    private readonly Counter<long> _migrationFailures;
    private readonly Counter<long> _upcomingAnswers;
    private readonly Histogram<double> _windowBuilds;
    private readonly Meter _meter;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _authenticationFailures = meter.CreateCounter<long>("rendezvous.auth.failures", description: "Requests whose credentials were refused, by reason.");
        _migrationsApplied = meter.CreateCounter<long>("rendezvous.db.migrations.applied", description: "Schema migrations applied by this instance, by schema.");
        _migrationFailures = meter.CreateCounter<long>("rendezvous.db.migration.failures", description: "Failed attempts to bring the database schema up to date.");
        _upcomingAnswers = meter.CreateCounter<long>("rendezvous.upcoming.answers", description: "Pages of upcoming occurrences served, by what answered them (memory or database).");
        _windowBuilds = meter.CreateHistogram<double>("rendezvous.upcoming.window.build.duration", unit: "s", description: "Time to read the in-memory window of upcoming occurrences from the catalog, by outcome.");
    }

    /// <summary>Reports the size of the in-memory window (absent while none is in use).</summary>
    public void ObserveWindow(Func<int?> occurrences) =>
        _meter.CreateObservableGauge("rendezvous.upcoming.window.occurrences",
            () => occurrences() is { } n ? [new Measurement<int>(n)] : Array.Empty<Measurement<int>>(),
            description: "Occurrences held by the in-memory window of upcoming conferences.");

    public void UpcomingAnswered(bool fromMemory) =>
        _upcomingAnswers.Add(1, new KeyValuePair<string, object?>("answered_by", fromMemory ? "memory" : "database"));

    public void WindowBuilt(TimeSpan elapsed, string outcome) =>
        _windowBuilds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void AuthenticationFailed(string reason) => _authenticationFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void MigrationApplied(string schema) => _migrationsApplied.Add(1, new KeyValuePair<string, object?>("schema", schema));

    public void MigrationFailed() => _migrationFailures.Add(1);
}

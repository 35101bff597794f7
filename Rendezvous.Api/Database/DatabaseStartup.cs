using Rendezvous.Api.Telemetry;
using Rendezvous.Directory;
using Rendezvous.Madcap;

namespace Rendezvous.Api.Database;

/// <summary>Whether the schemas are up to date, and if not, why: read by the readiness check.</summary>
internal sealed class DatabaseState
{
    private volatile string? _failure = "schema migrations have not run yet";

    public bool IsMigrated { get; private set; }

    /// <summary>Why the database is not usable yet; null once it is.</summary>
    public string? Failure => _failure;

    public void MarkMigrated()
    {
        IsMigrated = true;
        _failure = null;
    }

    public void MarkFailed(string failure) => _failure = failure;
}

/// <summary>
/// Applies the migrations at start-up, in the background, so the service starts even
/// when PostgreSQL is down; it retries with backoff until it succeeds, and readiness
/// says what is wrong meanwhile.
/// </summary>
internal sealed class DatabaseStartup(
    SchemaMigrator migrator,
    DatabaseState state,
    ApiMetrics metrics,
    ILogger<DatabaseStartup> logger) : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Every library's schema, in dependency order.</summary>
    public static IReadOnlyList<MigrationSet> Schemas { get; } =
    [
        MigrationSet.FromEmbeddedResources(DirectoryDatabase.SchemaName, typeof(DirectoryDatabase).Assembly),
        MigrationSet.FromEmbeddedResources(MadcapDatabase.SchemaName, typeof(MadcapDatabase).Assembly),
        MigrationSet.FromEmbeddedResources(Auth.TokenStore.SchemaName, typeof(Auth.TokenStore).Assembly),
        MigrationSet.FromEmbeddedResources(Calls.MediaPlacements.SchemaName, typeof(Calls.MediaPlacements).Assembly),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(Schemas, stoppingToken).ConfigureAwait(false);
                state.MarkMigrated();
                Log.DatabaseReady(logger, string.Join(", ", Schemas.Select(s => s.Schema)));
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever the failure (PostgreSQL down, a bad password file, an edited
                // migration), keep the service up, say why in readiness and the log, and
                // retry: an exception escaping a BackgroundService would stop the host.
                metrics.MigrationFailed();
                // Say each distinct failure once; repeating the same one every 30 s is noise.
                if (e.Message != state.Failure)
                {
                    if (e is MigrationException)
                    {
                        Log.MigrationRefused(logger, e.Message);
                    }
                    else
                    {
                        Log.MigrationRetry(logger, e, attempt, delay.TotalSeconds);
                    }
                }

                state.MarkFailed(e.Message);
            }

            try
            {
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        }
    }
}

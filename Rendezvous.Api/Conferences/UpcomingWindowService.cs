using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Api.Telemetry;
using Rendezvous.Directory.Catalog;

namespace Rendezvous.Api.Conferences;

/// <summary>
/// Keeps the <see cref="UpcomingWindow"/> honest and filled: one loop LISTENs for the
/// catalog's change notifications on a connection of its own (any instance's commits), the
/// other rebuilds the window when a query found it missing or out of date.
/// </summary>
internal sealed class UpcomingWindowService(
    UpcomingWindow window,
    ConferenceCatalog catalog,
    NpgsqlDataSource dataSource,
    DatabaseState database,
    IOptions<CatalogOptions> options,
    ApiMetrics metrics,
    ILogger<UpcomingWindowService> logger) : BackgroundService
{
    /// <summary>The channel the catalog's triggers notify (migration directory/0003).</summary>
    public const string Channel = "rendezvous_catalog";

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MinimumBetweenBuilds = TimeSpan.FromMilliseconds(200);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!window.Enabled)
        {
            return Task.CompletedTask;
        }

        metrics.ObserveWindow(() => window.Count);
        return Task.WhenAll(ListenAsync(stoppingToken), BuildAsync(stoppingToken));
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WaitForDatabaseAsync(stoppingToken).ConfigureAwait(false);
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, _) => window.Invalidate();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                window.Listening();
                Log.WindowListening(logger);
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet connection is checked now and then, so a dead one is noticed.
                    if (!await connection.WaitAsync(Idle, stoppingToken).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                window.NotListening();
                Log.WindowNotListening(logger, Retry.TotalSeconds, e);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                window.NotListening();
            }
        }
    }

    private async Task BuildAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await window.WaitForBuildRequestAsync(stoppingToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var version = window.Version;
                var (from, until) = window.NextWindow();
                var content = await catalog.ReadWindowAsync(from, until, options.Value.MemoryWindowMaxOccurrences, stoppingToken).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (content is null)
                {
                    metrics.WindowBuilt(elapsed, "too_large");
                    Log.WindowTooLarge(logger, options.Value.MemoryWindowMaxOccurrences, options.Value.MemoryWindowRefreshSeconds);
                    await Task.Delay(TimeSpan.FromSeconds(options.Value.MemoryWindowRefreshSeconds), stoppingToken).ConfigureAwait(false);
                    continue;
                }

                var installed = window.Install(content, version);
                metrics.WindowBuilt(elapsed, installed ? "installed" : "changed_meanwhile");
                Log.WindowBuilt(logger, content.Items.Count, elapsed.TotalMilliseconds, installed);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                metrics.WindowBuilt(Stopwatch.GetElapsedTime(started), "failed");
                Log.WindowBuildFailed(logger, e);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
            }

            // Under a stream of writes each build would be outdated at once: don't spin.
            await Task.Delay(MinimumBetweenBuilds, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task WaitForDatabaseAsync(CancellationToken stoppingToken)
    {
        while (!database.IsMigrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken).ConfigureAwait(false);
        }
    }
}

using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Database;
using Rendezvous.Directory.Catalog;

namespace Rendezvous.Api.Conferences;

internal static class ConferenceSetup
{
    public static IServiceCollection AddConferences(this IServiceCollection services)
    {
        services.AddSingleton<UpcomingWindow>();
        services.AddSingleton(provider => new ConferenceCatalog(
            provider.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<CatalogOptions>>(),
            provider.GetRequiredService<UpcomingWindow>(),
            provider.GetRequiredService<Rendezvous.Directory.Publishing.PublicationOutbox>()));
        services.AddHostedService<UpcomingWindowService>();
        services.AddSingleton<ConferenceDrafts>();
        services.AddHostedService<OccurrenceMaintenance>();

        // Writes are limited per caller (per address for the anonymous, who are refused anyway).
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(ConferencesApi.WritesRateLimit, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.WritesPerMinute;
                var key = CallerIdentity.From(http.User)?.Subject ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many writes.", Detail = "Slow down: this caller has used its writes for this minute." },
                }).ConfigureAwait(false);
            };
        });
        return services;
    }
}

/// <summary>
/// Keeps the stored occurrences current: extends repeating conferences as the horizon moves
/// and drops occurrences older than the retention. Runs once the schemas are migrated, then
/// every <see cref="CatalogOptions.MaintenanceIntervalSeconds"/>.
/// </summary>
internal sealed class OccurrenceMaintenance(ConferenceCatalog catalog, DatabaseState database, IOptions<CatalogOptions> options, TimeProvider time, ILogger<OccurrenceMaintenance> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.MaintenanceIntervalSeconds), time);
        do
        {
            if (!database.IsMigrated)
            {
                continue;
            }

            try
            {
                int extended;
                do
                {
                    extended = await catalog.MaintainAsync(BatchSize, stoppingToken).ConfigureAwait(false);
                    if (extended > 0)
                    {
                        Log.OccurrencesExtended(logger, extended);
                    }
                }
                while (extended == BatchSize);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.MaintenanceFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Api.Health;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sap;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Api.Sap;

internal static class SapSetup
{
    public static IServiceCollection AddSap(this IServiceCollection services)
    {
        services.AddSingleton(provider => new SapStats(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        // The cache exists even when the listener is off (it stays empty), so the API has one shape.
        services.AddSingleton(provider => new SapSessionCache(
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<SapOptions>>(),
            provider.GetRequiredService<SapStats>()));
        services.AddSingleton(provider => new SapAnnouncementStore(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ISapScopeZones, MadcapScopeZones>();
        services.AddSingleton<SapUpcomingSessions>();
        services.AddSingleton<SapService>();
        services.AddHostedService(provider => provider.GetRequiredService<SapService>());
        services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>, SapHealthCheckRegistration>();
        return services;
    }
}

/// <summary>
/// The administrative scope zones SAP uses are the MADCAP scopes inside 239.0.0.0/8 (their ranges and TTLs),
/// so the two never disagree: those stored in PostgreSQL (added through the API too), and the configured ones
/// (stored at start-up, perhaps a moment after SAP first asks).
/// </summary>
internal sealed class MadcapScopeZones(LeaseStore store, IOptions<Rendezvous.Madcap.MadcapOptions> options) : ISapScopeZones
{
    public async Task<IReadOnlyList<SapScopeZone>> ZonesAsync(CancellationToken cancellationToken)
    {
        var stored = await store.ScopesAsync(cancellationToken).ConfigureAwait(false);
        var configured = options.Value.BuildScopes().Where(c => !stored.Any(s => s.First.Equals(c.First)));
        return [.. stored.Concat(configured).Select(s => new SapScopeZone(s.First, s.Last, s.Ttl)).Where(z => z.IsAdministrative)];
    }
}

/// <summary>The listener's state, for the API and readiness.</summary>
/// <param name="Listening">Whether at least one group is joined.</param>
public sealed record SapListenerState(bool Listening, IReadOnlyList<string> Groups, IReadOnlyList<string> Problems)
{
    public static SapListenerState Off { get; } = new(false, [], []);
}

/// <summary>
/// Runs what <see cref="SapOptions"/> turns on: the listener (its sockets feed the <see cref="SapSessionCache"/>)
/// and the announcer (<see cref="SapAnnouncer"/>, which competes for the announcer lock). Both start once the
/// schemas are migrated. Sockets that cannot be opened are retried every few seconds.
/// </summary>
internal sealed class SapService(
    IServiceProvider services,
    DatabaseState database,
    IOptions<SapOptions> options,
    SapSessionCache cache,
    SapStats stats,
    ILoggerFactory loggers) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan GroupsRecheck = TimeSpan.FromSeconds(60);
    private volatile SapAnnouncer? _announcer;
    private volatile SapListenerState _listener = SapListenerState.Off;
    private volatile IReadOnlyList<IPAddress> _origins = [];

    public SapAnnouncerState? Announcer => _announcer?.State;

    public SapListenerState Listener => _listener;

    /// <summary>The originating sources of this instance's packets (empty until the announcer's sockets are open).</summary>
    public IReadOnlyList<IPAddress> Origins => _origins;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Listen && !settings.Announce)
        {
            return;
        }

        var logger = loggers.CreateLogger<SapService>();
        if (settings.MinimumIntervalSeconds < SapTiming.MinimumInterval.TotalSeconds)
        {
            Log.SapIntervalBelowRfc(logger, settings.MinimumIntervalSeconds);
        }

        while (!database.IsMigrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken).ConfigureAwait(false);
        }

        var work = new List<Task>();
        if (settings.Listen)
        {
            work.Add(ListenAsync(settings, logger, stoppingToken));
        }

        if (settings.Announce)
        {
            work.Add(AnnounceAsync(settings, logger, stoppingToken));
        }

        try
        {
            await Task.WhenAll(work).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Listens on the groups in effect; when they change (a scope added through the MADCAP API), the sockets are opened again.</summary>
    private async Task ListenAsync(SapOptions settings, ILogger logger, CancellationToken stoppingToken)
    {
        var interfaces = settings.EffectiveInterfaces;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<IPAddress> groups;
            try
            {
                groups = await GroupsAsync(settings, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                _listener = new SapListenerState(false, [], [$"cannot read the scope zones: {e.Message}"]);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
                continue;
            }

            using var listener = SapListener.Open(groups, interfaces, cache, loggers.CreateLogger<SapListener>());
            _listener = new SapListenerState(listener.Joined.Count > 0, [.. listener.Joined.Select(g => g.ToString())], listener.Problems);
            if (listener.Joined.Count == 0)
            {
                Log.SapNotListening(logger, string.Join("; ", listener.Problems), Retry.TotalSeconds);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
                continue;
            }

            Log.SapListening(logger, string.Join(", ", listener.Joined), string.Join(", ", interfaces));
            if (settings.ListenGroups.Count > 0)
            {
                await listener.RunAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            using var changed = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var receiving = listener.RunAsync(changed.Token);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(GroupsRecheck, stoppingToken).ConfigureAwait(false);
                try
                {
                    if (!(await GroupsAsync(settings, stoppingToken).ConfigureAwait(false)).ToHashSet().SetEquals(groups))
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    // Keep the groups joined until the zones can be read again.
                }
            }

            await changed.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        }
    }

    private async Task AnnounceAsync(SapOptions settings, ILogger logger, CancellationToken stoppingToken)
    {
        SapMulticastSender sender;
        while (true)
        {
            try
            {
                sender = new SapMulticastSender(settings.EffectiveInterfaces, stats, loggers.CreateLogger<SapMulticastSender>());
                break;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Log.SapCannotSend(logger, string.Join(", ", settings.EffectiveInterfaces), e.SocketErrorCode.ToString(), Retry.TotalSeconds);
                await Task.Delay(Retry, stoppingToken).ConfigureAwait(false);
            }
        }

        using (sender)
        {
            var origins = sender.Origins;
            _origins = origins;
            var announcer = new SapAnnouncer(
                services.GetRequiredService<NpgsqlDataSource>(),
                services.GetRequiredService<ConferenceCatalog>(),
                services.GetRequiredService<ISapScopeZones>(),
                sender,
                settings,
                services.GetRequiredService<TimeProvider>(),
                loggers.CreateLogger<SapAnnouncer>())
            {
                // Others' announcements in a group lengthen our interval (section 3.1); ours do not count twice.
                OthersHeard = group => cache.CountIn(group, s => origins.Contains(s.Origin)),
            };
            _announcer = announcer;
            await announcer.RunAsync(() => database.IsMigrated, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>The configured groups, or 224.2.127.254 and the SAP group of each administrative scope zone.</summary>
    private async Task<IReadOnlyList<IPAddress>> GroupsAsync(SapOptions settings, CancellationToken cancellationToken)
    {
        if (settings.ListenGroups.Count > 0)
        {
            return [.. settings.ListenGroups.Select(IPAddress.Parse)];
        }

        var zones = await services.GetRequiredService<ISapScopeZones>().ZonesAsync(cancellationToken).ConfigureAwait(false);
        return [SapGroups.GlobalIPv4, .. zones.Select(z => z.Group).Distinct()];
    }
}

/// <summary>Adds the <c>sap</c> readiness check when SAP is on: degraded (not unready: REST still works) while a group is not joined or the announcer fails.</summary>
internal sealed class SapHealthCheckRegistration(IOptions<SapOptions> options) : IConfigureOptions<HealthCheckServiceOptions>
{
    public const string Name = "sap";

    public void Configure(HealthCheckServiceOptions health)
    {
        if (DirectoryHealthChecks.ValidOrNull(options) is { } settings && (settings.Listen || settings.Announce))
        {
            health.Registrations.Add(new HealthCheckRegistration(Name, sp => new SapHealthCheck(sp.GetRequiredService<SapService>(), settings), HealthStatus.Degraded, [HealthEndpoints.ReadyTag]));
        }
    }

    private sealed class SapHealthCheck(SapService service, SapOptions settings) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var problems = new List<string>();
            if (settings.Listen)
            {
                var listener = service.Listener;
                if (!listener.Listening)
                {
                    problems.Add("the SAP listener has joined no group");
                }

                problems.AddRange(listener.Problems);
            }

            if (settings.Announce && service.Announcer is { LastError: { } error, Leader: false })
            {
                problems.Add($"the SAP announcer failed: {error}");
            }

            return Task.FromResult(problems.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded(string.Join("; ", problems)));
        }
    }
}

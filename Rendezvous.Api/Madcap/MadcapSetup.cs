using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Directory.Catalog;
using Rendezvous.Madcap;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Api.Madcap;

internal static class MadcapSetup
{
    public static IServiceCollection AddMadcap(this IServiceCollection services)
    {
        services.AddKeyedSingleton(nameof(LeaseStore), (provider, _) =>
            // The lease store's own pool: each of its commands is one statement that leaves no
            // session state behind (its only setting is transaction-local), so connections go
            // back to the pool without the reset statements Npgsql otherwise sends before their
            // next use: six statements per MADCAP message saved.
            DatabaseSetup.Build(provider, "rendezvous-madcap", c =>
            {
                c.NoResetOnClose = true;
                c.MaxPoolSize = provider.GetRequiredService<IOptions<MadcapOptions>>().Value.DatabaseConnections;
                c.MinPoolSize = Math.Min(c.MinPoolSize, c.MaxPoolSize);
            }));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MadcapOptions>>();
            return new LeaseStore(provider.GetRequiredKeyedService<NpgsqlDataSource>(nameof(LeaseStore)), provider.GetRequiredService<TimeProvider>(), new LeaseStoreLimits
            {
                ExtraAllocationTime = TimeSpan.FromSeconds(options.Value.ExtraAllocationSeconds),
                MaxAddressesPerLease = options.Value.MaxAddressesPerLease,
                MaxAddressesPerClient = options.Value.MaxAddressesPerClient,
                GroupCommitWriters = options.Value.GroupCommitWriters,
            });
        });
        services.AddHostedService<LeaseMaintenance>();
        services.AddSingleton(provider => new Rendezvous.Madcap.Server.MadcapStats(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MadcapOptions>>().Value;
            var identifier = options.ServerIdentifier ?? options.EffectiveListenAddresses[0];
            return new Rendezvous.Madcap.Server.MadcapServerEngine(
                provider.GetRequiredService<LeaseStore>(),
                provider.GetRequiredService<TimeProvider>(),
                new Rendezvous.Madcap.Server.MadcapServerSettings { ServerIdentifier = IPAddress.Parse(identifier) },
                provider.GetRequiredService<Rendezvous.Madcap.Server.MadcapStats>());
        });
        services.AddSingleton<MadcapServerService>();
        services.AddHostedService(provider => provider.GetRequiredService<MadcapServerService>());
        services.AddSingleton<MadcapAddressSource>();
        services.AddSingleton<AddressLeaseRenewal>();
        services.AddHostedService(provider => provider.GetRequiredService<AddressLeaseRenewal>());
        // Registered always; with ConferenceAddresses=false it is not Available, and "auto" is refused as without a source.
        services.AddSingleton<IMulticastAddressSource>(provider => provider.GetRequiredService<MadcapAddressSource>());
        return services;
    }
}

/// <summary>Stores the configured scopes once the schema is migrated, then reclaims expired leases and lapsed offers.</summary>
/// <remarks>The store is resolved when the service runs, after the configuration was validated (it reads the options).</remarks>
internal sealed class LeaseMaintenance(IServiceProvider services, DatabaseState database, IOptions<MadcapOptions> options, ILogger<LeaseMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = services.GetRequiredService<LeaseStore>();
        while (!database.IsMigrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken).ConfigureAwait(false);
        }

        var scopes = options.Value.BuildScopes();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReclaimIntervalSeconds));
        var seeded = false;
        do
        {
            try
            {
                if (!seeded)
                {
                    var added = await store.EnsureScopesAsync(scopes, stoppingToken).ConfigureAwait(false);
                    Log.ScopesStored(logger, added, scopes.Count);
                    seeded = true;
                }

                var reclaimed = await store.ReclaimAsync(stoppingToken).ConfigureAwait(false);
                if (reclaimed > 0)
                {
                    Log.LeasesReclaimed(logger, reclaimed);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException)
            {
                Log.LeaseMaintenanceFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

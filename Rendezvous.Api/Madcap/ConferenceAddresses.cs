using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Conferences;
using Rendezvous.Api.Database;
using Rendezvous.Directory.Catalog;
using Rendezvous.Madcap;
using Rendezvous.Madcap.Client;

namespace Rendezvous.Api.Madcap;

/// <summary>
/// "auto" connections of conferences, leased through the MADCAP client from the configured
/// server (this instance's own by default), for the conference's time bounds. The handle kept
/// with the conference is the saved lease info, so another instance can renew or release it.
/// </summary>
internal sealed class MadcapAddressSource(IOptions<MadcapOptions> options, MadcapServerService server, TimeProvider time) : IMulticastAddressSource
{
    public bool Available => options.Value.ConferenceAddresses;

    /// <summary>An open-ended conference asks for this long; the scope's maximum lease caps it.</summary>
    private static readonly TimeSpan OpenEnded = TimeSpan.FromDays(3650);

    private MadcapClient Client()
    {
        var configured = options.Value.ConferenceServer;
        var endPoint = configured is not null ? IPEndPoint.Parse(configured)
            : server.EndPoints.Count > 0 ? server.EndPoints[0]
            : throw new InvalidOperationException("this instance's MADCAP server is not listening yet");
        return new MadcapClient(new MadcapClientOptions { Server = endPoint, GiveUpAfter = TimeSpan.FromSeconds(10), FirstRetransmission = TimeSpan.FromSeconds(1) }, time);
    }

    public async Task<MulticastAddressLease> AllocateAsync(MulticastAddressRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scopeText = request.Scope switch
        {
            Rendezvous.Directory.Sdp.SdpAdvertisingScope.Local => options.Value.ConferenceScopes.Local,
            Rendezvous.Directory.Sdp.SdpAdvertisingScope.Site => options.Value.ConferenceScopes.Site,
            Rendezvous.Directory.Sdp.SdpAdvertisingScope.Region => options.Value.ConferenceScopes.Region,
            _ => options.Value.ConferenceScopes.World,
        } ?? throw new InvalidOperationException($"no MADCAP scope is configured for {request.Scope.ToString().ToLowerInvariant()} conferences (Rendezvous:Madcap:ConferenceScopes)");
        var scope = IPAddress.Parse(scopeText);
        var now = time.GetUtcNow();
        var start = request.Start is { } s && s > now ? s : (DateTimeOffset?)null;
        var from = start ?? now;
        var length = request.Stop is { } stop ? (stop > from ? stop - from : TimeSpan.FromMinutes(1)) : OpenEnded;
        var client = Client();
        try
        {
            var info = await client.GetInfoAsync(null, null, cancellationToken).ConfigureAwait(false);
            var ttl = info.Scopes.FirstOrDefault(x => x.ScopeId.Equals(scope))?.Ttl
                ?? throw new InvalidOperationException($"the MADCAP server does not serve the scope {scope}");
            var lease = await client.RequestAsync(new MadcapLeaseRequest(scope) { Start = start, LeaseTime = length, Count = request.Count, MinCount = request.Count }, null, cancellationToken).ConfigureAwait(false);
            return new MulticastAddressLease(lease.Addresses, ttl, lease.ToJson(), lease.End);
        }
        catch (Exception e) when (e is MadcapNakException or TimeoutException)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    public async Task<MulticastAddressLease> RenewAsync(string handle, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var lease = MadcapLease.FromJson(handle);
        var from = lease.Start > time.GetUtcNow() ? lease.Start : time.GetUtcNow();
        try
        {
            var renewed = await Client().RenewAsync(lease, until is { } u ? (u > from ? u - from : TimeSpan.FromMinutes(1)) : OpenEnded, cancellationToken).ConfigureAwait(false);
            return new MulticastAddressLease(renewed.Addresses, 0, renewed.ToJson(), renewed.End);
        }
        catch (Exception e) when (e is MadcapNakException or TimeoutException)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    public async Task ReleaseAsync(string handle, CancellationToken cancellationToken)
    {
        try
        {
            await Client().ReleaseAsync(MadcapLease.FromJson(handle), cancellationToken).ConfigureAwait(false);
        }
        catch (MadcapNakException e) when (e.Error?.Code == Rendezvous.Madcap.Protocol.MadcapErrorCode.LeaseIdentifierNotRecognized)
        {
            // Released or expired already.
        }
        catch (Exception e) when (e is MadcapNakException or TimeoutException)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }
}

/// <summary>
/// Keeps the address leases of current conferences alive: every few hours each is renewed up to
/// its conference's last stop, or, for an open-ended conference, for the scope's maximum lease
/// from now, so that a conference never outlives its groups.
/// </summary>
internal sealed class AddressLeaseRenewal(IServiceProvider services, DatabaseState database, TimeProvider time, ILogger<AddressLeaseRenewal> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(6);

    /// <summary>Renews every current conference's leases once; returns how many conferences were renewed.</summary>
    public async Task<int> RenewAllAsync(CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<ConferenceCatalog>();
        var drafts = services.GetRequiredService<Conferences.ConferenceDrafts>();
        var renewed = 0;
        foreach (var (id, stop, leases) in await catalog.WithAddressLeasesAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            await catalog.SetAddressLeasesAsync(id, await drafts.RenewAsync(leases, stop, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            renewed++;
        }

        return renewed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!database.IsMigrated)
            {
                continue;
            }

            try
            {
                await RenewAllAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException)
            {
                Log.LeaseMaintenanceFailed(logger, e);
            }
        }
    }
}

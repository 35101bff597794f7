using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Conferences;
using Rendezvous.Api.Database;
using Rendezvous.Madcap;
using Rendezvous.Directory.Catalog;
using Rendezvous.Madcap.Client;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Api.Madcap;

internal static class MadcapSetup
{
    public static IServiceCollection AddMadcap(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MadcapOptions>>();
            return new LeaseStore(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<TimeProvider>(), new LeaseStoreLimits
            {
                ExtraAllocationTime = TimeSpan.FromSeconds(options.Value.ExtraAllocationSeconds),
                MaxAddressesPerLease = options.Value.MaxAddressesPerLease,
                MaxAddressesPerClient = options.Value.MaxAddressesPerClient,
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

        var scopes = options.Value.EffectiveScopes.Select(s => s.TryBuild(out var scope, out _) ? scope! : throw new InvalidOperationException("validated at start-up")).ToList();
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

/// <summary>/api/madcap/scopes: the scopes the MADCAP server allocates from, editable by administrators.</summary>
internal static class MadcapApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    public static IEndpointRouteBuilder MapMadcapApi(this IEndpointRouteBuilder endpoints)
    {
        var scopes = endpoints.MapGroup("/api/madcap/scopes").WithTags("MADCAP");
        scopes.MapGet("/", ListAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListMadcapScopes")
            .WithSummary("The multicast scopes the MADCAP server allocates from, smallest Scope ID first.");
        scopes.MapPost("/", CreateAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("CreateMadcapScope")
            .WithSummary("Adds a scope (administrators).");
        scopes.MapPut("/{first}", ReplaceAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("ReplaceMadcapScope")
            .WithSummary("Changes a scope's TTL, names, lease limits and exclusions; needs If-Match with its version (administrators).");
        endpoints.MapGet("/api/madcap/stats", (Rendezvous.Madcap.Server.MadcapStats stats) => TypedResults.Ok(stats.Snapshot()))
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithTags("MADCAP")
            .WithName("MadcapStats")
            .WithSummary("The MADCAP server's counters (after RFC 3559's MIB): messages by type, NAKs, invalid, denied by quota, clock skews, unknown lease identifiers.");
        scopes.MapDelete("/{first}", DeleteAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("DeleteMadcapScope")
            .WithSummary("Removes a scope that holds no lease (administrators).");
        return endpoints;
    }

    private static async Task<IResult> ListAsync(LeaseStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ScopesAsync(cancellationToken).ConfigureAwait(false)).Select(ScopeResponse.From).ToList());

    private static async Task<IResult> CreateAsync(HttpContext http, LeaseStore store, CancellationToken cancellationToken)
    {
        if (await ReadAsync(http, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            return Problems.InvalidJson("Send a scope as JSON: first, last, ttl, names, defaultLeaseSeconds, maxLeaseSeconds, exclusions.");
        }

        if (!body.TryBuild(out var scope, out var problems))
        {
            return Invalid(problems);
        }

        if (!await store.CreateScopeAsync(scope! with { Id = Guid.CreateVersion7() }, cancellationToken).ConfigureAwait(false))
        {
            return TypedResults.Problem(title: "The scope overlaps another.", detail: $"{scope!.First}-{scope.Last} overlaps a scope that exists; change or delete that one.",
                statusCode: StatusCodes.Status409Conflict, type: TypeBase + "scope-overlap");
        }

        var stored = (await store.ScopeAsync(scope!.First, cancellationToken).ConfigureAwait(false))!;
        http.Response.Headers.ETag = $"\"{stored.Version}\"";
        return TypedResults.Created($"/api/madcap/scopes/{stored.First}", ScopeResponse.From(stored));
    }

    private static async Task<IResult> ReplaceAsync(string first, HttpContext http, LeaseStore store, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(first, out var address))
        {
            return Problems.BadParameter("first", "must be the scope's first address");
        }

        if (!long.TryParse(http.Request.Headers.IfMatch.ToString().Trim('"'), out var expected))
        {
            return Problems.PreconditionRequired();
        }

        if (await store.ScopeAsync(address, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return NotFound(address);
        }

        if (await ReadAsync(http, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            return Problems.InvalidJson("Send the scope as JSON.");
        }

        body.First = existing.First.ToString();
        body.Last = existing.Last.ToString();
        if (!body.TryBuild(out var scope, out var problems))
        {
            return Invalid(problems);
        }

        if (await store.UpdateScopeAsync(scope! with { Id = existing.Id }, expected, cancellationToken).ConfigureAwait(false) is not { } updated)
        {
            return Problems.PreconditionFailed(existing.Version);
        }

        http.Response.Headers.ETag = $"\"{updated.Version}\"";
        return TypedResults.Ok(ScopeResponse.From(updated));
    }

    private static async Task<IResult> DeleteAsync(string first, LeaseStore store, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(first, out var address))
        {
            return Problems.BadParameter("first", "must be the scope's first address");
        }

        return await store.DeleteScopeAsync(address, cancellationToken).ConfigureAwait(false) switch
        {
            null => NotFound(address),
            true => TypedResults.NoContent(),
            false => TypedResults.Problem(title: "The scope holds leases.", detail: "Release its leases or let them expire first.",
                statusCode: StatusCodes.Status409Conflict, type: TypeBase + "scope-in-use"),
        };
    }

    private static async Task<MadcapScopeOptions?> ReadAsync(HttpContext http, CancellationToken cancellationToken)
    {
        try
        {
            return await http.Request.ReadFromJsonAsync<MadcapScopeOptions>(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Invalid(IEnumerable<(string Field, string Message)> problems) =>
        TypedResults.ValidationProblem(
            problems.GroupBy(p => char.ToLowerInvariant(p.Field[0]) + p.Field[1..]).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
            title: "The scope is not valid.", type: TypeBase + "invalid-scope");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(IPAddress first) => TypedResults.Problem(title: "No such scope.", detail: $"No scope starts at {first}.",
        statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");
}

internal sealed record ScopeNameResponse(string Language, string Name, bool IsDefault);

internal sealed record RangeResponse(string First, string Last);

internal sealed record ScopeResponse(
    string First, string Last, int Ttl, IReadOnlyList<ScopeNameResponse> Names, int DefaultLeaseSeconds, int MaxLeaseSeconds,
    IReadOnlyList<RangeResponse> Exclusions, string ServerGroup, RangeResponse RelativeAssignmentBlock, long Version)
{
    public static ScopeResponse From(MadcapScope s) => new(
        s.First.ToString(), s.Last.ToString(), s.Ttl, [.. s.Names.Select(n => new ScopeNameResponse(n.Language, n.Name, n.IsDefault))],
        (int)s.DefaultLease.TotalSeconds, (int)s.MaxLease.TotalSeconds, [.. s.Exclusions.Select(x => new RangeResponse(x.First.ToString(), x.Last.ToString()))],
        s.ServerGroup.ToString(), new RangeResponse(MadcapScope.Offset(s.LastAllocatable, 1).ToString(), s.Last.ToString()), s.Version);
}

/// <summary>
/// The MADCAP server: a UDP socket on each listen address, and one per scope's MADCAP server
/// group joined on the interface of each IPv4 listen address. Starts once the schema is
/// migrated; a socket that cannot be opened is logged and tried again every few seconds.
/// </summary>
internal sealed class MadcapServerService(
    IServiceProvider services,
    DatabaseState database,
    IOptions<MadcapOptions> options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly List<Rendezvous.Madcap.Server.MadcapListener> _listeners = [];

    /// <summary>The local end points of the unicast sockets, once open (tests read the port when it was 0).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.ServerEnabled)
        {
            return;
        }

        while (!database.IsMigrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken).ConfigureAwait(false);
        }

        var logger = loggers.CreateLogger<MadcapServerService>();
        var engine = services.GetRequiredService<Rendezvous.Madcap.Server.MadcapServerEngine>();
        var store = services.GetRequiredService<LeaseStore>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var addresses = settings.EffectiveListenAddresses.Select(IPAddress.Parse).ToList();
                var listenerLogger = loggers.CreateLogger<Rendezvous.Madcap.Server.MadcapListener>();
                foreach (var address in addresses)
                {
                    _listeners.Add(Rendezvous.Madcap.Server.MadcapListener.Unicast(new IPEndPoint(address, settings.Port), engine, listenerLogger));
                }

                EndPoints = [.. _listeners.Select(l => l.LocalEndPoint)];
                if (settings.JoinServerGroups)
                {
                    // The configured scopes are stored first (idempotent; the maintenance job does the same), so their groups are joined.
                    await store.EnsureScopesAsync(settings.EffectiveScopes.Select(s => s.TryBuild(out var scope, out _) ? scope! : throw new InvalidOperationException("validated at start-up")), stoppingToken).ConfigureAwait(false);
                    var scopes = await store.ScopesAsync(stoppingToken).ConfigureAwait(false);
                    foreach (var group in scopes.Select(s => s.ServerGroup).Distinct())
                    {
                        foreach (var address in addresses.Where(a => a.AddressFamily == group.AddressFamily))
                        {
                            try
                            {
                                _listeners.Add(Rendezvous.Madcap.Server.MadcapListener.Group(group, EndPoints[0].Port, address, engine, listenerLogger));
                            }
                            catch (System.Net.Sockets.SocketException e)
                            {
                                // Loopback without a multicast route, say: unicast still works.
                                Log.MadcapGroupNotJoined(logger, group.ToString(), address.ToString(), e.SocketErrorCode.ToString());
                            }
                        }
                    }
                }

                Log.MadcapListening(logger, string.Join(", ", _listeners.Select(l => l.LocalEndPoint)));
                await Task.WhenAll(_listeners.Select(l => l.RunAsync(stoppingToken))).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.MadcapCannotListen(logger, settings.Port, e.SocketErrorCode.ToString());
                Close();
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override void Dispose()
    {
        Close();
        base.Dispose();
    }

    private void Close()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
    }
}

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

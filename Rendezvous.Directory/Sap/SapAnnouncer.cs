using System.Net;
using Microsoft.Extensions.Logging;
using Npgsql;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Sap;

/// <summary>What the announcer is doing, for the API and readiness.</summary>
/// <param name="Leader">Whether this instance holds the announcer lock and announces.</param>
/// <param name="Announced">The (conference, group) announcements current.</param>
/// <param name="Skipped">Current conferences not announced, by reason: <c>scope</c> (its advertising scope is not announced), <c>not_strict</c> (the strict parser rejects its SDP), <c>no_group</c> (no multicast address with a SAP group).</param>
public sealed record SapAnnouncerState(bool Leader, DateTimeOffset? LeaderSince, int Announced, IReadOnlyDictionary<string, int> Skipped, DateTimeOffset? LastFailureAt, string? LastError)
{
    public static SapAnnouncerState Initial { get; } = new(false, null, 0, new Dictionary<string, int>(), null, null);
}

/// <summary>
/// Announces the catalog's current conferences over SAP (RFC 2974) from one instance at a time.
/// </summary>
/// <remarks>
/// <para>Several instances may share one PostgreSQL: each tries to take a session-level advisory lock
/// (<see cref="LockKey"/>) on a connection of its own, and only the holder announces. The others try again
/// every <see cref="SapOptions.LeaderRetrySeconds"/>; when the holder stops or its connection breaks,
/// PostgreSQL releases the lock and one of them takes over, reading what was announced before from
/// <see cref="SapAnnouncementStore"/>. The holder checks its connection at least every few seconds and
/// stops announcing as soon as it fails, so two instances overlap at most for that long.</para>
/// <para>The holder LISTENs for the catalog's change notifications on the same connection, reads the
/// current conferences on each (and every 30 s regardless), and leaves the timing to
/// <see cref="SapAnnouncementSchedule"/>. A conference is announced when its advertising scope is in
/// <see cref="SapOptions.AdvertisingScopes"/>, the strict parser accepts its SDP, and it has a multicast
/// address with a SAP group (<see cref="SapDestinations"/>).</para>
/// </remarks>
public sealed partial class SapAnnouncer
{
    /// <summary>The advisory lock key: the ASCII of "RvSAPann" as a 64-bit number.</summary>
    public const long LockKey = 0x5276_5341_5061_6E6E;

    private const string CatalogChannel = "rendezvous_catalog";
    private static readonly SdpParseOptions Strict = SdpParseOptions.Strict with { Validate = false };
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimumBetweenRefreshes = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly ConferenceCatalog _catalog;
    private readonly SapAnnouncementStore _store;
    private readonly ISapScopeZones _zones;
    private readonly ISapSender _sender;
    private readonly SapOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private volatile SapAnnouncerState _state = SapAnnouncerState.Initial;

    public SapAnnouncer(NpgsqlDataSource dataSource, ConferenceCatalog catalog, ISapScopeZones zones, ISapSender sender, SapOptions options, TimeProvider time, ILogger logger, Random? random = null)
    {
        _dataSource = dataSource;
        _catalog = catalog;
        _store = new SapAnnouncementStore(dataSource);
        _zones = zones;
        _sender = sender;
        _options = options;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
    }

    public SapAnnouncerState State => _state;

    /// <summary>How many announcements other announcers make in a group (the listener's count), for the interval; none when unset.</summary>
    public Func<IPAddress, int>? OthersHeard { get; init; }

    /// <summary>Takes part until cancelled (then it returns): waits for the database, competes for the lock, and announces while it holds it.</summary>
    public async Task RunAsync(Func<bool> databaseReady, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databaseReady);
        var retry = TimeSpan.FromSeconds(_options.LeaderRetrySeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!databaseReady())
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                var locked = await TryLockAsync(connection, cancellationToken).ConfigureAwait(false);
                _state = _state with { LastError = null };
                if (locked)
                {
                    await LeadAsync(connection, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await connection.CloseAsync().ConfigureAwait(false);
                    await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                var wasLeader = _state.Leader;
                _state = _state with { Leader = false, LeaderSince = null, Announced = 0, LastFailureAt = _time.GetUtcNow(), LastError = e.Message };
                Log.Failed(_logger, wasLeader, retry.TotalSeconds, e.Message);
                try
                {
                    await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The announcements the catalog calls for at <paramref name="now"/>, and how many current
    /// conferences were left out, by reason (see <see cref="SapAnnouncerState.Skipped"/>).
    /// </summary>
    public async Task<(IReadOnlyList<SapAnnouncementRequest> Wanted, IReadOnlyDictionary<string, int> Skipped)> WantedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zones = await _zones.ZonesAsync(cancellationToken).ConfigureAwait(false);
        var wanted = new List<SapAnnouncementRequest>();
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var conference in await _catalog.CurrentAsync(now, cancellationToken).ConfigureAwait(false))
        {
            var reason = Plan(conference, zones, out var request);
            if (request is not null)
            {
                wanted.Add(request);
            }
            else
            {
                skipped[reason!] = skipped.GetValueOrDefault(reason!) + 1;
            }
        }

        return (wanted, skipped);
    }

    /// <summary>Whether and where one conference is announced: the request, or the reason it is not.</summary>
    internal string? Plan(CurrentConference conference, IReadOnlyList<SapScopeZone> zones, out SapAnnouncementRequest? request)
    {
        request = null;
        if (!_options.Announces(conference.AdvertisingScope))
        {
            return "scope";
        }

        if (SdpParser.Parse(conference.Sdp, Strict).Description is not { } description)
        {
            return "not_strict";
        }

        var destinations = SapDestinations.For(description, zones);
        if (destinations.Count == 0)
        {
            return "no_group";
        }

        request = new SapAnnouncementRequest(conference.Id, conference.Sdp, destinations, conference.Stop);
        return null;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>One term as the announcer, on the connection that holds the lock; returns only by an exception or cancellation.</summary>
    private async Task LeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var since = _time.GetUtcNow();
        var notified = false;
        connection.Notification += (_, _) => notified = true;
        try
        {
            await using (var listen = new NpgsqlCommand($"LISTEN {CatalogChannel}", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var schedule = new SapAnnouncementSchedule(new SapScheduleSettings(_options.BandwidthLimit, _options.MinimumInterval), _random);
            var restored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var record in restored)
            {
                schedule.Restore(record.ConferenceId, record.Destination, record.Sdp, since);
            }

            Log.Leading(_logger, restored.Count);
            _state = _state with { Leader = true, LeaderSince = since };
            var refreshAt = since;
            var lastRefresh = DateTimeOffset.MinValue;
            var lastPing = since;
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (notified)
                {
                    notified = false;
                    refreshAt = lastRefresh + MinimumBetweenRefreshes;
                }

                if (now >= refreshAt || now - lastRefresh >= RefreshInterval)
                {
                    var (wanted, skipped) = await WantedAsync(now, cancellationToken).ConfigureAwait(false);
                    schedule.Update(wanted, now);
                    lastRefresh = now;
                    refreshAt = now + RefreshInterval;
                    _state = _state with { Skipped = skipped };
                }

                foreach (var transmission in schedule.TakeDue(now, OthersHeard))
                {
                    // An announcement is recorded before it is sent, a deletion forgotten after: whenever this
                    // instance stops, the next announcer still deletes whatever may have been heard.
                    if (!transmission.IsDeletion)
                    {
                        await _store.RecordAsync(transmission, now, cancellationToken).ConfigureAwait(false);
                    }

                    await _sender.SendAsync(transmission, cancellationToken).ConfigureAwait(false);
                    if (transmission.IsDeletion)
                    {
                        await _store.RecordAsync(transmission, now, cancellationToken).ConfigureAwait(false);
                    }

                    Log.Sent(_logger, transmission.IsDeletion ? "deletion" : "announcement", transmission.Id, transmission.Destination.ToString(), transmission.MessageIdHash);
                }

                _state = _state with { Announced = schedule.Count };
                var wake = Earliest(schedule.NextDue(now), refreshAt, lastPing + PingInterval);
                var wait = wake - _time.GetUtcNow();
                if (wait > TimeSpan.Zero && !notified)
                {
                    // Notifications end the wait early; so does cancellation. Npgsql takes whole milliseconds
                    // and reads 0 as "no time-out": a wait under a millisecond must not become endless.
                    await connection.WaitAsync(Math.Max(1, (int)Math.Ceiling(wait.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
                }

                if (_time.GetUtcNow() - lastPing >= PingInterval)
                {
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    lastPing = _time.GetUtcNow();
                }
            }
        }
        finally
        {
            _state = _state with { Leader = false, LeaderSince = null, Announced = 0 };
            await ReleaseAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives up the lock and the LISTEN before the connection goes back to the pool (a pooled connection is
    /// reset only when next used, and would hold the lock meanwhile). A broken connection needs nothing:
    /// PostgreSQL released both when the session ended.
    /// </summary>
    private static async Task ReleaseAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using (var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } })
            {
                await unlock.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            }

            await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
            await unlisten.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException or IOException)
        {
            // The session is broken or gone: its locks went with it. Make sure it is not reused.
            NpgsqlConnection.ClearPool(connection);
        }
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b, DateTimeOffset c)
    {
        var earliest = b < c ? b : c;
        return a is { } x && x < earliest ? x : earliest;
    }

    private static partial class Log
    {
        [LoggerMessage(8001, LogLevel.Information, "SAP: this instance is now the announcer ({Restored} announcements recorded before)")]
        public static partial void Leading(ILogger logger, int restored);

        [LoggerMessage(8002, LogLevel.Warning, "SAP announcer failed (was announcing: {WasLeader}); trying again in {DelaySeconds} s: {Error}")]
        public static partial void Failed(ILogger logger, bool wasLeader, double delaySeconds, string error);

        [LoggerMessage(8003, LogLevel.Debug, "SAP: sent {Type} of conference {Conference} to {Destination} (hash {Hash:x4})")]
        public static partial void Sent(ILogger logger, string type, Guid conference, string destination, ushort hash);
    }
}

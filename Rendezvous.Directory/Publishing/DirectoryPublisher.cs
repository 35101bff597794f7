using System.DirectoryServices.Protocols;
using Microsoft.Extensions.Logging;
using Npgsql;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Publishing;

/// <summary>What a publisher last saw of its directory, for <c>GET /api/directories</c>.</summary>
public sealed record PublisherState(bool Connected, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError);

/// <summary>
/// Publishes the catalog into one directory: drains the outbox marks for it, refreshes the TTL
/// of the dynamic objects it published while their conference or user registration lasts, and
/// lets them expire after that. A directory that cannot be reached is retried with backoff;
/// the marks wait in PostgreSQL meanwhile, so the directory converges to the catalog when it
/// returns. Several instances may run publishers for one directory: marks are claimed.
/// </summary>
public sealed partial class DirectoryPublisher : IDisposable
{
    private const int MarkBatch = 100;
    private const int RefreshBatch = 500;
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ConflictRetry = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly LdapDirectoryOptions _directory;
    private readonly NpgsqlDataSource _dataSource;
    private readonly PublicationOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DirectoryMetrics? _metrics;
    private LdapDirectoryWriter? _writer;
    private volatile PublisherState _state = new(false, null, null, null);

    public DirectoryPublisher(LdapDirectoryOptions directory, NpgsqlDataSource dataSource, PublicationOutbox outbox, TimeProvider time, ILogger logger, DirectoryMetrics? metrics = null)
    {
        _directory = directory;
        _dataSource = dataSource;
        _outbox = outbox;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    public string Name => _directory.Name;

    public PublisherState State => _state;

    /// <summary>How long an idle publisher waits before looking for marks made by other instances.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs until cancelled: reconciles once, then works, waits and retries.</summary>
    public async Task RunAsync(Func<bool> databaseReady, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databaseReady);
        var backoff = TimeSpan.FromSeconds(1);
        var reconciled = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = _outbox.NextWrite;
            try
            {
                if (!databaseReady())
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (!reconciled)
                {
                    var marked = await ReconcileAsync(cancellationToken).ConfigureAwait(false);
                    Log.Reconciled(_logger, Name, marked);
                    reconciled = true;
                }

                var done = await WorkOnceAsync(cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(1);
                if (done == 0)
                {
                    await Task.WhenAny(wake, Task.Delay(PollInterval, cancellationToken)).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is LdapException or DirectoryException or NpgsqlException or TimeoutException or IOException)
            {
                Disconnect();
                _state = _state with { Connected = false, LastFailureAt = _time.GetUtcNow(), LastError = Describe(e) };
                Log.Unavailable(_logger, Name, backoff.TotalSeconds, Describe(e));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// Marks every current conference and registered user that this directory has no record
    /// of (a directory newly configured, or one removed from the configuration for a while).
    /// </summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            INSERT INTO directory.outbox (directory, object_kind, object_id, change, enqueued_at, next_attempt_at)
            SELECT $1, k, id, nextval('directory.outbox_changes'), $2, $2 FROM (
                SELECT 'conference' AS k, id FROM directory.conferences
                WHERE NOT isempty(bounds) AND (upper_inf(bounds) OR upper(bounds) > $2)
                UNION ALL
                SELECT 'user', id FROM directory.users WHERE registered_until > $2
            ) current
            WHERE NOT EXISTS (SELECT 1 FROM directory.published p WHERE p.directory = $1 AND p.object_kind = current.k AND p.object_id = current.id)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = Name });
        command.Parameters.Add(new() { Value = _time.GetUtcNow().UtcDateTime });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One round: due marks, due refreshes, and forgetting expired objects. Returns how much it did.</summary>
    public async Task<int> WorkOnceAsync(CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var mark in await ClaimAsync(cancellationToken).ConfigureAwait(false))
        {
            await HandleAsync(mark, cancellationToken).ConfigureAwait(false);
            done++;
        }

        done += await RefreshDueAsync(cancellationToken).ConfigureAwait(false);
        await ForgetExpiredAsync(cancellationToken).ConfigureAwait(false);
        return done;
    }

    public void Dispose() => Disconnect();

    private LdapDirectoryWriter Writer()
    {
        if (_writer is null)
        {
            _writer = LdapDirectoryWriter.Open(_directory);
            _state = _state with { Connected = true };
            Log.Connected(_logger, Name);
        }

        return _writer;
    }

    private void Disconnect()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private void Succeeded() => _state = _state with { Connected = true, LastSuccessAt = _time.GetUtcNow() };

    private sealed record Mark(string Kind, Guid Id, long Change, int Attempts);

    private async Task<List<Mark>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var claim = _dataSource.CreateCommand(
            """
            UPDATE directory.outbox o SET claimed_until = $3
            FROM (
                SELECT object_kind, object_id FROM directory.outbox
                WHERE directory = $1 AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2)
                ORDER BY next_attempt_at
                LIMIT $4
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE o.directory = $1 AND o.object_kind = due.object_kind AND o.object_id = due.object_id
            RETURNING o.object_kind, o.object_id, o.change, o.attempts
            """);
        claim.Parameters.Add(new() { Value = Name });
        claim.Parameters.Add(new() { Value = now.UtcDateTime });
        claim.Parameters.Add(new() { Value = (now + Claim).UtcDateTime });
        claim.Parameters.Add(new() { Value = MarkBatch });
        var marks = new List<Mark>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            marks.Add(new Mark(reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetInt32(3)));
        }

        return marks;
    }

    /// <summary>Brings one object's entry in line with the catalog, then settles its mark.</summary>
    private async Task HandleAsync(Mark mark, CancellationToken cancellationToken)
    {
        try
        {
            var published = await PublishedAsync(mark, cancellationToken).ConfigureAwait(false);
            var desired = mark.Kind == PublishedKind.Conference
                ? await DesiredConferenceAsync(mark.Id, cancellationToken).ConfigureAwait(false)
                : await DesiredUserAsync(mark.Id, cancellationToken).ConfigureAwait(false);
            await ApplyAsync(mark, published, desired, cancellationToken).ConfigureAwait(false);
            await SettleAsync(mark, error: null, cancellationToken).ConfigureAwait(false);
            Succeeded();
        }
        catch (Exception e) when (e is DirectoryOperationException or ArgumentException)
        {
            // This object's fault (a name or value the directory refuses): retry it alone, later.
            _metrics?.PublishOperation(Name, "mark", "refused");
            Log.ObjectRefused(_logger, Name, mark.Kind, mark.Id, Describe(e));
            await SettleAsync(mark, Describe(e), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(mark).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What the directory should hold for the object now: null for nothing.</summary>
    private sealed record Desired(string Name, string? Blob, int TtlSeconds, bool Last, Func<LdapDirectoryWriter, PutOutcome> Put);

    private sealed record Published(string Name, string Dn, string? Blob, string State);

    private async Task<Published?> PublishedAsync(Mark mark, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT name, dn, blob, state FROM directory.published WHERE directory = $1 AND object_kind = $2 AND object_id = $3");
        command.Parameters.Add(new() { Value = Name });
        command.Parameters.Add(new() { Value = mark.Kind });
        command.Parameters.Add(new() { Value = mark.Id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new Published(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3))
            : null;
    }

    private async Task<Desired?> DesiredConferenceAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT sdp, name, advertising_scope, isempty(bounds), lower(bounds), lower_inf(bounds), upper(bounds), upper_inf(bounds)
            FROM directory.conferences WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.GetBoolean(3))
        {
            return null;
        }

        var scope = (SdpAdvertisingScope)reader.GetInt16(2);
        DateTimeOffset? start = reader.GetBoolean(5) ? null : Utc(reader.GetDateTime(4));
        DateTimeOffset? stop = reader.GetBoolean(7) ? null : Utc(reader.GetDateTime(6));
        var now = _time.GetUtcNow();
        if (!_directory.Receives(scope) || stop <= now)
        {
            return null;
        }

        var sdp = reader.GetString(0);
        var description = StoredSdp.Read(sdp);
        var conference = new PublishedConference(reader.GetString(1), sdp, description?.Origin.Username, description?.Information, start, stop, scope, description?.Uri);
        var (ttl, last) = Ttl(stop, now);
        return new Desired(conference.Name, sdp, ttl, last, writer => writer.PutConference(conference, ttl));
    }

    private async Task<Desired?> DesiredUserAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT name, ip_phone, registered_until FROM directory.users WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || Utc(reader.GetDateTime(2)) <= now)
        {
            return null;
        }

        var user = new PublishedUser(reader.GetString(0), reader.GetString(1));
        var (ttl, last) = Ttl(Utc(reader.GetDateTime(2)), now);
        return new Desired(user.Name, null, ttl, last, writer => writer.PutUser(user, ttl));
    }

    /// <summary>
    /// The TTL to ask for: the directory's default, or the time left when the object ends
    /// sooner, in which case this is the last one (the entry then expires when the object ends).
    /// </summary>
    private (int Ttl, bool Last) Ttl(DateTimeOffset? end, DateTimeOffset now)
    {
        var standard = _directory.DefaultTtlSeconds;
        if (end is not { } e)
        {
            return (standard, false);
        }

        var left = (int)Math.Min(int.MaxValue, Math.Ceiling((e - now).TotalSeconds));
        return left < standard ? (Math.Max(left, 1), true) : (standard, false);
    }

    private async Task ApplyAsync(Mark mark, Published? published, Desired? desired, CancellationToken cancellationToken)
    {
        var writer = Writer();

        // The old entry goes when the object is gone, renamed, or now another session.
        if (published is { State: "published" } && (desired is null || desired.Name != published.Name || !SameSession(published.Blob, desired.Blob)))
        {
            var outcome = mark.Kind == PublishedKind.Conference
                ? writer.DeleteConference(published.Name, published.Blob!)
                : writer.DeleteUser(published.Name);
            _metrics?.PublishOperation(Name, "delete", outcome.ToString().ToLowerInvariant());
            Log.Deleted(_logger, Name, published.Dn, outcome);
        }

        if (desired is null)
        {
            await ForgetAsync(mark, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Recorded before the directory is written: if the write is cut short after the entry
        // was added (a directory going down between the add and the TTL refresh), a later delete
        // still knows the entry may be there. The ownership rule keeps that delete safe.
        var dn = mark.Kind == PublishedKind.Conference ? writer.ConferenceDn(desired.Name) : writer.UserDn(desired.Name);
        var now = _time.GetUtcNow();
        await RecordAsync(mark, desired, dn, "published", RefreshAt(now, desired.TtlSeconds), now, cancellationToken).ConfigureAwait(false);

        var put = desired.Put(writer);
        _metrics?.PublishOperation(Name, "put", put.ToString().ToLowerInvariant());
        if (put == PutOutcome.Conflict)
        {
            // Warned once; the retries every few minutes stay quiet unless debugging.
            if (published?.State == "conflict")
            {
                Log.StillConflict(_logger, Name, dn);
            }
            else
            {
                Log.Conflict(_logger, Name, dn);
            }
        }

        now = _time.GetUtcNow();
        await RecordAsync(
            mark, desired, dn, put == PutOutcome.Conflict ? "conflict" : "published",
            put == PutOutcome.Conflict ? now + ConflictRetry : desired.Last ? null : RefreshAt(now, desired.TtlSeconds),
            now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the directory holds (or may hold) for the object, and when to look at it again.</summary>
    private async Task RecordAsync(Mark mark, Desired desired, string dn, string state, DateTimeOffset? refreshAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var record = _dataSource.CreateCommand(
            """
            INSERT INTO directory.published (directory, object_kind, object_id, name, dn, blob, state, ttl_seconds, published_at, expires_at, refresh_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (directory, object_kind, object_id) DO UPDATE
            SET name = $4, dn = $5, blob = $6, state = $7, ttl_seconds = $8, published_at = $9, expires_at = $10, refresh_at = $11
            """);
        record.Parameters.Add(new() { Value = Name });
        record.Parameters.Add(new() { Value = mark.Kind });
        record.Parameters.Add(new() { Value = mark.Id });
        record.Parameters.Add(new() { Value = desired.Name });
        record.Parameters.Add(new() { Value = dn });
        record.Parameters.Add(new() { Value = (object?)desired.Blob ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        record.Parameters.Add(new() { Value = state });
        record.Parameters.Add(new() { Value = desired.TtlSeconds });
        record.Parameters.Add(new() { Value = now.UtcDateTime });
        record.Parameters.Add(new() { Value = now.AddSeconds(desired.TtlSeconds).UtcDateTime });
        record.Parameters.Add(new() { Value = (object?)refreshAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refresh when two thirds of the TTL have passed: time for a retry or two before expiry.</summary>
    private static DateTimeOffset RefreshAt(DateTimeOffset now, int ttlSeconds) => now.AddSeconds(Math.Max(1, ttlSeconds * 2 / 3));

    private static bool SameSession(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a == b;
        }

        return (StoredSdp.Read(a)?.Origin, StoredSdp.Read(b)?.Origin) is ({ } x, { } y) && x.IsSameSession(y);
    }

    private async Task ForgetAsync(Mark mark, CancellationToken cancellationToken)
    {
        await using var forget = _dataSource.CreateCommand("DELETE FROM directory.published WHERE directory = $1 AND object_kind = $2 AND object_id = $3");
        forget.Parameters.Add(new() { Value = Name });
        forget.Parameters.Add(new() { Value = mark.Kind });
        forget.Parameters.Add(new() { Value = mark.Id });
        await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Done (error null): the mark goes unless a newer change came meanwhile. Failed: retried with backoff.</summary>
    private async Task SettleAsync(Mark mark, string? error, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var settle = _dataSource.CreateCommand(error is null
            ? """
              WITH gone AS (DELETE FROM directory.outbox WHERE directory = $1 AND object_kind = $2 AND object_id = $3 AND change = $4 RETURNING 1)
              UPDATE directory.outbox SET claimed_until = NULL
              WHERE directory = $1 AND object_kind = $2 AND object_id = $3 AND NOT EXISTS (SELECT 1 FROM gone)
              """
            : """
              UPDATE directory.outbox
              SET claimed_until = NULL,
                  attempts = CASE WHEN change = $4 THEN attempts + 1 ELSE attempts END,
                  next_attempt_at = CASE WHEN change = $4 THEN $5 ELSE next_attempt_at END,
                  last_error = CASE WHEN change = $4 THEN $6 ELSE last_error END
              WHERE directory = $1 AND object_kind = $2 AND object_id = $3
              """);
        settle.Parameters.Add(new() { Value = Name });
        settle.Parameters.Add(new() { Value = mark.Kind });
        settle.Parameters.Add(new() { Value = mark.Id });
        settle.Parameters.Add(new() { Value = mark.Change });
        if (error is not null)
        {
            var delay = TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, Math.Min(mark.Attempts, 10))));
            settle.Parameters.Add(new() { Value = (now + delay).UtcDateTime });
            settle.Parameters.Add(new() { Value = error });
        }

        await settle.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives a claimed mark back at once (the directory went away mid-batch). Best effort: the claim lapses anyway.</summary>
    private async Task ReleaseAsync(Mark mark)
    {
        try
        {
            await using var release = _dataSource.CreateCommand("UPDATE directory.outbox SET claimed_until = NULL WHERE directory = $1 AND object_kind = $2 AND object_id = $3");
            release.Parameters.Add(new() { Value = Name });
            release.Parameters.Add(new() { Value = mark.Kind });
            release.Parameters.Add(new() { Value = mark.Id });
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
        }
    }

    /// <summary>
    /// Refreshes the entries whose refresh time has come. An entry that vanished (expired
    /// during an outage, or deleted by someone) is marked to be published again; a conflict is
    /// looked at again. The TTL asked for shrinks to the time left as the object's end nears.
    /// </summary>
    private async Task<int> RefreshDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = new List<(string Kind, Guid Id, string Dn, string State, DateTimeOffset? End, bool Gone)>();
        await using (var select = _dataSource.CreateCommand(
            """
            SELECT p.object_kind, p.object_id, p.dn, p.state,
                   CASE WHEN p.object_kind = 'conference' THEN (SELECT CASE WHEN upper_inf(c.bounds) THEN 'infinity'::timestamptz ELSE upper(c.bounds) END FROM directory.conferences c WHERE c.id = p.object_id)
                        ELSE (SELECT u.registered_until FROM directory.users u WHERE u.id = p.object_id) END
            FROM directory.published p
            WHERE p.directory = $1 AND p.refresh_at <= $2
            ORDER BY p.refresh_at
            LIMIT $3
            """))
        {
            select.Parameters.Add(new() { Value = Name });
            select.Parameters.Add(new() { Value = now.UtcDateTime });
            select.Parameters.Add(new() { Value = RefreshBatch });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var end = reader.IsDBNull(4) ? (DateTime?)null : reader.GetDateTime(4);
                due.Add((reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                    end is null || end == DateTime.MaxValue ? null : Utc(end.Value), Gone: reader.IsDBNull(4)));
            }
        }

        if (due.Count == 0)
        {
            return 0;
        }

        var ids = new List<(string Kind, Guid Id, DateTime? ExpiresAt, DateTime? RefreshAt, int Ttl)>();
        var remark = new List<(string Kind, Guid Id)>();
        foreach (var (kind, id, dn, state, end, gone) in due)
        {
            if (state == "conflict" || gone)
            {
                remark.Add((kind, id));
                ids.Add((kind, id, null, null, 0));
                continue;
            }

            if (end <= now)
            {
                ids.Add((kind, id, null, null, 0));
                continue;
            }

            var (ttl, last) = Ttl(end, now);
            var granted = Writer().Refresh(dn, ttl);
            _metrics?.PublishOperation(Name, "refresh", granted is null ? "vanished" : "refreshed");
            if (granted is not { } g)
            {
                remark.Add((kind, id));
                ids.Add((kind, id, null, null, 0));
                continue;
            }

            ids.Add((kind, id, now.AddSeconds(g).UtcDateTime, last ? null : RefreshAt(now, g).UtcDateTime, g));
        }

        Succeeded();
        await using var update = _dataSource.CreateCommand(
            """
            UPDATE directory.published p
            SET expires_at = coalesce(t.expires_at, p.expires_at), refresh_at = t.refresh_at, ttl_seconds = CASE WHEN t.ttl > 0 THEN t.ttl ELSE p.ttl_seconds END
            FROM unnest($2::text[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::int[]) AS t(kind, id, expires_at, refresh_at, ttl)
            WHERE p.directory = $1 AND p.object_kind = t.kind AND p.object_id = t.id
            """);
        update.Parameters.Add(new() { Value = Name });
        update.Parameters.Add(new() { Value = ids.Select(i => i.Kind).ToArray() });
        update.Parameters.Add(new() { Value = ids.Select(i => i.Id).ToArray() });
        update.Parameters.Add(new() { Value = ids.Select(i => (object?)i.ExpiresAt ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        update.Parameters.Add(new() { Value = ids.Select(i => (object?)i.RefreshAt ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        update.Parameters.Add(new() { Value = ids.Select(i => i.Ttl).ToArray() });
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        if (remark.Count > 0)
        {
            await using var mark = _dataSource.CreateCommand(
                """
                INSERT INTO directory.outbox (directory, object_kind, object_id, change, enqueued_at, next_attempt_at)
                SELECT $1, t.kind, t.id, nextval('directory.outbox_changes'), $4, $4 FROM unnest($2::text[], $3::uuid[]) AS t(kind, id)
                ON CONFLICT DO NOTHING
                """);
            mark.Parameters.Add(new() { Value = Name });
            mark.Parameters.Add(new() { Value = remark.Select(r => r.Kind).ToArray() });
            mark.Parameters.Add(new() { Value = remark.Select(r => r.Id).ToArray() });
            mark.Parameters.Add(new() { Value = now.UtcDateTime });
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return due.Count;
    }

    /// <summary>Forgets entries that were left to expire and have: the directory removed them itself.</summary>
    private async Task ForgetExpiredAsync(CancellationToken cancellationToken)
    {
        await using var forget = _dataSource.CreateCommand("DELETE FROM directory.published WHERE directory = $1 AND refresh_at IS NULL AND expires_at < $2");
        forget.Parameters.Add(new() { Value = Name });
        forget.Parameters.Add(new() { Value = _time.GetUtcNow().UtcDateTime });
        await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static string Describe(Exception e) => e switch
    {
        DirectoryOperationException { Response: { } r } => $"{r.ResultCode}: {r.ErrorMessage}".TrimEnd(' ', ':'),
        LdapException l => $"{l.Message} (LDAP error {l.ErrorCode})",
        _ => e.Message,
    };

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Information, "Directory {Directory}: connected for publishing")]
        public static partial void Connected(ILogger logger, string directory);

        [LoggerMessage(5002, LogLevel.Warning, "Directory {Directory} is unavailable for publishing; retrying in {DelaySeconds} s: {Error}")]
        public static partial void Unavailable(ILogger logger, string directory, double delaySeconds, string error);

        [LoggerMessage(5003, LogLevel.Information, "Directory {Directory}: marked {Count} current objects it had no record of")]
        public static partial void Reconciled(ILogger logger, string directory, int count);

        [LoggerMessage(5004, LogLevel.Warning, "Directory {Directory} refused {Kind} {Id}; retrying it later: {Error}")]
        public static partial void ObjectRefused(ILogger logger, string directory, string kind, Guid id, string error);

        [LoggerMessage(5005, LogLevel.Warning, "Directory {Directory}: {Dn} belongs to another session; left alone")]
        public static partial void Conflict(ILogger logger, string directory, string dn);

        [LoggerMessage(5007, LogLevel.Debug, "Directory {Directory}: {Dn} still belongs to another session")]
        public static partial void StillConflict(ILogger logger, string directory, string dn);

        [LoggerMessage(5006, LogLevel.Debug, "Directory {Directory}: removed {Dn} ({Outcome})")]
        public static partial void Deleted(ILogger logger, string directory, string dn, DeleteOutcome outcome);
    }
}

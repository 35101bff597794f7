using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Rendezvous.Directory.Publishing;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

public enum CatalogWriteStatus
{
    Done,
    NotFound,

    /// <summary>The row version was not the one expected: someone else changed it first.</summary>
    VersionConflict,
}

/// <summary>The outcome of an update or delete: the conference after the write, or why nothing was written.</summary>
public sealed record CatalogWrite(CatalogWriteStatus Status, Conference? Conference = null);

/// <summary>
/// The conference catalog in PostgreSQL (schema <c>directory</c>): the system of record.
/// Each write stores the conference and its occurrences in one transaction. Ownership is
/// the caller's business; this class checks only row versions.
/// </summary>
/// <remarks>
/// <para>With an <see cref="UpcomingWindow"/>, "upcoming" is answered from memory when that copy is
/// certainly current, and every write here invalidates it as soon as it commits.</para>
/// <para>With a <see cref="PublicationOutbox"/>, every write marks the conference for the
/// configured directories in the same transaction.</para>
/// </remarks>
public sealed class ConferenceCatalog(NpgsqlDataSource dataSource, TimeProvider time, IOptions<CatalogOptions> options, UpcomingWindow? window, PublicationOutbox? outbox = null)
{
    private const string Columns = "id, sdp, name, description, originator, advertising_scope, join_info, bounds, owner, created_at, updated_at, row_version, address_leases";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A catalog that always asks PostgreSQL (tools, benchmarks, and tests that compare against the window).</summary>
    public ConferenceCatalog(NpgsqlDataSource dataSource, TimeProvider time, IOptions<CatalogOptions> options)
        : this(dataSource, time, options, null)
    {
    }

    private CatalogOptions Options => options.Value;

    /// <summary>Stores a new conference owned by <paramref name="owner"/>.</summary>
    public async Task<Conference> CreateAsync(Guid id, ConferenceDraft draft, string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var now = time.GetUtcNow();
        var plan = OccurrencePlan.For(draft.Document.Description, now, Options);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            $"""
            INSERT INTO directory.conferences ({Columns}, groups, expanded_until)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1, $13, $11, $12)
            RETURNING {Columns}
            """, connection, transaction))
        {
            AddFields(insert, id, draft);
            insert.Parameters.Add(new() { Value = owner });
            insert.Parameters.Add(new() { Value = now.UtcDateTime });
            insert.Parameters.Add(new() { Value = Groups(draft.Document.Description) });
            insert.Parameters.Add(new() { Value = plan.ExpandedUntil });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(draft.AddressLeases ?? [], Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            var created = await ReadSingleAsync(insert, cancellationToken).ConfigureAwait(false);
            await InsertOccurrencesAsync(connection, transaction, id, plan.Occurrences, firstSeq: 0, cancellationToken).ConfigureAwait(false);
            await MarkAsync(connection, transaction, id, now, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Committed();
            return created!;
        }
    }

    /// <summary>The conference, or null when there is none with this id.</summary>
    public async Task<Conference?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM directory.conferences WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        return await ReadSingleAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the conference's description if its row version is still
    /// <paramref name="expectedVersion"/>. The owner does not change.
    /// </summary>
    public async Task<CatalogWrite> UpdateAsync(Guid id, long expectedVersion, ConferenceDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var now = time.GetUtcNow();
        var plan = OccurrencePlan.For(draft.Document.Description, now, Options);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        Conference? updated;
        await using (var update = new NpgsqlCommand(
            $"""
            UPDATE directory.conferences
            SET sdp = $2, name = $3, description = $4, originator = $5, advertising_scope = $6, join_info = $7,
                bounds = $8, updated_at = $9, row_version = row_version + 1, groups = $10, expanded_until = $11,
                address_leases = coalesce($13, address_leases)
            WHERE id = $1 AND row_version = $12
            RETURNING {Columns}
            """, connection, transaction))
        {
            AddFields(update, id, draft);
            update.Parameters.Add(new() { Value = now.UtcDateTime });
            update.Parameters.Add(new() { Value = Groups(draft.Document.Description) });
            update.Parameters.Add(new() { Value = plan.ExpandedUntil });
            update.Parameters.Add(new() { Value = expectedVersion });
            update.Parameters.Add(new() { Value = draft.AddressLeases is null ? DBNull.Value : JsonSerializer.Serialize(draft.AddressLeases, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            updated = await ReadSingleAsync(update, cancellationToken).ConfigureAwait(false);
        }

        if (updated is null)
        {
            return new CatalogWrite(await ExistsAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false) ? CatalogWriteStatus.VersionConflict : CatalogWriteStatus.NotFound);
        }

        await using (var clear = new NpgsqlCommand("DELETE FROM directory.occurrences WHERE conference_id = $1", connection, transaction))
        {
            clear.Parameters.Add(new() { Value = id });
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertOccurrencesAsync(connection, transaction, id, plan.Occurrences, firstSeq: 0, cancellationToken).ConfigureAwait(false);
        await MarkAsync(connection, transaction, id, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Committed();
        return new CatalogWrite(CatalogWriteStatus.Done, updated);
    }

    /// <summary>Deletes the conference (and its occurrences); with <paramref name="expectedVersion"/>, only if it still has that version.</summary>
    public async Task<CatalogWriteStatus> DeleteAsync(Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("DELETE FROM directory.conferences WHERE id = $1 AND ($2::bigint IS NULL OR row_version = $2)", connection, transaction);
        delete.Parameters.Add(new() { Value = id });
        delete.Parameters.Add(new() { Value = (object?)expectedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
        {
            await MarkAsync(connection, transaction, id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Committed();
            return CatalogWriteStatus.Done;
        }

        return await ExistsAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false) ? CatalogWriteStatus.VersionConflict : CatalogWriteStatus.NotFound;
    }

    /// <summary>The conferences that hold address leases and have not ended at <paramref name="now"/>: id, last stop (null: open-ended) and leases.</summary>
    public async Task<IReadOnlyList<(Guid Id, DateTimeOffset? Stop, IReadOnlyList<string> Leases)>> WithAddressLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, CASE WHEN upper_inf(bounds) THEN NULL ELSE upper(bounds) END, address_leases FROM directory.conferences
            WHERE address_leases <> '[]'::jsonb AND NOT isempty(bounds) AND (upper_inf(bounds) OR upper(bounds) > $1)
            """);
        command.Parameters.Add(new() { Value = now.UtcDateTime });
        var found = new List<(Guid, DateTimeOffset?, IReadOnlyList<string>)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : Instant(reader.GetDateTime(1)), JsonSerializer.Deserialize<string[]>(reader.GetString(2), Json) ?? []));
        }

        return found;
    }

    /// <summary>
    /// The conferences that have not ended at <paramref name="now"/> (including those still to come),
    /// with their stored SDP, advertising scope and last stop (null: open-ended or permanent): what a
    /// SAP announcer announces. Ordered by id.
    /// </summary>
    public async Task<IReadOnlyList<CurrentConference>> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, sdp, advertising_scope, CASE WHEN upper_inf(bounds) THEN NULL ELSE upper(bounds) END FROM directory.conferences
            WHERE NOT isempty(bounds) AND (upper_inf(bounds) OR upper(bounds) > $1)
            ORDER BY id
            """);
        command.Parameters.Add(new() { Value = now.UtcDateTime });
        var found = new List<CurrentConference>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new CurrentConference(reader.GetGuid(0), reader.GetString(1), (SdpAdvertisingScope)reader.GetInt16(2), reader.IsDBNull(3) ? null : Instant(reader.GetDateTime(3))));
        }

        return found;
    }

    /// <summary>Records the conference's multicast address leases after they were renewed (no new row version: the description did not change).</summary>
    public async Task SetAddressLeasesAsync(Guid id, IReadOnlyList<string> leases, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE directory.conferences SET address_leases = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(leases, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The conference's first occurrence that has not ended at <paramref name="at"/>, or null.</summary>
    public async Task<(DateTimeOffset? Start, DateTimeOffset? Stop)?> NextOccurrenceAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT starts_at, stops_at FROM directory.occurrences WHERE conference_id = $1 AND stops_at > $2 ORDER BY starts_at, seq LIMIT 1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = at.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (Instant(reader.GetDateTime(0)), Instant(reader.GetDateTime(1))) : null;
    }

    /// <summary>
    /// Occurrences overlapping [From, To), in start order, after the cursor. Permanent
    /// sessions come first (they have always started).
    /// </summary>
    /// <remarks>
    /// From the <see cref="UpcomingWindow"/> when it can answer, otherwise from PostgreSQL
    /// (see <see cref="OccurrencesCommand"/>); both give the same page.
    /// </remarks>
    public async Task<UpcomingPage> UpcomingAsync(UpcomingQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (window is not null && window.TryAnswer(query, out var remembered))
        {
            return remembered!;
        }

        await using var command = OccurrencesCommand(query.From, query.To, query.After, query, query.Limit + 1);
        var items = new List<UpcomingItem>(query.Limit);
        UpcomingCursor? last = null;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == query.Limit)
            {
                more = true;
                break;
            }

            var (start, _, item) = ReadOccurrence(reader, join: null);
            last = new UpcomingCursor(start, item.ConferenceId, reader.GetInt32(1));
            items.Add(item);
        }

        return new UpcomingPage(items, more ? last : null);
    }

    /// <summary>
    /// Every occurrence overlapping [From, Until), in the catalog's order, for
    /// <see cref="UpcomingWindow"/>; null when there are more than <paramref name="maxItems"/>.
    /// Each conference's join information is read once and shared by its occurrences.
    /// </summary>
    public async Task<UpcomingWindowContent?> ReadWindowAsync(DateTimeOffset from, DateTimeOffset until, int maxItems, CancellationToken cancellationToken)
    {
        await using var command = OccurrencesCommand(from, until, after: null, filters: null, limit: maxItems + 1);
        var items = new List<UpcomingWindowItem>();
        var join = new Dictionary<Guid, ValueList<JoinMedia>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == maxItems)
            {
                return null;
            }

            var (start, stop, item) = ReadOccurrence(reader, join);
            items.Add(new UpcomingWindowItem(start, stop, reader.GetInt32(1), item));
        }

        return new UpcomingWindowContent(from, until, items);
    }

    /// <summary>
    /// Occurrences overlapping [from, to) after the cursor, in key order. Two walks merged under
    /// the limit: long occurrences (over four hours, open or permanent; few) through their
    /// partial index, and ordinary ones by start time from four hours before <paramref name="from"/>,
    /// since none of them can have started earlier and still be under way. So the query never
    /// reads the retained history before then.
    /// </summary>
    private NpgsqlCommand OccurrencesCommand(DateTimeOffset from, DateTimeOffset to, UpcomingCursor? after, UpcomingQuery? filters, int limit)
    {
        var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = to.UtcDateTime });
        command.Parameters.Add(new() { Value = from.UtcDateTime });
        command.Parameters.Add(new() { Value = (from - StoredOccurrence.LongRunning).UtcDateTime });
        command.Parameters.Add(new() { Value = limit });
        var conditions = new System.Text.StringBuilder();
        if (after is { } cursor)
        {
            command.Parameters.Add(new() { Value = cursor.Start });
            command.Parameters.Add(new() { Value = cursor.ConferenceId });
            command.Parameters.Add(new() { Value = cursor.Seq });
            conditions.Append(" AND (o.starts_at, o.conference_id, o.seq) > ($5, $6, $7)");
        }

        if (filters is not null)
        {
            AppendFilters(command, conditions, filters);
        }

        const string Select =
            "SELECT o.conference_id, o.seq, o.starts_at, o.stops_at, c.name, c.description, c.advertising_scope, c.join_info " +
            "FROM directory.occurrences o JOIN directory.conferences c ON c.id = o.conference_id";
        const string Order = " ORDER BY o.starts_at, o.conference_id, o.seq LIMIT $4";
        command.CommandText =
            $"""
            SELECT * FROM (
                ({Select} WHERE o.long_running AND o.starts_at < $1 AND o.stops_at > $2{conditions}{Order})
                UNION ALL
                ({Select} WHERE NOT o.long_running AND o.starts_at >= $3 AND o.starts_at < $1 AND o.stops_at > $2{conditions}{Order})
            ) o ORDER BY starts_at, conference_id, seq LIMIT $4
            """;
        return command;
    }

    /// <summary>One row of <see cref="OccurrencesCommand"/>: its stored start and stop (the sort key) and the listing item.</summary>
    private static (DateTime Start, DateTime Stop, UpcomingItem Item) ReadOccurrence(NpgsqlDataReader reader, Dictionary<Guid, ValueList<JoinMedia>>? join)
    {
        var id = reader.GetGuid(0);
        var start = reader.GetDateTime(2);
        var stop = reader.GetDateTime(3);
        if (join is null || !join.TryGetValue(id, out var media))
        {
            media = JsonSerializer.Deserialize<ValueList<JoinMedia>>(reader.GetString(7), Json);
            join?.Add(id, media);
        }

        var item = new UpcomingItem(
            id,
            reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            (SdpAdvertisingScope)reader.GetInt16(6),
            Instant(start),
            Instant(stop),
            media)
        {
            Seq = reader.GetInt32(1),
        };
        return (start, stop, item);
    }

    /// <summary>
    /// The conferences with at least one occurrence overlapping [From, To), matching the
    /// query's text and scope, at most <paramref name="limit"/> of them (ordered by id), for
    /// calendar feeds. The query's cursor and limit are not used.
    /// </summary>
    public async Task<IReadOnlyList<Conference>> InWindowAsync(UpcomingQuery query, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand();
        var sql = new System.Text.StringBuilder(
            $"""
            SELECT {Columns} FROM directory.conferences c
            WHERE EXISTS (SELECT 1 FROM directory.occurrences o WHERE o.conference_id = c.id AND o.starts_at < $1 AND o.stops_at > $2)
            """);
        command.Parameters.Add(new() { Value = query.To.UtcDateTime });
        command.Parameters.Add(new() { Value = query.From.UtcDateTime });
        AppendFilters(command, sql, query);

        command.Parameters.Add(new() { Value = limit });
        sql.Append($" ORDER BY c.id LIMIT ${command.Parameters.Count}");
        command.CommandText = sql.ToString();

        var conferences = new List<Conference>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            conferences.Add(Read(reader));
        }

        return conferences;
    }

    /// <summary>
    /// Moves the stored window on: drops occurrences that ended before the retention period
    /// and appends the occurrences of repeating conferences up to the horizon. Conferences
    /// are claimed with SKIP LOCKED, so several instances can run this at once.
    /// Returns how many conferences were extended.
    /// </summary>
    public async Task<int> MaintainAsync(int batchSize, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using (var prune = dataSource.CreateCommand("DELETE FROM directory.occurrences WHERE stops_at < $1"))
        {
            prune.Parameters.Add(new() { Value = (now - Options.Retention).UtcDateTime });
            if (await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                window?.Invalidate();
            }
        }

        var extended = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var due = new List<(Guid Id, string Sdp, DateTime Until)>();
        await using (var select = new NpgsqlCommand(
            """
            SELECT id, sdp, expanded_until FROM directory.conferences
            WHERE expanded_until < $1 AND NOT isempty(bounds) AND (upper_inf(bounds) OR upper(bounds) > expanded_until)
            ORDER BY expanded_until
            LIMIT $2
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            // Extend a day before the stored list runs out, not on every run.
            select.Parameters.Add(new() { Value = (now + Options.Horizon - TimeSpan.FromDays(1)).UtcDateTime });
            select.Parameters.Add(new() { Value = batchSize });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                due.Add((reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2)));
            }
        }

        foreach (var (id, sdp, until) in due)
        {
            if (StoredSdp.Read(sdp) is not { } description)
            {
                continue;
            }

            var (upcoming, nextSeq) = await CountAsync(connection, transaction, id, now, cancellationToken).ConfigureAwait(false);
            var plan = OccurrencePlan.For(description, now, Options, after: until, alreadyUpcoming: upcoming);
            await InsertOccurrencesAsync(connection, transaction, id, plan.Occurrences, nextSeq, cancellationToken).ConfigureAwait(false);
            await using var mark = new NpgsqlCommand("UPDATE directory.conferences SET expanded_until = $2 WHERE id = $1", connection, transaction);
            mark.Parameters.Add(new() { Value = id });
            mark.Parameters.Add(new() { Value = plan.ExpandedUntil });
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            extended++;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        window?.Invalidate();
        return extended;
    }

    private Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        outbox?.MarkAsync(connection, transaction, PublishedKind.Conference, id, now, cancellationToken) ?? Task.CompletedTask;

    /// <summary>After a write's commit: the in-memory window is out of date, and the publishers have work.</summary>
    private void Committed()
    {
        window?.Invalidate();
        outbox?.Written();
    }

    /// <summary>Parameters $1-$8: id and the fields derived from the description.</summary>
    private static void AddFields(NpgsqlCommand command, Guid id, ConferenceDraft draft)
    {
        var d = draft.Document.Description;
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = draft.Document.Text });
        command.Parameters.Add(new() { Value = d.Name });
        command.Parameters.Add(new() { Value = (object?)d.Information ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = d.Origin.Username });
        command.Parameters.Add(new() { Value = (short)draft.AdvertisingScope });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(JoinMedia.From(d), Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = Range(SdpSchedule.Bounds(d)), NpgsqlDbType = NpgsqlDbType.TimestampTzRange });
    }

    private static IPAddress[] Groups(SessionDescription description) =>
        [.. JoinMedia.From(description).SelectMany(m => m.Groups).Select(g => g.Address)
            .Append(description.Connection?.Address ?? "")
            .Select(a => IPAddress.TryParse(a, out var ip) ? ip : null)
            .OfType<IPAddress>()
            .Distinct()];

    private static async Task InsertOccurrencesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, IReadOnlyList<StoredOccurrence> occurrences, int firstSeq, CancellationToken cancellationToken)
    {
        if (occurrences.Count == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO directory.occurrences (conference_id, seq, starts_at, stops_at, long_running)
            SELECT $1, $2 + n - 1, s, e, l FROM unnest($3::timestamptz[], $4::timestamptz[], $5::boolean[]) WITH ORDINALITY AS t(s, e, l, n)
            """, connection, transaction);
        insert.Parameters.Add(new() { Value = id });
        insert.Parameters.Add(new() { Value = firstSeq });
        insert.Parameters.Add(new() { Value = occurrences.Select(o => o.Start).ToArray() });
        insert.Parameters.Add(new() { Value = occurrences.Select(o => o.Stop).ToArray() });
        insert.Parameters.Add(new() { Value = occurrences.Select(o => o.IsLong).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many stored occurrences have not ended at <paramref name="now"/>, and the next free sequence number.</summary>
    private static async Task<(int Upcoming, int NextSeq)> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand(
            "SELECT (count(*) FILTER (WHERE stops_at > $2))::int, coalesce(max(seq) + 1, 0) FROM directory.occurrences WHERE conference_id = $1", connection, transaction);
        count.Parameters.Add(new() { Value = id });
        count.Parameters.Add(new() { Value = now.UtcDateTime });
        await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM directory.conferences WHERE id = $1)", connection, transaction);
        exists.Parameters.Add(new() { Value = id });
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<Conference?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>One row of <see cref="Columns"/>.</summary>
    private static Conference Read(NpgsqlDataReader reader) =>
        new(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4),
            (SdpAdvertisingScope)reader.GetInt16(5),
            JsonSerializer.Deserialize<ValueList<JoinMedia>>(reader.GetString(6), Json),
            Bounds(reader.GetFieldValue<NpgsqlRange<DateTime>>(7)),
            reader.GetString(8),
            new DateTimeOffset(reader.GetDateTime(9), TimeSpan.Zero),
            new DateTimeOffset(reader.GetDateTime(10), TimeSpan.Zero),
            reader.GetInt64(11))
        {
            AddressLeases = JsonSerializer.Deserialize<string[]>(reader.GetString(12), Json) ?? [],
        };

    private static NpgsqlRange<DateTime> Range(SdpBounds bounds)
    {
        if (bounds.IsEmpty)
        {
            return NpgsqlRange<DateTime>.Empty;
        }

        return new NpgsqlRange<DateTime>(
            bounds.Start?.UtcDateTime ?? DateTime.UnixEpoch, true, bounds.Start is null,
            bounds.Stop?.UtcDateTime ?? DateTime.UnixEpoch, false, bounds.Stop is null);
    }

    private static SdpBounds Bounds(NpgsqlRange<DateTime> range) => range.IsEmpty
        ? SdpBounds.Empty
        : new SdpBounds(
            range.LowerBoundInfinite ? null : new DateTimeOffset(DateTime.SpecifyKind(range.LowerBound, DateTimeKind.Utc)),
            range.UpperBoundInfinite ? null : new DateTimeOffset(DateTime.SpecifyKind(range.UpperBound, DateTimeKind.Utc)));

    /// <summary>PostgreSQL's -infinity and infinity come back as DateTime.MinValue and MaxValue: no start, no stop.</summary>
    private static DateTimeOffset? Instant(DateTime value) =>
        value == DateTime.MinValue || value == DateTime.MaxValue ? null : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>The query's scope and text filters on conferences <c>c</c>, as parameters of <paramref name="command"/>.</summary>
    private static void AppendFilters(NpgsqlCommand command, System.Text.StringBuilder sql, UpcomingQuery query)
    {
        if (query.Scope is { } scope)
        {
            command.Parameters.Add(new() { Value = (short)scope });
            sql.Append($" AND c.advertising_scope = ${command.Parameters.Count}");
        }

        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            command.Parameters.Add(new() { Value = "%" + EscapeLike(query.Text.Trim()) + "%" });
            sql.Append($" AND (c.name ILIKE ${command.Parameters.Count} OR c.description ILIKE ${command.Parameters.Count})");
        }
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

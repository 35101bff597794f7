using System.Text;
using Npgsql;

namespace Rendezvous.LoadDriver;

/// <summary>
/// EXPLAIN (ANALYZE, BUFFERS) of the catalog's upcoming query, as ConferenceCatalog.UpcomingAsync
/// builds it (the SQL below is a copy of it: keep them in step), for the first page and for the
/// first page after the permanent sessions.
/// </summary>
internal static class Explain
{
    private const string Select =
        """
        SELECT o.conference_id, o.seq, o.starts_at, o.stops_at, c.name, c.description, c.advertising_scope, c.join_info
        FROM directory.occurrences o
        JOIN directory.conferences c ON c.id = o.conference_id
        WHERE o.starts_at < $1 AND o.stops_at > $2
        """;

    public static async Task<string> RunAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var now = DateTime.UtcNow;
        var to = now.AddDays(7);
        var text = new StringBuilder();

        await using (var counts = dataSource.CreateCommand(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE starts_at = '-infinity'),
                   count(*) FILTER (WHERE starts_at < $1 AND stops_at <= $1),
                   count(*) FILTER (WHERE starts_at < $2 AND stops_at > $1)
            FROM directory.occurrences
            """))
        {
            counts.Parameters.Add(new() { Value = now });
            counts.Parameters.Add(new() { Value = to });
            await using var reader = await counts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            text.AppendLine($"occurrences: {reader.GetInt64(0)} stored; {reader.GetInt64(1)} permanent (-infinity); {reader.GetInt64(2)} started and ended before now (retention); {reader.GetInt64(3)} in the default window [now, now + 7 days)");
        }

        text.AppendLine().AppendLine("-- first page: GET /api/conferences/upcoming?limit=50");
        await using (var first = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + Select + " ORDER BY o.starts_at, o.conference_id, o.seq LIMIT $3"))
        {
            first.Parameters.Add(new() { Value = to });
            first.Parameters.Add(new() { Value = now });
            first.Parameters.Add(new() { Value = 51 });
            await AppendPlanAsync(first, text, cancellationToken).ConfigureAwait(false);
        }

        Guid last;
        await using (var boundary = dataSource.CreateCommand("SELECT conference_id FROM directory.occurrences WHERE starts_at = '-infinity' ORDER BY conference_id DESC LIMIT 1"))
        {
            last = (Guid)(await boundary.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? Guid.Empty);
        }

        text.AppendLine().AppendLine("-- the page after the permanent sessions: cursor (-infinity, last permanent conference, 0)");
        await using (var deep = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + Select + " AND (o.starts_at, o.conference_id, o.seq) > ($3, $4, $5) ORDER BY o.starts_at, o.conference_id, o.seq LIMIT $6"))
        {
            deep.Parameters.Add(new() { Value = to });
            deep.Parameters.Add(new() { Value = now });
            deep.Parameters.Add(new() { Value = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) }); // as UpcomingCursor decodes it
            deep.Parameters.Add(new() { Value = last });
            deep.Parameters.Add(new() { Value = 0 });
            deep.Parameters.Add(new() { Value = 51 });
            await AppendPlanAsync(deep, text, cancellationToken).ConfigureAwait(false);
        }

        return text.ToString();
    }

    private static async Task AppendPlanAsync(NpgsqlCommand command, StringBuilder text, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            text.AppendLine(reader.GetString(0));
        }
    }
}

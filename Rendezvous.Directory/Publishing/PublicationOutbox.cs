using Npgsql;

namespace Rendezvous.Directory.Publishing;

/// <summary>What kind of directory object an outbox row is about.</summary>
public static class PublishedKind
{
    public const string Conference = "conference";
    public const string User = "user";
}

/// <summary>
/// The outbox of DESIGN.md: a catalog write marks the object for every configured directory in
/// its own transaction, so no change is lost whatever happens to the directories or to this
/// process. The publisher (<see cref="DirectoryPublisher"/>) reads the catalog's current state
/// when it handles a mark, so several changes before it fold into one directory write.
/// </summary>
public sealed class PublicationOutbox
{
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Lazy<string[]> _directories;

    public PublicationOutbox(IEnumerable<string> directories)
        : this(() => directories)
    {
    }

    /// <param name="directories">Read at the first write, not before: configuration errors are reported at start-up, all together.</param>
    public PublicationOutbox(Func<IEnumerable<string>> directories)
    {
        _directories = new(() => [.. directories()]);
    }

    /// <summary>The configured directories' names.</summary>
    public IReadOnlyList<string> Directories => _directories.Value;

    /// <summary>Marks the object for every directory, within the caller's transaction.</summary>
    public async Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string kind, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Directories.Count == 0)
        {
            return;
        }

        // A mark being handled keeps its claim; the new change number makes the handler leave it for another round.
        await using var mark = new NpgsqlCommand(
            """
            INSERT INTO directory.outbox (directory, object_kind, object_id, change, enqueued_at, next_attempt_at)
            SELECT d, $2, $3, nextval('directory.outbox_changes'), $4, $4 FROM unnest($1::text[]) AS d
            ON CONFLICT (directory, object_kind, object_id) DO UPDATE
            SET change = EXCLUDED.change, enqueued_at = EXCLUDED.enqueued_at, attempts = 0, next_attempt_at = EXCLUDED.next_attempt_at, last_error = NULL
            """, connection, transaction);
        mark.Parameters.Add(new() { Value = Directories.ToArray() });
        mark.Parameters.Add(new() { Value = kind });
        mark.Parameters.Add(new() { Value = id });
        mark.Parameters.Add(new() { Value = now.UtcDateTime });
        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Called after a commit that marked something: wakes this instance's publishers.</summary>
    public void Written() => Interlocked.Exchange(ref _written, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next <see cref="Written"/>. Take it before looking for work, so that no wake-up is missed.</summary>
    public Task NextWrite => Volatile.Read(ref _written).Task;
}

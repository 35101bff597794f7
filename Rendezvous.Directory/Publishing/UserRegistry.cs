using Npgsql;

namespace Rendezvous.Directory.Publishing;

/// <summary>A registered user (TAPI ITDirectoryObjectUser): a name and the IP phone to call.</summary>
public sealed record RegisteredUser(Guid Id, string Name, string IpPhone, string Owner, DateTimeOffset RegisteredUntil, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public enum UserWriteStatus
{
    Created,
    Renewed,

    /// <summary>The name is registered by someone else.</summary>
    NotOwner,
}

/// <summary>
/// Users in PostgreSQL (schema <c>directory</c>), published to every directory through the
/// outbox while their registration lasts, like conferences.
/// </summary>
public sealed class UserRegistry(NpgsqlDataSource dataSource, TimeProvider time, PublicationOutbox outbox)
{
    private const string Columns = "id, name, ip_phone, owner, registered_until, created_at, updated_at";

    /// <summary>
    /// Registers <paramref name="name"/> for <paramref name="owner"/>, or renews it (new address,
    /// new end) when the owner (or an admin) registers it again. An expired registration of
    /// someone else is taken over.
    /// </summary>
    public async Task<(UserWriteStatus Status, RegisteredUser? User)> RegisterAsync(string name, string ipPhone, TimeSpan duration, string owner, bool isAdmin, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        RegisteredUser? existing;
        await using (var find = new NpgsqlCommand($"SELECT {Columns} FROM directory.users WHERE name = $1 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new() { Value = name });
            existing = await ReadAsync(find, cancellationToken).ConfigureAwait(false);
        }

        if (existing is not null && existing.Owner != owner && !isAdmin && existing.RegisteredUntil > now)
        {
            return (UserWriteStatus.NotOwner, existing);
        }

        await using var write = new NpgsqlCommand(
            $"""
            INSERT INTO directory.users ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $6)
            ON CONFLICT (name) DO UPDATE SET ip_phone = $3, owner = CASE WHEN $7 THEN directory.users.owner ELSE $4 END, registered_until = $5, updated_at = $6
            RETURNING {Columns}
            """, connection, transaction);
        write.Parameters.Add(new() { Value = existing?.Id ?? Guid.CreateVersion7() });
        write.Parameters.Add(new() { Value = name });
        write.Parameters.Add(new() { Value = ipPhone });
        write.Parameters.Add(new() { Value = owner });
        write.Parameters.Add(new() { Value = (now + duration).UtcDateTime });
        write.Parameters.Add(new() { Value = now.UtcDateTime });
        // An admin renewing someone's current registration leaves its owner as it is.
        write.Parameters.Add(new() { Value = isAdmin && existing is not null && existing.RegisteredUntil > now });
        var user = (await ReadAsync(write, cancellationToken).ConfigureAwait(false))!;
        await outbox.MarkAsync(connection, transaction, PublishedKind.User, user.Id, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        outbox.Written();
        return (existing is null ? UserWriteStatus.Created : UserWriteStatus.Renewed, user);
    }

    /// <summary>The current registrations, by name.</summary>
    public async Task<IReadOnlyList<RegisteredUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM directory.users WHERE registered_until > $1 ORDER BY name");
        command.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        var users = new List<RegisteredUser>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    public async Task<RegisteredUser?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM directory.users WHERE name = $1");
        command.Parameters.Add(new() { Value = name });
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the registration; the directories' entries are removed through the outbox.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("DELETE FROM directory.users WHERE id = $1", connection, transaction);
        delete.Parameters.Add(new() { Value = id });
        if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await outbox.MarkAsync(connection, transaction, PublishedKind.User, id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        outbox.Written();
        return true;
    }

    private static async Task<RegisteredUser?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static RegisteredUser Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
        Utc(reader.GetDateTime(4)), Utc(reader.GetDateTime(5)), Utc(reader.GetDateTime(6)));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

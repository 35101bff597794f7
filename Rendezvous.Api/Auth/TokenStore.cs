using Npgsql;

namespace Rendezvous.Api.Auth;

/// <summary>An issued token as stored: everything but the secret, which is never kept.</summary>
/// <param name="CreatedBy">The subject of the administrator who issued it.</param>
/// <param name="ExpiresAt">Null: valid until revoked.</param>
internal sealed record IssuedToken(
    Guid Id,
    string Name,
    string Subject,
    bool IsAdmin,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    /// <summary>"active", "expired" or "revoked" at <paramref name="now"/>.</summary>
    public string StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? "revoked" : ExpiresAt <= now ? "expired" : "active";
}

internal enum RevokeOutcome
{
    Revoked,
    AlreadyRevoked,
    NotFound,
}

/// <summary>
/// The table <c>auth.tokens</c> (migration <c>migrations/auth/0001_tokens.sql</c>). Every
/// method throws <see cref="NpgsqlException"/> when PostgreSQL cannot be reached.
/// </summary>
internal sealed class TokenStore(NpgsqlDataSource dataSource)
{
    public const string SchemaName = "auth";

    private const string Columns = "id, name, subject, is_admin, created_by, created_at, expires_at, revoked_at, last_used_at";

    /// <summary>Stores a new token by the SHA-256 of its text. Timestamps are stored in UTC.</summary>
    public async Task InsertAsync(IssuedToken token, byte[] sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO auth.tokens (id, name, subject, is_admin, sha256, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        command.Parameters.Add(new() { Value = token.Id });
        command.Parameters.Add(new() { Value = token.Name });
        command.Parameters.Add(new() { Value = token.Subject });
        command.Parameters.Add(new() { Value = token.IsAdmin });
        command.Parameters.Add(new() { Value = sha256 });
        command.Parameters.Add(new() { Value = token.CreatedBy });
        command.Parameters.Add(new() { Value = token.CreatedAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = (object?)token.ExpiresAt?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every token, revoked and expired ones included, oldest first.</summary>
    public async Task<IReadOnlyList<IssuedToken>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM auth.tokens ORDER BY created_at, id");
        return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The token with this id; null when there is none.</summary>
    public async Task<IssuedToken?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM auth.tokens WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        return (await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>
    /// The token whose text hashes to <paramref name="sha256"/>; null when there is none.
    /// Looking a 256-bit random secret up by its hash leaks nothing useful through timing.
    /// </summary>
    public async Task<IssuedToken?> FindBySha256Async(byte[] sha256, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM auth.tokens WHERE sha256 = $1");
        command.Parameters.Add(new() { Value = sha256 });
        return (await ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Marks the token revoked at <paramref name="now"/>. Revoking twice keeps the first time.</summary>
    public async Task<RevokeOutcome> RevokeAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE auth.tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING revoked_at = $2");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now.ToUniversalTime() });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) switch
        {
            null => RevokeOutcome.NotFound,
            true => RevokeOutcome.Revoked,
            _ => RevokeOutcome.AlreadyRevoked,
        };
    }

    /// <summary>Records a use at <paramref name="now"/> (never moving the time backwards).</summary>
    public async Task TouchAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE auth.tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<IssuedToken>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tokens = new List<IssuedToken>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(new IssuedToken(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetBoolean(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return tokens;
    }
}

using System.Diagnostics;
using Npgsql;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Api.Database;

/// <summary>A migration problem that retrying will not fix: the scripts and the database disagree.</summary>
public sealed class MigrationException(string message) : Exception(message);

/// <summary>
/// Brings each schema up to date. All instances take one PostgreSQL advisory lock first,
/// so two instances starting together never apply the same script twice: the second
/// waits, then finds nothing left to do. Each script runs in its own transaction together
/// with its history row, so a failing script leaves no trace and is retried whole.
/// </summary>
internal sealed class SchemaMigrator(NpgsqlDataSource dataSource, ApiMetrics metrics, ILogger<SchemaMigrator> logger)
{
    /// <summary>The advisory lock key: the ASCII of "Rendezvo" as a 64-bit number.</summary>
    public const long LockKey = 0x52656E64657A766F;

    /// <summary>
    /// Applies every pending migration of every set and returns what it applied.
    /// Throws <see cref="MigrationException"/> when an applied script was edited or the
    /// database has a version this build does not know, and <see cref="NpgsqlException"/>
    /// when PostgreSQL cannot be reached or a script fails.
    /// </summary>
    public async Task<IReadOnlyList<(string Schema, SqlMigration Migration)>> MigrateAsync(IEnumerable<MigrationSet> sets, CancellationToken cancellationToken)
    {
        var applied = new List<(string, SqlMigration)>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await AcquireLockAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var set in sets)
            {
                foreach (var migration in await PendingAsync(connection, set, cancellationToken).ConfigureAwait(false))
                {
                    await ApplyAsync(connection, set.Schema, migration, cancellationToken).ConfigureAwait(false);
                    applied.Add((set.Schema, migration));
                }
            }
        }
        finally
        {
            // A session lock also ends with the connection; unlock explicitly because the
            // connection goes back to the pool.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
                await unlock.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return applied;
    }

    private async Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } };
        if ((bool)(await tryLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return;
        }

        Log.WaitingForMigrationLock(logger);
        await using var waitLock = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } }, CommandTimeout = 0 };
        await waitLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<SqlMigration>> PendingAsync(NpgsqlConnection connection, MigrationSet set, CancellationToken cancellationToken)
    {
        // The schema name was checked against ^[a-z_][a-z0-9_]*$ by MigrationSet.
        await using (var create = new NpgsqlCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS {set.Schema};
            CREATE TABLE IF NOT EXISTS {set.Schema}.schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            );
            """, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var history = new Dictionary<int, (string Name, string Checksum)>();
        await using (var read = new NpgsqlCommand($"SELECT version, name, checksum FROM {set.Schema}.schema_migrations", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                history[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
            }
        }

        var known = set.Migrations.ToDictionary(m => m.Version);
        foreach (var (version, (name, checksum)) in history.OrderBy(h => h.Key))
        {
            if (!known.TryGetValue(version, out var migration))
            {
                throw new MigrationException(
                    $"The database has migration {set.Schema}/{version:D4} {name}, which this build does not know: it was migrated by a newer build. Run that build or a newer one.");
            }

            if (migration.Checksum != checksum)
            {
                throw new MigrationException(
                    $"Migration {set.Schema}/{version:D4} {migration.Name} was changed after it was applied (checksum {checksum} in the database, {migration.Checksum} in this build). Applied migrations must not be edited: add a new one.");
            }
        }

        return [.. set.Migrations.Where(m => !history.ContainsKey(m.Version))];
    }

    private async Task ApplyAsync(NpgsqlConnection connection, string schema, SqlMigration migration, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction) { CommandTimeout = 0 })
        {
            await script.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction)
        {
            Parameters = { new() { Value = migration.Version }, new() { Value = migration.Name }, new() { Value = migration.Checksum } },
        })
        {
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        metrics.MigrationApplied(schema);
        Log.MigrationApplied(logger, schema, migration.Version, migration.Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}

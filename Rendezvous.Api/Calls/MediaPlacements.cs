using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Rendezvous.Api.Calls;

/// <summary>A multicast group's claim: granted to this instance, or held by another instance's hub.</summary>
internal sealed record GroupClaim(bool Granted, Guid? HolderHub = null, string? HolderUrl = null);

/// <summary>
/// Which instance each call and call hub lives on, and which hub holds each multicast group,
/// in PostgreSQL (schema <c>media</c>; DESIGN.md, "Growing past one machine"). Media itself stays
/// in memory on its instance. An instance is alive while its heartbeat is younger than
/// <see cref="DeadAfter"/>; the others then remove it, with its placements and group bindings.
/// Every time here is PostgreSQL's <c>now()</c>: one clock for all instances, so a skewed host
/// clock cannot make a live instance look dead.
/// </summary>
internal sealed class MediaPlacements(NpgsqlDataSource dataSource)
{
    public const string SchemaName = "media";

    /// <summary>How often an instance renews its heartbeat.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary>An instance whose heartbeat is older is gone: its calls and hubs ended with it.</summary>
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(30);

    private volatile bool _registered;

    /// <summary>This instance's id (new at each start: a restart ends its calls).</summary>
    public Guid InstanceId { get; } = Guid.CreateVersion7();

    /// <summary>Writes this instance's heartbeat (and URL), and removes instances whose heartbeat stopped.</summary>
    public async Task HeartbeatAsync(string url, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH beat AS (
                INSERT INTO media.instances (id, url, started_at, heartbeat_at) VALUES ($1, $2, now(), now())
                ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, heartbeat_at = now())
            DELETE FROM media.instances WHERE heartbeat_at < now() - $3 AND id <> $1
            """);
        command.Parameters.Add(new() { Value = InstanceId });
        command.Parameters.Add(new() { Value = url });
        command.Parameters.Add(new() { Value = DeadAfter });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _registered = true;
    }

    /// <summary>Whether this instance's row has been written (placements and claims need it).</summary>
    public bool Registered => _registered;

    /// <summary>
    /// Makes the stored placements and group bindings of this instance what it holds now: new
    /// calls and hubs are recorded, forgotten ones and groups no longer bound are removed.
    /// </summary>
    public async Task SyncAsync(IReadOnlyCollection<(Guid Id, bool IsHub)> current, IReadOnlyCollection<IPEndPoint> groups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(groups);
        await using var command = dataSource.CreateCommand(
            """
            WITH now_held AS (SELECT * FROM unnest($2::uuid[], $3::text[]) AS n(id, kind)),
            gone AS (DELETE FROM media.placements p WHERE p.instance_id = $1 AND p.id <> ALL ($2::uuid[])),
            unbound AS (
                DELETE FROM media.group_bindings g WHERE g.instance_id = $1
                AND NOT EXISTS (SELECT 1 FROM unnest($4::inet[], $5::int[]) AS b(address, port) WHERE b.address = g.address AND b.port = g.port))
            INSERT INTO media.placements (id, kind, instance_id) SELECT id, kind, $1 FROM now_held
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = InstanceId });
        command.Parameters.Add(new() { Value = current.Select(c => c.Id).ToArray() });
        command.Parameters.Add(new() { Value = current.Select(c => c.IsHub ? "hub" : "call").ToArray() });
        command.Parameters.Add(new() { Value = groups.Select(g => g.Address).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
        command.Parameters.Add(new() { Value = groups.Select(g => g.Port).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The URL of the live instance, other than this one, that holds the call or hub; null when none does.</summary>
    public async Task<string?> LocateAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT i.url FROM media.placements p JOIN media.instances i ON i.id = p.instance_id
            WHERE p.id = $1 AND i.id <> $2 AND i.heartbeat_at >= now() - $3
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = InstanceId });
        command.Parameters.Add(new() { Value = DeadAfter });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>
    /// Claims the group for <paramref name="hub"/> on this instance. Granted when no live instance
    /// holds it, or this one does (which of this instance's hubs may bind it is the switch's
    /// decision); otherwise the holder's hub and URL.
    /// </summary>
    public async Task<GroupClaim> ClaimGroupAsync(IPEndPoint group, Guid hub, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        await using var command = dataSource.CreateCommand(
            """
            WITH claimed AS (
                INSERT INTO media.group_bindings (address, port, hub_id, instance_id) VALUES ($1, $2, $3, $4)
                ON CONFLICT (address, port) DO NOTHING
                RETURNING hub_id, instance_id)
            SELECT hub_id, instance_id, NULL::text FROM claimed
            UNION ALL
            SELECT g.hub_id, g.instance_id, i.url FROM media.group_bindings g JOIN media.instances i ON i.id = g.instance_id
            WHERE g.address = $1 AND g.port = $2 AND NOT EXISTS (SELECT 1 FROM claimed)
            """);
        command.Parameters.Add(new() { Value = group.Address, NpgsqlDbType = NpgsqlDbType.Inet });
        command.Parameters.Add(new() { Value = group.Port });
        command.Parameters.Add(new() { Value = hub });
        command.Parameters.Add(new() { Value = InstanceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return new GroupClaim(false); // the holder changed between the insert and the read: the client tries again
        }

        var (holderHub, holder) = (reader.GetGuid(0), reader.GetGuid(1));
        return holder == InstanceId ? new GroupClaim(true) : new GroupClaim(false, holderHub, reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>Gives up this instance's claim on the group.</summary>
    public async Task ReleaseGroupAsync(IPEndPoint group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        await using var command = dataSource.CreateCommand("DELETE FROM media.group_bindings WHERE address = $1 AND port = $2 AND instance_id = $3");
        command.Parameters.Add(new() { Value = group.Address, NpgsqlDbType = NpgsqlDbType.Inet });
        command.Parameters.Add(new() { Value = group.Port });
        command.Parameters.Add(new() { Value = InstanceId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

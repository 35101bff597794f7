using System.Net;
using Npgsql;
using NpgsqlTypes;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Sap;

/// <summary>A row of <c>directory.sap_announcements</c>: what was last announced for a conference on a group.</summary>
public sealed record SapAnnouncementRecord(Guid ConferenceId, SapDestination Destination, string Sdp);

/// <summary>
/// What the announcer announced, kept in PostgreSQL (<c>directory.sap_announcements</c>), so that the next
/// announcer (after a restart or a failover) deletes what is gone, and every instance knows our own sessions.
/// </summary>
public sealed class SapAnnouncementStore(NpgsqlDataSource dataSource)
{
    private static readonly SdpParseOptions Lenient = SdpParseOptions.Lenient with { Validate = false };

    /// <summary>Every announcement recorded.</summary>
    public async Task<IReadOnlyList<SapAnnouncementRecord>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT conference_id, sap_group, ttl, sdp FROM directory.sap_announcements ORDER BY conference_id, sap_group");
        var found = new List<SapAnnouncementRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new SapAnnouncementRecord(reader.GetGuid(0), new SapDestination(reader.GetFieldValue<IPAddress>(1), (byte)reader.GetInt16(2)), reader.GetString(3)));
        }

        return found;
    }

    /// <summary>The session identities (o= without the version) of everything we announce, for telling our own sessions from others'.</summary>
    public async Task<IReadOnlySet<string>> IdentitiesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT identity FROM directory.sap_announcements");
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    /// <summary>Records what was just sent: an announcement replaces the row of its conference and group; a deletion removes it if it still holds the deleted version.</summary>
    public async Task RecordAsync(SapTransmission transmission, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        await using var command = transmission.IsDeletion
            ? dataSource.CreateCommand("DELETE FROM directory.sap_announcements WHERE conference_id = $1 AND sap_group = $2 AND sdp = $3")
            : dataSource.CreateCommand(
                """
                INSERT INTO directory.sap_announcements (conference_id, sap_group, sdp, ttl, identity, announced_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (conference_id, sap_group) DO UPDATE SET sdp = excluded.sdp, ttl = excluded.ttl, identity = excluded.identity, announced_at = excluded.announced_at
                """);
        command.Parameters.Add(new() { Value = transmission.Id });
        command.Parameters.Add(new() { Value = transmission.Destination.Group, NpgsqlDbType = NpgsqlDbType.Inet });
        command.Parameters.Add(new() { Value = transmission.Sdp });
        if (!transmission.IsDeletion)
        {
            command.Parameters.Add(new() { Value = (short)transmission.Destination.Ttl });
            command.Parameters.Add(new() { Value = IdentityOf(transmission.Sdp) });
            command.Parameters.Add(new() { Value = now.UtcDateTime });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string IdentityOf(string sdp) =>
        SdpParser.Parse(sdp, Lenient).Description is { } description ? SapSessionIdentity.Of(description.Origin) : SapSessionIdentity.OfOriginLine(sdp) ?? "";
}

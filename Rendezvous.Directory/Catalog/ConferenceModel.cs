using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>A multicast group to join: one c= address (with its TTL and count) of a media section.</summary>
public sealed record JoinGroup(string Address, int? Ttl, int? Count);

/// <summary>What a participant needs to join one media section: the groups and the port.</summary>
public sealed record JoinMedia(string Kind, string Proto, int Port, int? PortCount, ValueList<string> Formats, ValueList<JoinGroup> Groups)
{
    /// <summary>The effective connections of each media section: its own c= lines, or the session's.</summary>
    public static ValueList<JoinMedia> From(SessionDescription description) =>
        [.. description.Media.Select(m => new JoinMedia(m.Kind, m.Proto, m.Port, m.PortCount, [.. m.Formats],
            [.. (m.Connections.Count > 0 ? m.Connections.AsEnumerable() : description.Connection is { } c ? [c] : [])
                .Select(c => new JoinGroup(c.Address, c.Ttl, c.Count))]))];
}

/// <summary>A conference as the catalog stores it.</summary>
/// <param name="Sdp">The SDP text exactly as received (or as written after an edit).</param>
/// <param name="Bounds">First start to last stop; see <see cref="SdpSchedule.Bounds(SessionDescription)"/>.</param>
/// <param name="Version">The row version; every update raises it by one.</param>
public sealed record Conference(
    Guid Id,
    string Sdp,
    string Name,
    string? Information,
    string Originator,
    SdpAdvertisingScope AdvertisingScope,
    ValueList<JoinMedia> Join,
    SdpBounds Bounds,
    string Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    /// <summary>The multicast address leases the conference holds (handles of the address source).</summary>
    public IReadOnlyList<string> AddressLeases { get; init; } = [];
}

/// <summary>A conference to store: its document (text and parsed description) and how widely it is advertised.</summary>
/// <param name="AddressLeases">Leases taken for its "auto" connections; null keeps a stored conference's leases on update.</param>
public sealed record ConferenceDraft(SdpDocument Document, SdpAdvertisingScope AdvertisingScope, IReadOnlyList<string>? AddressLeases = null);

/// <summary>One occurrence in an "upcoming" listing. Start is null for a permanent session, Stop null when open-ended.</summary>
public sealed record UpcomingItem(
    Guid ConferenceId,
    string Name,
    string? Information,
    SdpAdvertisingScope AdvertisingScope,
    DateTimeOffset? Start,
    DateTimeOffset? Stop,
    ValueList<JoinMedia> Join)
{
    /// <summary>The occurrence's sequence number within its conference (the third part of the catalog's sort key).</summary>
    public int Seq { get; init; }

    /// <summary>Its position in the catalog's order (see <see cref="UpcomingCursor.Order"/>): permanent sessions sort first.</summary>
    public UpcomingCursor Key => new(Start?.UtcDateTime ?? DateTime.MinValue, ConferenceId, Seq);
}

/// <summary>A page of occurrences and the cursor for the next page (null at the end).</summary>
/// <param name="FromMemory">Whether the <see cref="UpcomingWindow"/> answered instead of PostgreSQL (telemetry only).</param>
public sealed record UpcomingPage(IReadOnlyList<UpcomingItem> Items, UpcomingCursor? Next, bool FromMemory = false);

/// <summary>A window of occurrences to list, in start order.</summary>
/// <param name="Text">Matches the name or the information (i=), case-insensitively.</param>
public sealed record UpcomingQuery(DateTimeOffset From, DateTimeOffset To, int Limit, UpcomingCursor? After = null, string? Text = null, SdpAdvertisingScope? Scope = null);

/// <summary>A conference that has not ended: its stored SDP, advertising scope and last stop (null when open-ended or permanent).</summary>
public sealed record CurrentConference(Guid Id, string Sdp, SdpAdvertisingScope AdvertisingScope, DateTimeOffset? Stop);

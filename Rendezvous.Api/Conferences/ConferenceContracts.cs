using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Conferences;

/// <summary>A conference described in JSON; the server writes its SDP.</summary>
/// <param name="Start">When it starts (UTC); omitted with <paramref name="Stop"/> for a permanent session.</param>
/// <param name="Stop">When it ends; omitted for an open-ended session.</param>
public sealed record ConferenceRequest(
    string? Name,
    string? Description,
    string? Url,
    SdpAdvertisingScope? AdvertisingScope,
    DateTimeOffset? Start,
    DateTimeOffset? Stop,
    IReadOnlyList<RepeatRequest>? Repeats,
    ConnectionRequest? Connection,
    IReadOnlyList<MediaRequest>? Media);

/// <summary>An r= line as typed times: "7d", "1h", "25h", or seconds.</summary>
public sealed record RepeatRequest(string? Interval, string? Duration, IReadOnlyList<string>? Offsets);

/// <summary>A multicast group, or "auto" to have one leased.</summary>
public sealed record ConnectionRequest(string? Address, int? Ttl, int? Count);

/// <summary>One media section. Codecs become formats and a=rtpmap lines.</summary>
public sealed record MediaRequest(string? Kind, int? Port, int? PortCount, string? Proto, IReadOnlyList<CodecRequest>? Codecs, ConnectionRequest? Connection);

/// <summary>An RTP payload: a static type such as 0 (PCMU), or a dynamic one (96-127) with its name and clock rate.</summary>
public sealed record CodecRequest(int? PayloadType, string? Name, int? ClockRate, int? Channels);

/// <summary>A conference as the API returns it.</summary>
/// <param name="Session">The parsed description, in the JSON shape of <see cref="SdpJson"/>.</param>
/// <param name="Sdp">The SDP text as stored.</param>
public sealed record ConferenceResponse(
    Guid Id,
    string Name,
    string? Information,
    string Originator,
    SdpAdvertisingScope AdvertisingScope,
    string Owner,
    long Version,
    BoundsResponse Bounds,
    OccurrenceResponse? NextOccurrence,
    ValueList<JoinMedia> Join,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Sdp,
    SdpJson.Description? Session,
    IReadOnlyList<DiagnosticResponse> Warnings);

/// <summary>Null start: permanent (always on). Null stop: open-ended. Both null with Empty: never on.</summary>
public sealed record BoundsResponse(DateTimeOffset? Start, DateTimeOffset? Stop, bool Empty);

public sealed record OccurrenceResponse(DateTimeOffset? Start, DateTimeOffset? Stop);

/// <summary>A problem in an SDP: its line (0 when not tied to one), byte offset when known, field and what was expected.</summary>
public sealed record DiagnosticResponse(string Severity, int Line, int? Byte, string Field, string Message, string? Expected)
{
    public static DiagnosticResponse From(SdpDiagnostic d) =>
        new(d.Severity == SdpSeverity.Error ? "error" : "warning", d.Line, d.Offset, d.Field, d.Message, d.Expected);
}

/// <summary>One occurrence in the upcoming list: of a catalog conference, or (with <c>source=sap</c> or <c>all</c>) of a session heard over SAP.</summary>
/// <param name="ConferenceId">The catalog conference; null for a SAP session.</param>
/// <param name="AdvertisingScope">The conference's; null for a SAP session (SAP carries none).</param>
/// <param name="Start">Null for a permanent session.</param>
/// <param name="Stop">Null when open-ended.</param>
/// <param name="Sdp">Where to download the SDP to join.</param>
public sealed record UpcomingItemResponse(
    Guid? ConferenceId,
    string Name,
    string? Information,
    SdpAdvertisingScope? AdvertisingScope,
    DateTimeOffset? Start,
    DateTimeOffset? Stop,
    bool Permanent,
    ValueList<JoinMedia> Join,
    string Sdp)
{
    /// <summary>Where it comes from: <c>catalog</c> or <c>sap</c>.</summary>
    public string Source { get; init; } = "catalog";

    /// <summary>The SAP session's id (see <c>/api/sap/sessions</c>); absent for a catalog conference.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SapSessionId { get; init; }
}

public sealed record UpcomingResponse(IReadOnlyList<UpcomingItemResponse> Items, string? Next);

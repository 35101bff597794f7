using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Conferences;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sap;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Sap;

/// <summary>/api/sap: the sessions the SAP listener heard, their SDP, and what the announcer and listener are doing.</summary>
internal static class SapApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    public static IEndpointRouteBuilder MapSapApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/sap").WithTags("SAP").RequireAuthorization(RendezvousPolicies.Reader);
        group.MapGet("/", Status)
            .WithName("SapStatus")
            .WithSummary("The SAP announcer (whether this instance announces, how much, what it skips) and listener (groups joined, sessions held), and their counters.");
        group.MapGet("/sessions", SessionsAsync)
            .WithName("ListSapSessions")
            .WithSummary("The sessions other announcers announce over SAP (RFC 2974), most recently heard first; ours (the catalog's) only with includeOwn=true.");
        group.MapGet("/sessions/{id}", GetAsync)
            .WithName("GetSapSession")
            .WithSummary("One heard session as JSON, or its SDP with Accept: application/sdp.");
        group.MapGet("/sessions/{id}.sdp", GetSdp)
            .WithName("GetSapSessionSdp")
            .WithSummary("A heard session's SDP, for VLC, ffplay and other players.");
        return endpoints;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<SapStatusResponse> Status(SapService service, SapSessionCache cache, SapStats stats, IOptions<SapOptions> options)
    {
        var settings = options.Value;
        var announcer = service.Announcer;
        return TypedResults.Ok(new SapStatusResponse(
            new SapAnnouncerResponse(settings.Announce, announcer?.Leader ?? false, announcer?.LeaderSince, announcer?.Announced ?? 0,
                announcer?.Skipped ?? new Dictionary<string, int>(), [.. service.Origins.Select(o => o.ToString())], announcer?.LastFailureAt, announcer?.LastError),
            new SapListenerResponse(settings.Listen, service.Listener.Listening, service.Listener.Groups, service.Listener.Problems, cache.Count, cache.MaxSessions),
            stats.Snapshot()));
    }

    private static async Task<IResult> SessionsAsync(HttpContext http, SapService service, SapSessionCache cache, SapAnnouncementStore store, IOptions<SapOptions> options, CancellationToken cancellationToken)
    {
        var includeOwn = string.Equals(http.Request.Query["includeOwn"], "true", StringComparison.OrdinalIgnoreCase);
        if (!includeOwn && !string.IsNullOrEmpty(http.Request.Query["includeOwn"]) && !string.Equals(http.Request.Query["includeOwn"], "false", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.BadParameter("includeOwn", "must be true or false");
        }

        var own = await store.IdentitiesAsync(cancellationToken).ConfigureAwait(false);
        var items = cache.Sessions()
            .Select(s => (Session: s, Own: own.Contains(s.Identity)))
            .Where(s => includeOwn || !s.Own)
            .Select(s => SapSessionResponse.From(s.Session, s.Own))
            .ToList();
        return TypedResults.Ok(new SapSessionsResponse(options.Value.Listen, service.Listener.Listening, items));
    }

    private static async Task<IResult> GetAsync(HttpContext http, string id, SapSessionCache cache, SapAnnouncementStore store, CancellationToken cancellationToken)
    {
        if (cache.Find(id) is not { } session)
        {
            return NotFound(id);
        }

        if (ConferencesApi.WantsSdp(http.Request))
        {
            return Sdp(session);
        }

        var own = await store.IdentitiesAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(SapSessionResponse.From(session, own.Contains(session.Identity)));
    }

    private static IResult GetSdp(string id, SapSessionCache cache) => cache.Find(id) is { } session ? Sdp(session) : NotFound(id);

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Sdp(SapSession session) => TypedResults.Text(session.Sdp, ConferencesApi.SdpMediaType, System.Text.Encoding.UTF8);

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        title: "No such SAP session.",
        detail: $"No session with id '{id}' has been heard, or it timed out or was deleted. Ids are <origin>-<hash> as GET /api/sap/sessions lists them.",
        statusCode: StatusCodes.Status404NotFound,
        type: TypeBase + "not-found",
        extensions: new Dictionary<string, object?> { ["field"] = "id" });
}

/// <summary>GET /api/sap.</summary>
public sealed record SapStatusResponse(SapAnnouncerResponse Announcer, SapListenerResponse Listener, SapStatsSnapshot Counters);

/// <param name="Enabled">Rendezvous:Sap:Announce.</param>
/// <param name="Leader">Whether this instance holds the announcer lock (one instance announces at a time).</param>
/// <param name="Origins">The originating sources of our packets (the interfaces sent on).</param>
public sealed record SapAnnouncerResponse(bool Enabled, bool Leader, DateTimeOffset? LeaderSince, int Announced, IReadOnlyDictionary<string, int> Skipped, IReadOnlyList<string> Origins, DateTimeOffset? LastFailureAt, string? LastError);

/// <param name="Enabled">Rendezvous:Sap:Listen.</param>
public sealed record SapListenerResponse(bool Enabled, bool Listening, IReadOnlyList<string> Groups, IReadOnlyList<string> Problems, int Sessions, int MaxSessions);

/// <summary>GET /api/sap/sessions.</summary>
public sealed record SapSessionsResponse(bool Enabled, bool Listening, IReadOnlyList<SapSessionResponse> Items);

/// <summary>A heard session.</summary>
/// <param name="Id">Its (origin, hash) as <c>origin-hash</c>.</param>
/// <param name="Source">Where its last packet came from (address:port).</param>
/// <param name="Group">The SAP group it was heard on.</param>
/// <param name="Own">Whether it is one of ours: a catalog conference that Rendezvous announces (its o= identity).</param>
/// <param name="ExpiresAt">When it is forgotten unless heard again (RFC 2974 section 4).</param>
/// <param name="Warnings">What the lenient parser forgave in its SDP.</param>
public sealed record SapSessionResponse(
    string Id,
    string Origin,
    string MessageIdHash,
    string Source,
    string? Group,
    bool Own,
    string Name,
    string? Information,
    DateTimeOffset FirstHeard,
    DateTimeOffset LastHeard,
    long Announcements,
    double? PeriodSeconds,
    DateTimeOffset ExpiresAt,
    ValueList<JoinMedia> Join,
    string SdpUrl,
    string Sdp,
    SdpJson.Description Session,
    IReadOnlyList<DiagnosticResponse> Warnings)
{
    public static SapSessionResponse From(SapSession s, bool own) => new(
        s.Id, s.Origin.ToString(), s.MessageIdHash.ToString("x4", System.Globalization.CultureInfo.InvariantCulture), s.Source.ToString(), s.Group?.ToString(), own,
        s.Description.Name, s.Description.Information, s.FirstHeard, s.LastHeard, s.Announcements, s.Period?.TotalSeconds, s.ExpiresAt,
        JoinMedia.From(s.Description), $"/api/sap/sessions/{s.Id}.sdp", s.Sdp, SdpJson.From(s.Description),
        [.. s.Warnings.Select(DiagnosticResponse.From)]);
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Sap;
using Rendezvous.Api.Telemetry;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;


namespace Rendezvous.Api.Conferences;

/// <summary>/api/conferences: create, read, replace and delete conferences, and list what is upcoming.</summary>
internal static class ConferencesApi
{
    public const string SdpMediaType = "application/sdp";
    public const string CalendarMediaType = "text/calendar";
    public const string WritesRateLimit = "writes";

    public static IEndpointRouteBuilder MapConferencesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/conferences").WithTags("Conferences");

        group.MapGet("/upcoming", UpcomingAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListUpcoming")
            .WithSummary("Occurrences of conferences in a window, sorted by start, with the groups and ports to join; with Accept: text/calendar, the window as an iCalendar feed.");
        group.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("GetConference")
            .WithSummary("A conference as JSON, or its SDP exactly as stored with Accept: application/sdp.");
        group.MapGet("/{id:guid}.sdp", GetSdpAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("GetConferenceSdp")
            .WithSummary("The conference's SDP, for VLC, ffplay and other players.");
        group.MapPost("/", CreateAsync)
            .RequireAuthorization(RendezvousPolicies.Writer)
            .RequireRateLimiting(WritesRateLimit)
            .WithName("CreateConference")
            .WithSummary("Creates a conference from SDP (application/sdp) or from JSON (the server writes the SDP).");
        group.MapPut("/{id:guid}", ReplaceAsync)
            .RequireAuthorization(RendezvousPolicies.Writer)
            .RequireRateLimiting(WritesRateLimit)
            .WithName("ReplaceConference")
            .WithSummary("Replaces a conference; needs If-Match with its current ETag. The o= session version goes up by one.");
        group.MapDelete("/{id:guid}", DeleteAsync)
            .RequireAuthorization(RendezvousPolicies.Writer)
            .RequireRateLimiting(WritesRateLimit)
            .WithName("DeleteConference")
            .WithSummary("Deletes a conference (its owner or an administrator). If-Match is honoured when sent.");
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ConferenceCatalog catalog, ConferenceDrafts drafts, TimeProvider time, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(http.User)!;
        var result = await ReadDraftAsync(http, drafts, caller, limits.Value, cancellationToken).ConfigureAwait(false);
        if (result.Draft is not { } draft)
        {
            return result.Problem!;
        }

        Conference conference;
        try
        {
            conference = await catalog.CreateAsync(Guid.CreateVersion7(time.GetUtcNow()), draft, caller.Subject, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Leases taken for "auto" would otherwise be held by nobody until they end.
            await drafts.ReleaseAsync(draft.AddressLeases ?? [], CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        http.Response.Headers.ETag = ETag(conference.Version);
        var body = await ResponseAsync(conference, catalog, time, result.Warnings, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/conferences/{conference.Id}", body);
    }

    private static async Task<IResult> GetAsync(HttpContext http, Guid id, ConferenceCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } conference)
        {
            return Problems.NotFound(id);
        }

        http.Response.Headers.ETag = ETag(conference.Version);
        return WantsSdp(http.Request)
            ? Sdp(conference)
            : TypedResults.Ok(await ResponseAsync(conference, catalog, time, [], cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> GetSdpAsync(HttpContext http, Guid id, ConferenceCatalog catalog, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } conference)
        {
            return Problems.NotFound(id);
        }

        http.Response.Headers.ETag = ETag(conference.Version);
        return Sdp(conference);
    }

    private static async Task<IResult> ReplaceAsync(HttpContext http, Guid id, ConferenceCatalog catalog, ConferenceDrafts drafts, TimeProvider time, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(http.User)!;
        if (!TryIfMatch(http.Request, out var expected))
        {
            return Problems.PreconditionRequired();
        }

        if (await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return Problems.NotFound(id);
        }

        if (existing.Owner != caller.Subject && !caller.IsAdmin)
        {
            return Problems.NotOwner(id);
        }

        if (expected is { } version && version != existing.Version)
        {
            return Problems.PreconditionFailed(existing.Version);
        }

        var result = await ReadDraftAsync(http, drafts, caller, limits.Value, cancellationToken).ConfigureAwait(false);
        if (result.Draft is not { } draft)
        {
            return result.Problem!;
        }

        var write = await catalog.UpdateAsync(id, existing.Version, NextVersionOf(existing, draft), cancellationToken).ConfigureAwait(false);
        switch (write.Status)
        {
            case CatalogWriteStatus.NotFound:
                await drafts.ReleaseAsync(draft.AddressLeases ?? [], CancellationToken.None).ConfigureAwait(false);
                return Problems.NotFound(id);
            case CatalogWriteStatus.VersionConflict:
                await drafts.ReleaseAsync(draft.AddressLeases ?? [], CancellationToken.None).ConfigureAwait(false);
                var current = await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false);
                return current is null ? Problems.NotFound(id) : Problems.PreconditionFailed(current.Version);
        }

        if (draft.AddressLeases is not null)
        {
            // New "auto" addresses replaced the old ones.
            await drafts.ReleaseAsync(existing.AddressLeases, CancellationToken.None).ConfigureAwait(false);
        }
        else if (existing.AddressLeases.Count > 0 && write.Conference!.Bounds.Stop != existing.Bounds.Stop)
        {
            // The same addresses for a longer (or open) conference: the leases must last as long.
            var renewed = await drafts.RenewAsync(existing.AddressLeases, write.Conference.Bounds.Stop, cancellationToken).ConfigureAwait(false);
            await catalog.SetAddressLeasesAsync(id, renewed, cancellationToken).ConfigureAwait(false);
        }

        http.Response.Headers.ETag = ETag(write.Conference!.Version);
        return TypedResults.Ok(await ResponseAsync(write.Conference, catalog, time, result.Warnings, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, Guid id, ConferenceCatalog catalog, ConferenceDrafts drafts, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(http.User)!;
        TryIfMatch(http.Request, out var expected);
        if (await catalog.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return Problems.NotFound(id);
        }

        if (existing.Owner != caller.Subject && !caller.IsAdmin)
        {
            return Problems.NotOwner(id);
        }

        var deleted = await catalog.DeleteAsync(id, expected, cancellationToken).ConfigureAwait(false);
        if (deleted == CatalogWriteStatus.Done)
        {
            await drafts.ReleaseAsync(existing.AddressLeases, CancellationToken.None).ConfigureAwait(false);
        }

        return deleted switch
        {
            CatalogWriteStatus.Done => TypedResults.NoContent(),
            CatalogWriteStatus.NotFound => Problems.NotFound(id),
            _ => Problems.PreconditionFailed(existing.Version),
        };
    }

    private static async Task<IResult> UpcomingAsync(HttpContext http, ConferenceCatalog catalog, TimeProvider time, IOptions<CatalogOptions> options, ApiMetrics metrics, SapUpcomingSessions sap, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!UpcomingRequest.TryParse(http.Request.Query, time.GetUtcNow(), options.Value, out var query, out var problem))
        {
            return problem;
        }

        if (!SapUpcoming.TryParseSource(http.Request.Query["source"], out var source))
        {
            return Problems.BadParameter("source", "must be catalog, sap or all");
        }

        if (Accepts(http.Request, CalendarMediaType))
        {
            return source == UpcomingSource.Catalog
                ? await CalendarAsync(query, catalog, time, options.Value, cancellationToken).ConfigureAwait(false)
                : Problems.BadParameter("source", "the iCalendar feed lists catalog conferences only");
        }

        var items = new List<(UpcomingCursor Key, UpcomingItemResponse Item)>();
        var more = false;
        string? catalogNext = null;
        var answeredBy = "sap";
        if (source != UpcomingSource.Sap)
        {
            var page = await catalog.UpcomingAsync(query, cancellationToken).ConfigureAwait(false);
            metrics.UpcomingAnswered(page.FromMemory);
            answeredBy = page.FromMemory ? "memory" : "database";
            more = page.Next is not null;
            catalogNext = page.Next?.Encode();
            items.AddRange(page.Items.Select(i => (i.Key, new UpcomingItemResponse(i.ConferenceId, i.Name, i.Information, i.AdvertisingScope, i.Start, i.Stop,
                i.Start is null && i.Stop is null, i.Join, $"/api/conferences/{i.ConferenceId}.sdp"))));
        }

        if (source != UpcomingSource.Catalog)
        {
            // One more than a page: the catalog's first page and these hold every item of the merged page.
            items.AddRange(await sap.OccurrencesAsync(query, query.Limit + 1, cancellationToken).ConfigureAwait(false));
            items.Sort((a, b) => UpcomingCursor.Order.Compare(a.Key, b.Key));
        }

        more |= items.Count > query.Limit;
        var shown = items.Count > query.Limit ? items[..query.Limit] : items;
        var next = source == UpcomingSource.Catalog ? catalogNext : more && shown.Count > 0 ? shown[^1].Key.Encode() : null;
        var response = new UpcomingResponse([.. shown.Select(i => i.Item)], next);

        // The handler's own time (query and mapping, not the JSON writing), for the load benchmark
        // (bench/README.md), and what answered: the in-memory window or PostgreSQL (or only the SAP cache).
        http.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
            $"app;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.###};desc={answeredBy}");
        return TypedResults.Ok(response);
    }

    /// <summary>
    /// The same window as an iCalendar feed (RFC 5545), so that a calendar program can
    /// subscribe: one VEVENT per conference where its repeat maps onto RRULE, otherwise one
    /// per occurrence (see <see cref="CalendarFeed"/>).
    /// </summary>
    private static async Task<IResult> CalendarAsync(UpcomingQuery query, ConferenceCatalog catalog, TimeProvider time, CatalogOptions options, CancellationToken cancellationToken)
    {
        var conferences = await catalog.InWindowAsync(query, options.MaxCalendarConferences, cancellationToken).ConfigureAwait(false);
        var events = conferences.Select(c =>
        {
            var session = StoredSdp.Read(c.Sdp);
            var location = string.Join("; ", c.Join.Select(m => $"{m.Kind} {string.Join(" ", m.Groups.Select(g => g.Address))} port {m.Port}"));
            return new CalendarConference(c.Id, c.Name, c.Information, session?.Uri, session is null ? [] : [.. session.Times], location, c.UpdatedAt, c.Version);
        });
        var feed = CalendarFeed.Write(events, query.From, query.To, time.GetUtcNow());
        return TypedResults.Text(feed, CalendarMediaType, System.Text.Encoding.UTF8);
    }

    /// <summary>
    /// The draft with the stored session's identity: the o= session id stays, and the version
    /// is one more than the stored one (RFC 8866 section 5.2). A body that already says so is
    /// kept byte-exact; otherwise the SDP is rewritten with the right numbers.
    /// </summary>
    private static ConferenceDraft NextVersionOf(Conference existing, ConferenceDraft draft)
    {
        var stored = StoredSdp.Read(existing.Sdp)!.Origin;
        var next = SdpNumbers.Increment(stored.SessionVersion);
        var origin = draft.Document.Description.Origin;
        if (origin.SessionId == stored.SessionId && origin.SessionVersion == next)
        {
            return draft;
        }

        var renumbered = draft.Document.Description with { Origin = origin with { SessionId = stored.SessionId, SessionVersion = next } };
        return draft with { Document = SdpDocument.FromDescription(renumbered) };
    }

    private static async Task<DraftResult> ReadDraftAsync(HttpContext http, ConferenceDrafts drafts, CallerIdentity caller, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var request = http.Request;
        var isSdp = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) && parsed.MediaType.Equals(SdpMediaType, StringComparison.OrdinalIgnoreCase);
        var isJson = RequestBodies.IsJson(request);
        if (!isSdp && !isJson)
        {
            return DraftResult.Failed(Problems.UnsupportedMediaType(request.ContentType));
        }

        var body = await RequestBodies.ReadLimitedAsync(request, limits.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return DraftResult.Failed(Problems.TooLarge(limits.MaxBodyBytes));
        }

        if (isSdp)
        {
            if (!TryScope(request.Query["scope"], out var scope))
            {
                return DraftResult.Failed(Problems.BadParameter("scope", "must be local, site, region or world"));
            }

            var lenient = string.Equals(request.Query["mode"], "lenient", StringComparison.OrdinalIgnoreCase);
            return ConferenceDrafts.FromSdp(body, lenient, scope);
        }

        return RequestBodies.ParseJson<ConferenceRequest>(http, body, out var problem) is { } conference
            ? await drafts.FromJsonAsync(conference, caller, cancellationToken).ConfigureAwait(false)
            : DraftResult.Failed(problem!);
    }

    private static async Task<ConferenceResponse> ResponseAsync(Conference c, ConferenceCatalog catalog, TimeProvider time, IReadOnlyList<SdpDiagnostic> warnings, CancellationToken cancellationToken)
    {
        var session = StoredSdp.Read(c.Sdp);
        var next = await catalog.NextOccurrenceAsync(c.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new ConferenceResponse(
            c.Id, c.Name, c.Information, c.Originator, c.AdvertisingScope, c.Owner, c.Version,
            new BoundsResponse(c.Bounds.Start, c.Bounds.Stop, c.Bounds.IsEmpty),
            next is { } n ? new OccurrenceResponse(n.Start, n.Stop) : null,
            c.Join, c.CreatedAt, c.UpdatedAt, c.Sdp,
            session is null ? null : SdpJson.From(session),
            [.. warnings.Select(DiagnosticResponse.From)]);
    }

    /// <summary>The stored SDP, byte-exact: it was received as UTF-8 and is sent back as UTF-8.</summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Sdp(Conference conference) =>
        TypedResults.Text(conference.Sdp, SdpMediaType, System.Text.Encoding.UTF8);

    /// <summary>The quality the Accept header gives <paramref name="mediaType"/> (0 when not listed).</summary>
    private static double Quality(HttpRequest request, string mediaType) =>
        request.GetTypedHeaders().Accept.Where(a => a.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();

    private static bool Accepts(HttpRequest request, string mediaType) => Quality(request, mediaType) > 0;

    internal static bool WantsSdp(HttpRequest request) =>
        Quality(request, SdpMediaType) is > 0 and var sdp && sdp >= Quality(request, "application/json");

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// Reads If-Match. False when it is absent. A version when it names one; null for "*"
    /// (any current version, RFC 9110 section 13.1.1). A weak or unreadable tag matches no version.
    /// </summary>
    private static bool TryIfMatch(HttpRequest request, out long? version)
    {
        version = null;
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        if (header.Trim() == "*")
        {
            return true;
        }

        var first = header.Split(',')[0].Trim();
        version = first.Length > 2 && first[0] == '"' && first[^1] == '"' && long.TryParse(first.AsSpan(1, first.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        return true;
    }

    internal static bool TryScope(string? text, out SdpAdvertisingScope? scope)
    {
        scope = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (Enum.TryParse<SdpAdvertisingScope>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(text[0]))
        {
            scope = parsed;
            return true;
        }

        return false;
    }

}

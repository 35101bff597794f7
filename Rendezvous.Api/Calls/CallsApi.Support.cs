using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Conferences;
using Rendezvous.Api.Configuration;
using Rendezvous.Directory.Sdp;
using Rendezvous.Media;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Relay;

namespace Rendezvous.Api.Calls;

/// <summary>GET /api/media/stats: the mixer's ticks since the start (by duration, and by how late they started), and the jitter buffers now.</summary>
internal sealed record MediaStatsResponse(MixerTicks MixerTicks, MixerTicks MixerTickLateness, JitterBufferDepths JitterBuffers);

/// <summary>A call as the API shows it.</summary>
internal sealed record CallResponse(
    Guid Id, CallState State, Guid? Peer, Guid? Hub, Guid? ConsultationOf, CallMedia Media,
    int? LocalPort, string? Remote, string? Codec, RtpLegCounters? Counters, RtpLegStatistics? Statistics, JitterBufferState? JitterBuffer)
{
    /// <summary>Our SDP for the call (on creation): the port and codec the party sends to.</summary>
    public string? Sdp { get; init; }

    public static CallResponse From(CallInfo call, MediaSwitch media)
    {
        var leg = media.Leg(call.Id);
        return new(call.Id, call.State, call.Peer, call.Hub, call.ConsultationOf, call.Media,
            leg?.LocalPort, leg?.Remote?.ToString(), leg?.Codec.EncodingName, leg?.Counters, leg?.Quality(), media.JitterBuffer(call.Id));
    }
}

internal sealed record PeerRequest(Guid Peer);

internal sealed record MemberRequest(Guid Call, bool? ListenOnly);

internal sealed record TransferRequest(Guid Consultation, bool AsConference);

internal sealed record CallRequest(string? Remote, string? Codec, int? TelephoneEvent, string? Source);

/// <summary>A new conference (or a new consultation for one) and its consultation call, with the SDP the consulted party sends to.</summary>
internal sealed record ConferenceSetupResponse(CallHubInfo Hub, CallResponse? ConsultationCall);

internal static partial class CallsApi
{
    /// <summary>
    /// Checks that the calls and hubs exist (404) and belong to the caller or the caller is an
    /// administrator (403), runs the operation so media follows, answers a refusal with 409 and
    /// the current states, and makes the caller the owner of what the operation created.
    /// </summary>
    private static IResult Operate<T>(HttpContext http, MediaSwitch media, CallOwners owners, Guid[] calls, Guid[] hubs,
        Func<Switchboard, CallOutcome<T>> operation, Func<T, IResult> ok) =>
        Operate(http, media, owners, calls, hubs, () => media.Apply(operation), ok);

    /// <summary>404 when one of the calls or hubs does not exist, 403 when the caller is neither its owner nor an administrator; null when the caller may go on.</summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Refusal(HttpContext http, MediaSwitch media, CallOwners owners, Guid[] calls, Guid[] hubs)
    {
        var caller = CallerIdentity.From(http.User)!;
        foreach (var (id, kind, exists) in calls.Select(c => (c, "call", media.Board.Call(c) is not null)).Concat(hubs.Select(h => (h, "call hub", media.Board.Hub(h) is not null))))
        {
            if (!exists)
            {
                return NotFound(kind, id);
            }

            if (!caller.IsAdmin && owners.Of(id) != caller.Subject)
            {
                return TypedResults.Problem(title: "Forbidden.", detail: $"Only the owner of {kind} {id} or an administrator may act on it.",
                    statusCode: StatusCodes.Status403Forbidden, type: TypeBase + "not-owner");
            }
        }

        return null;
    }

    /// <summary>
    /// An endpoint filter: a call or hub this instance does not hold, which another live instance
    /// does, is answered 307 with that instance's URL and the same path and query, so that a client
    /// may start at any instance. Media cannot span instances, so nothing is forwarded.
    /// </summary>
    public static async ValueTask<object?> SendToOwningInstanceAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (http.Request.RouteValues.TryGetValue("id", out var value) && Guid.TryParse(value?.ToString(), out var id))
        {
            var media = http.RequestServices.GetRequiredService<MediaSwitch>();
            var placements = http.RequestServices.GetRequiredService<MediaPlacements>();
            if (media.Board.Call(id) is null && media.Board.Hub(id) is null)
            {
                string? url = null;
                try
                {
                    url = await placements.LocateAsync(id, http.RequestAborted).ConfigureAwait(false);
                }
                catch (Npgsql.NpgsqlException)
                {
                    // PostgreSQL is down: answer from what this instance knows (404).
                }

                if (url is not null)
                {
                    http.Response.Headers.Location = url + http.Request.PathBase + http.Request.Path + http.Request.QueryString;
                    return TypedResults.Problem(title: "This call or call hub is on another instance.", detail: $"{id} is held by the instance at {url}; send the request there.",
                        statusCode: StatusCodes.Status307TemporaryRedirect, type: TypeBase + "on-another-instance", extensions: new Dictionary<string, object?> { ["instance"] = url });
                }
            }
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>As above, for an operation of the switch itself (dialling reconfigures the leg as well).</summary>
    private static IResult Operate<T>(HttpContext http, MediaSwitch media, CallOwners owners, Guid[] calls, Guid[] hubs,
        Func<CallOutcome<T>> run, Func<T, IResult> ok)
    {
        if (Refusal(http, media, owners, calls, hubs) is { } refused)
        {
            return refused;
        }

        var outcome = run();
        if (outcome.Conflict is { } conflict)
        {
            if (conflict.NotFound)
            {
                return TypedResults.Problem(title: "Not found.", detail: conflict.Reason, statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");
            }

            return TypedResults.Problem(title: $"{conflict.Operation} is not possible now.", detail: conflict.Reason, statusCode: StatusCodes.Status409Conflict,
                type: TypeBase + "call-state", extensions: new Dictionary<string, object?> { ["operation"] = conflict.Operation, ["currentStates"] = conflict.CurrentStates });
        }

        var caller = CallerIdentity.From(http.User)!;
        foreach (var e in outcome.Events)
        {
            switch (e)
            {
                case CallCreated created:
                    owners.Set(created.Call, caller.Subject);
                    break;
                case CallHubStateChanged { From: null } hub:
                    owners.Set(hub.Hub, caller.Subject);
                    break;
                default:
                    break;
            }
        }

        return ok(outcome.Value!);
    }

    private static async Task<IResult> WithBodyAsync<T>(HttpContext http, IOptions<LimitsOptions> limits, Func<T, IResult> then, CancellationToken cancellationToken)
        where T : class
    {
        var (body, problem) = await RequestBodies.ReadJsonAsync<T>(http, limits.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        return body is null ? problem! : then(body);
    }

    /// <summary>An SDP offer (application/sdp) or JSON {remote, codec, telephoneEvent, source}; a JSON body without remote gives no offer.</summary>
    private static async Task<(MediaOffer? Offer, bool FromSdp, IResult? Problem)> ReadOfferAsync(HttpContext http, LimitsOptions limits, CancellationToken cancellationToken)
    {
        var contentType = http.Request.ContentType;
        if (contentType is not null && contentType.StartsWith(ConferencesApi.SdpMediaType, StringComparison.OrdinalIgnoreCase))
        {
            var bytes = await RequestBodies.ReadLimitedAsync(http.Request, limits.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
            if (bytes is null)
            {
                return (null, true, Problems.TooLarge(limits.MaxBodyBytes));
            }

            // Offers come from real phones and tools: read leniently, as RFC 3264 peers expect.
            var parsed = SdpParser.Parse(bytes, SdpParseOptions.Lenient);
            if (parsed.Description is not { } description)
            {
                return (null, true, Problems.InvalidSdp(parsed.Diagnostics));
            }

            var offer = SdpOfferAnswer.Read(description, out var error);
            return offer is null
                ? (null, true, TypedResults.Problem(title: "The offer cannot be answered.", detail: error, statusCode: StatusCodes.Status400BadRequest, type: TypeBase + "unanswerable-offer"))
                : (offer, true, null);
        }

        if (http.Request.ContentLength is null or 0 && contentType is null)
        {
            return (null, false, null);
        }

        if (!RequestBodies.IsJson(http.Request))
        {
            return (null, false, Problems.UnsupportedMediaType(contentType));
        }

        var (body, problem) = await RequestBodies.ReadJsonAsync<CallRequest>(http, limits.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return (null, false, problem);
        }

        var errors = new Dictionary<string, string[]>();
        AudioCodec codec = AudioCodec.Pcmu;
        if (body.Codec is { } name && !TryCodec(name, out codec))
        {
            errors["codec"] = ["must be PCMU or PCMA"];
        }

        IPEndPoint? remote = null;
        if (body.Remote is { } text && (!IPEndPoint.TryParse(text, out remote) || remote.Port == 0))
        {
            errors["remote"] = ["must be ip:port with a port from 1 to 65535"];
        }

        IPEndPoint? source = null;
        if (body.Source is { } from && (!IPEndPoint.TryParse(from, out source) || source.Port == 0))
        {
            errors["source"] = ["must be ip:port with a port from 1 to 65535"];
        }

        if (body.TelephoneEvent is { } te && te is < 96 or > 127)
        {
            errors["telephoneEvent"] = ["must be a dynamic payload type, 96 to 127"];
        }

        if (errors.Count > 0)
        {
            return (null, false, TypedResults.ValidationProblem(errors, title: "The call is not valid.", type: TypeBase + "invalid-call"));
        }

        return (remote is null ? null : new MediaOffer(remote, codec, (byte?)body.TelephoneEvent, source), false, null);
    }

    private static bool TryCodec(string name, out AudioCodec codec)
    {
        codec = name.ToUpperInvariant() switch { "PCMU" => AudioCodec.Pcmu, "PCMA" => AudioCodec.Pcma, _ => null! };
        return codec is not null;
    }

    private static Guid[] HubOf(MediaSwitch media, Guid call) => media.Board.Call(call)?.Hub is { } hub ? [hub] : [];

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<CallResponse> Ok(MediaSwitch media, Guid call) => TypedResults.Ok(CallResponse.From(media.Board.Call(call)!, media));

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<HubResponse> Hub(MediaSwitch media, Guid hub) => TypedResults.Ok(HubResponse.From(media.Board.Hub(hub)!, media));

    private static Microsoft.AspNetCore.Http.HttpResults.Created<ConferenceSetupResponse> Created(MediaSwitch media, Rendezvous.Media.Calls.ConferenceSetup setup)
    {
        var consultation = setup.ConsultationCall is { } c ? CallResponse.From(media.Board.Call(c)!, media) : null;
        return TypedResults.Created($"/api/call-hubs/{setup.Hub}", new ConferenceSetupResponse(media.Board.Hub(setup.Hub)!, consultation));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string kind, Guid id) => TypedResults.Problem(
        title: "Not found.", detail: $"There is no {kind} {id}.", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");
}

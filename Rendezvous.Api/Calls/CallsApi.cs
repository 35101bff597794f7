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

/// <summary>
/// /api/calls and /api/call-hubs: the switch-based basic conference driven over REST. Every
/// write needs a caller; a call belongs to whoever created it (consultation calls to whoever
/// set them up), a hub to its initiator's owner, and only the owner or an administrator may
/// act on them. A transition the call model refuses is answered 409 with the current states.
/// </summary>
internal static partial class CallsApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    public static IEndpointRouteBuilder MapCallsApi(this IEndpointRouteBuilder endpoints)
    {
        var calls = endpoints.MapGroup("/api/calls").WithTags("Calls").AddEndpointFilter(SendToOwningInstanceAsync);
        endpoints.MapGet("/api/media/stats", (MediaMetrics metrics) => TypedResults.Ok(new MediaStatsResponse(metrics.Ticks(), metrics.LateTicks(), metrics.JitterBuffers())))
            .RequireAuthorization(RendezvousPolicies.Reader).WithTags("Calls").WithName("MediaStats")
            .WithSummary("This instance's media: every 20 ms mixer tick since the start, counted by duration and by how late it started (the buckets of rendezvous.mixer.tick.duration and .lateness), and the mixed legs' jitter buffer depths now.");
        calls.MapGet("/", (MediaSwitch media) => TypedResults.Ok(media.Board.Current().Calls.Select(c => CallResponse.From(c, media)).ToList()))
            .RequireAuthorization(RendezvousPolicies.Reader).WithName("ListCalls").WithSummary("Every call that is not idle.");
        calls.MapGet("/{id:guid}", GetCall)
            .RequireAuthorization(RendezvousPolicies.Reader).WithName("GetCall").WithSummary("A call: its state, peer, hub, media flags, port and counters; with Accept: application/sdp, our SDP for it.");
        calls.MapPost("/", CreateCallAsync)
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("CreateCall")
            .WithSummary("Creates a call (a leg): from an SDP offer (application/sdp; answered with our SDP) or from JSON {remote: \"ip:port\", codec: \"PCMU\"|\"PCMA\", telephoneEvent, source: \"ip:port\" when the party sends from elsewhere}.");
        calls.MapPost("/{id:guid}/dial", DialAsync)
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("DialCall").WithSummary("Gives a call in dial tone (a consultation call) its remote party: SDP offer or JSON, as for creating one.");
        calls.MapDelete("/{id:guid}", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) => Operate(http, media, owners, [id], [], b => b.Drop(id), _ => TypedResults.NoContent()))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("DropCall").WithSummary("lineDrop: the call goes idle; its two-party call, conference or consultation is repaired.");
        calls.MapPost("/{id:guid}/connect", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<PeerRequest>(http, limits, body => Operate(http, media, owners, [id, body.Peer], [], b => b.Connect(id, body.Peer), _ => Ok(media, id)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("ConnectCalls").WithSummary("Makes this call and {peer} a two-party call: their media is relayed.");
        calls.MapPost("/{id:guid}/hold", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) => Operate(http, media, owners, [id], [], b => b.Hold(id), _ => Ok(media, id)))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("HoldCall").WithSummary("lineHold.");
        calls.MapPost("/{id:guid}/unhold", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) => Operate(http, media, owners, [id], [], b => b.Unhold(id), _ => Ok(media, id)))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("UnholdCall").WithSummary("lineUnhold; on a conference's initiator while a party is being added, cancels the addition.");
        calls.MapPost("/{id:guid}/setup-conference", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) =>
            Operate(http, media, owners, [id], [], b => b.SetupConference(id), s => Created(media, s)))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("SetupConference")
            .WithSummary("lineSetupConference: a conference with this call (and its two-party peer) as members, and a consultation call in dial tone, returned with its SDP.");
        calls.MapPost("/{id:guid}/setup-transfer", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) =>
            Operate(http, media, owners, [id], [], b => b.SetupTransfer(id), c => TypedResults.Created($"/api/calls/{c}", CallResponse.From(media.Board.Call(c)!, media))))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("SetupTransfer").WithSummary("lineSetupTransfer: the peer is held and a consultation call created in dial tone.");
        calls.MapPost("/{id:guid}/complete-transfer", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<TransferRequest>(http, limits, body => Operate(http, media, owners, [id, body.Consultation], [],
                b => b.CompleteTransfer(id, body.Consultation, body.AsConference), result => body.AsConference ? (IResult)Hub(media, result) : Ok(media, result)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("CompleteTransfer")
            .WithSummary("lineCompleteTransfer: {asConference: true} makes a conference of all three (LINETRANSFERMODE_CONFERENCE); false connects the held party to the consultation call.");
        calls.MapPost("/{id:guid}/remove-from-conference", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) =>
            Operate(http, media, owners, [], HubOf(media, id), b => b.RemoveFromConference(id), hub => Hub(media, hub)))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("RemoveFromConference")
            .WithSummary("lineRemoveFromConference: the member is dropped; with two parties left the conference reverts to a two-party call.");
        calls.MapPut("/{id:guid}/media", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<CallMedia>(http, limits, body => Operate(http, media, owners, [id], [], b => b.SetMedia(id, body), _ => Ok(media, id)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("SetCallMedia").WithSummary("Mute, deaf, listen-only and gain (0 to 4) of a call.");

        var hubs = endpoints.MapGroup("/api/call-hubs").WithTags("Calls").AddEndpointFilter(SendToOwningInstanceAsync);
        hubs.MapGet("/", (MediaSwitch media) => TypedResults.Ok(media.Board.Current().Hubs.Select(h => HubResponse.From(h, media)).ToList()))
            .RequireAuthorization(RendezvousPolicies.Reader).WithName("ListCallHubs").WithSummary("Every conference (call hub) that is not idle.");
        hubs.MapGet("/{id:guid}", (Guid id, MediaSwitch media) => media.Board.Hub(id) is { } hub ? (IResult)Hub(media, hub.Id) : NotFound("call hub", id))
            .RequireAuthorization(RendezvousPolicies.Reader).WithName("GetCallHub").WithSummary("A call hub (conference or bridge): its state, initiator, members, pending consultation call and multicast group.");
        hubs.MapPost("/{id:guid}/add", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<MemberRequest>(http, limits, body => Operate(http, media, owners, [body.Call], [id], b => b.AddToConference(id, body.Call), hub => Hub(media, hub)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("AddToConference").WithSummary("lineAddToConference: {call} (the consultation call) joins; the conference is connected and mixing.");
        hubs.MapPost("/{id:guid}/prepare-add", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) =>
            Operate(http, media, owners, [], [id], b => b.PrepareAddToConference(id), s => Created(media, s)))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("PrepareAddToConference").WithSummary("linePrepareAddToConference: a new consultation call for the initiator; the others keep talking.");
        hubs.MapPost("/{id:guid}/no-hold-add", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<MemberRequest>(http, limits, body => Operate(http, media, owners, media.Board.Hub(id) is null ? [body.Call, id] : [body.Call], media.Board.Hub(id) is null ? [] : [id],
                b => b.NoHoldAdd(id, body.Call, body.ListenOnly ?? true), hub => Hub(media, hub)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("NoHoldAdd")
            .WithSummary("No-hold conference: {call} joins this conference without anyone being held, listen-only unless {listenOnly: false}. The id may also be a call in a two-party call, which becomes a conference.");
        hubs.MapDelete("/{id:guid}", (Guid id, HttpContext http, MediaSwitch media, CallOwners owners) => Operate(http, media, owners, [], [id], b => b.DropConference(id), _ => TypedResults.NoContent()))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("DropConference").WithSummary("Drops the conference and every member (LINEADDRCAPFLAGS_CONFDROP).");
        MapBridgesAndGroups(hubs);
        return endpoints;
    }

    private static IResult GetCall(Guid id, HttpContext http, MediaSwitch media, IOptions<MediaOptions> options)
    {
        if (media.Board.Call(id) is not { } call)
        {
            return NotFound("call", id);
        }

        return http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(ConferencesApi.SdpMediaType, StringComparison.OrdinalIgnoreCase))
            && media.Leg(id) is { } leg
            ? TypedResults.Text(SdpOfferAnswer.Answer(IPAddress.Parse(options.Value.BindAddress), leg.LocalPort, leg.Codec, leg.Settings.TelephoneEventPayloadType, id), ConferencesApi.SdpMediaType)
            : TypedResults.Ok(CallResponse.From(call, media));
    }

    private static async Task<IResult> CreateCallAsync(HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, IOptions<MediaOptions> options, CancellationToken cancellationToken)
    {
        var (offer, fromSdp, problem) = await ReadOfferAsync(http, limits.Value, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = media.CreateCall(offer?.Remote, offer?.Codec ?? AudioCodec.Pcmu, offer?.TelephoneEvent, offer?.Source);
        if (!outcome.Succeeded)
        {
            return TypedResults.Problem(title: "No media port is free.", detail: outcome.Conflict!.Reason, statusCode: StatusCodes.Status503ServiceUnavailable, type: TypeBase + "no-media-port");
        }

        var id = outcome.Value;
        owners.Set(id, CallerIdentity.From(http.User)!.Subject);
        var leg = media.Leg(id)!;
        var sdp = SdpOfferAnswer.Answer(IPAddress.Parse(options.Value.BindAddress), leg.LocalPort, leg.Codec, leg.Settings.TelephoneEventPayloadType, id);
        if (fromSdp)
        {
            http.Response.Headers.Location = $"/api/calls/{id}";
            http.Response.StatusCode = StatusCodes.Status201Created;
            return TypedResults.Text(sdp, ConferencesApi.SdpMediaType);
        }

        return TypedResults.Created($"/api/calls/{id}", CallResponse.From(media.Board.Call(id)!, media) with { Sdp = sdp });
    }

    private static async Task<IResult> DialAsync(Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var (offer, _, problem) = await ReadOfferAsync(http, limits.Value, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (offer is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["remote"] = ["dialling needs the remote party's address"] }, type: TypeBase + "invalid-call");
        }

        return Operate(http, media, owners, [id], [], () => media.Dial(id, offer.Remote, offer.Codec, offer.TelephoneEvent, offer.Source), _ => Ok(media, id));
    }
}

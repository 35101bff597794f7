using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Configuration;
using Rendezvous.Directory.Catalog;
using Rendezvous.Media;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Relay;

namespace Rendezvous.Api.Calls;

/// <summary>A call hub as the API shows it: the call model's view and its multicast group, if bound.</summary>
internal sealed record HubResponse(Guid Id, CallHubState State, Guid? Initiator, IReadOnlyList<Guid> Members, Guid? Consultation, bool Bridge, MulticastResponse? Multicast)
{
    public static HubResponse From(CallHubInfo hub, MediaSwitch media) =>
        new(hub.Id, hub.State, hub.Initiator, hub.Members, hub.Consultation, hub.Bridge,
            media.Group(hub.Id) is { } group ? MulticastResponse.From(group.Binding, group.Leg, group.Audio) : null);
}

/// <summary>
/// A hub's multicast group: where, how, what its leg on the group has counted, the senders mixed
/// from it, and the packets of senders beyond the mixer's limit (ignored and counted).
/// </summary>
internal sealed record MulticastResponse(string Group, int Ttl, string Codec, string Mode, string? Interface, RtpLegCounters Counters, int Senders, long IgnoredSenderPackets)
{
    public static MulticastResponse From(MulticastBinding binding, RtpLeg leg, GroupAudio audio) =>
        new(binding.Group.ToString(), binding.Ttl, binding.Codec.EncodingName, binding.Mode.ToString().ToLowerInvariant(), binding.Interface?.ToString(), leg.Counters,
            audio.Senders, audio.IgnoredPackets);
}

/// <summary>
/// Binds a hub to a group: {group: "239.1.2.3:5004", ttl, codec, mode} or {conference: id}, which
/// takes the group, port, TTL and codec from the conference's first audio section with a multicast
/// connection. Explicit fields override what the conference says.
/// </summary>
internal sealed record MulticastRequest(string? Group, int? Ttl, string? Codec, string? Mode, Guid? Conference);

internal static partial class CallsApi
{
    private const int DefaultGroupTtl = 16;

    /// <summary>The server-based bridge (create, join) and multicast binding of call hubs.</summary>
    private static void MapBridgesAndGroups(RouteGroupBuilder hubs)
    {
        hubs.MapPost("/", (HttpContext http, MediaSwitch media, CallOwners owners) =>
            Operate(http, media, owners, [], [], b => b.CreateBridge(), hub => TypedResults.Created($"/api/call-hubs/{hub}", HubResponse.From(media.Board.Hub(hub)!, media))))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("CreateBridge")
            .WithSummary("A server-based bridge: an empty, connected call hub that calls join directly; it stays until it is dropped.");
        hubs.MapPost("/{id:guid}/join", async (Guid id, HttpContext http, MediaSwitch media, CallOwners owners, IOptions<LimitsOptions> limits, CancellationToken ct) =>
            await WithBodyAsync<MemberRequest>(http, limits, body => Operate(http, media, owners, [body.Call], [id], b => b.JoinBridge(id, body.Call), hub => Hub(media, hub)), ct))
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("JoinBridge")
            .WithSummary("{call} (connected, in nothing else) joins the bridge; two members are relayed, more (or a bound group) mixed N-1.");
        hubs.MapPut("/{id:guid}/multicast", BindAsync)
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("BindCallHubToGroup")
            .WithSummary("Binds the hub to a multicast group, {group: \"239.1.2.3:5004\", ttl, codec, mode: \"mix\"|\"forward\"}, or to a directory conference's group, {conference: id}.");
        hubs.MapDelete("/{id:guid}/multicast", UnbindAsync)
            .RequireAuthorization(RendezvousPolicies.Writer).WithName("UnbindCallHubFromGroup").WithSummary("Leaves the hub's multicast group.");
    }

    private static async Task<IResult> BindAsync(Guid id, HttpContext http, MediaSwitch media, CallOwners owners, ConferenceCatalog catalog,
        MediaPlacementService placing, MediaPlacements placements, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBodies.ReadJsonAsync<MulticastRequest>(http, limits.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var errors = new Dictionary<string, string[]>();
        IPEndPoint? group = null;
        int? ttl = body.Ttl;
        AudioCodec? codec = null;
        if (body.Conference is { } conferenceId)
        {
            if (await catalog.GetAsync(conferenceId, cancellationToken).ConfigureAwait(false) is not { } conference)
            {
                return NotFound("conference", conferenceId);
            }

            if (ConferenceGroup(conference) is { } announced)
            {
                (group, ttl, codec) = (announced.Group, ttl ?? announced.Ttl, announced.Codec);
            }
            else if (body.Group is null)
            {
                errors["conference"] = ["the conference has no audio section (RTP/AVP, PCMU or PCMA) with a multicast connection"];
            }
        }

        if (body.Group is { } text && (!IPEndPoint.TryParse(text, out group) || group.Port == 0))
        {
            errors["group"] = ["must be address:port, e.g. 239.1.2.3:5004 or [ff15::1]:5004"];
        }
        else if (body.Group is null && body.Conference is null)
        {
            errors["group"] = ["a group (address:port) or a conference is required"];
        }

        if (body.Codec is { } name)
        {
            if (TryCodec(name, out var named))
            {
                codec = named;
            }
            else
            {
                errors["codec"] = ["must be PCMU or PCMA"];
            }
        }

        var mode = MulticastMode.Mix;
        if (body.Mode is { } m && !Enum.TryParse(m, ignoreCase: true, out mode))
        {
            errors["mode"] = ["must be mix or forward"];
        }

        if (errors.Count == 0)
        {
            var binding = new MulticastBinding(group!, ttl ?? DefaultGroupTtl, codec ?? AudioCodec.Pcmu, mode);
            if (media.Check(binding) is not { } wrong)
            {
                return await BindClaimedAsync(id, binding, http, media, owners, placing, placements, cancellationToken).ConfigureAwait(false);
            }

            errors[wrong.Field] = [wrong.Message];
        }

        return TypedResults.ValidationProblem(errors, title: "The multicast binding is not valid.", type: TypeBase + "invalid-multicast-binding");
    }

    /// <summary>
    /// Binds the hub once the group is claimed in PostgreSQL (a group is bound to one hub across
    /// all instances): 409 naming the holder when another instance's hub has it, 503 when the
    /// claim cannot be made; a claim the switch then refuses is given up again.
    /// </summary>
    private static async Task<IResult> BindClaimedAsync(Guid id, MulticastBinding binding, HttpContext http, MediaSwitch media, CallOwners owners,
        MediaPlacementService placing, MediaPlacements placements, CancellationToken cancellationToken)
    {
        if (Refusal(http, media, owners, [], [id]) is { } refused)
        {
            return refused;
        }

        GroupClaim claim;
        try
        {
            await placing.EnsureRegisteredAsync(cancellationToken).ConfigureAwait(false);
            claim = await placements.ClaimGroupAsync(binding.Group, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException e)
        {
            return TypedResults.Problem(title: "The group cannot be claimed now.", detail: $"Binding needs PostgreSQL, to keep a group on one hub across instances: {e.Message}",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: TypeBase + "placement-unavailable");
        }

        if (!claim.Granted)
        {
            return TypedResults.Problem(title: "The group is bound elsewhere.",
                detail: claim.HolderHub is { } holder ? $"{binding.Group} is bound to call hub {holder} on the instance at {claim.HolderUrl}." : $"{binding.Group} is being bound by another instance; try again.",
                statusCode: StatusCodes.Status409Conflict, type: TypeBase + "group-in-use",
                extensions: new Dictionary<string, object?> { ["hub"] = claim.HolderHub, ["instance"] = claim.HolderUrl });
        }

        var result = Operate(http, media, owners, [], [id], () => media.Bind(id, binding), _ => Hub(media, id));
        await ReleaseUnboundAsync(binding.Group, media, placements).ConfigureAwait(false);
        return result;
    }

    private static async Task<IResult> UnbindAsync(Guid id, HttpContext http, MediaSwitch media, CallOwners owners, MediaPlacements placements)
    {
        var bound = media.Group(id)?.Binding.Group;
        var result = Operate(http, media, owners, [], [id], () => media.Unbind(id), _ => TypedResults.NoContent());
        if (bound is not null)
        {
            await ReleaseUnboundAsync(bound, media, placements).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Gives up the claim on a group no hub here is bound to (failures are left to the placement service's next sync).</summary>
    private static async Task ReleaseUnboundAsync(IPEndPoint group, MediaSwitch media, MediaPlacements placements)
    {
        if (media.Board.Current().Hubs.Any(h => group.Equals(media.Group(h.Id)?.Binding.Group)))
        {
            return;
        }

        try
        {
            await placements.ReleaseGroupAsync(group, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException)
        {
        }
    }

    /// <summary>The conference's first audio RTP section in PCMU or PCMA with a multicast group: group and port, TTL, codec.</summary>
    private static (IPEndPoint Group, int? Ttl, AudioCodec Codec)? ConferenceGroup(Conference conference)
    {
        foreach (var media in conference.Join.Where(j => j.Kind == "audio" && j.Proto.StartsWith("RTP/AVP", StringComparison.Ordinal)))
        {
            var codec = media.Formats.Contains("0") ? AudioCodec.Pcmu : media.Formats.Contains("8") ? AudioCodec.Pcma : null;
            var group = media.Groups.FirstOrDefault(g => IPAddress.TryParse(g.Address, out var a) && MulticastBinding.IsMulticast(a));
            if (codec is not null && group is not null && media.Port is > 0 and <= 65535)
            {
                return (new IPEndPoint(IPAddress.Parse(group.Address), media.Port), group.Ttl, codec);
            }
        }

        return null;
    }
}

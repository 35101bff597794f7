using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Media;
using Rendezvous.Media.Calls;

namespace Rendezvous.Api.Calls;

/// <summary>
/// Server-Sent Events: every call, hub, talker and reaping event (<c>/api/events</c>), or one hub's
/// (<c>/api/call-hubs/{id}/events</c>). Each event's name is its type (callStateChanged, talkerChanged,
/// ...) and its data the event as JSON. A comment line every 15 s keeps idle connections open. A
/// client too slow to read loses the oldest events, never the server's memory.
/// </summary>
internal static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/events", (HttpContext http, MediaSwitch media, IOptions<JsonOptions> json) => StreamAsync(http, media, json.Value.SerializerOptions, hub: null))
            .RequireAuthorization(RendezvousPolicies.Reader).WithTags("Calls").WithName("Events")
            .WithSummary("Every call and call-hub event as Server-Sent Events (text/event-stream).");
        endpoints.MapGet("/api/call-hubs/{id:guid}/events", (Guid id, HttpContext http, MediaSwitch media, IOptions<JsonOptions> json) => StreamAsync(http, media, json.Value.SerializerOptions, id))
            .AddEndpointFilter(CallsApi.SendToOwningInstanceAsync)
            .RequireAuthorization(RendezvousPolicies.Reader).WithTags("Calls").WithName("CallHubEvents")
            .WithSummary("One conference's events as Server-Sent Events: its state, joins and leaves, its members' states and talkers.");
        return endpoints;
    }

    private static async Task StreamAsync(HttpContext http, MediaSwitch media, JsonSerializerOptions json, Guid? hub)
    {
        var cancellationToken = http.RequestAborted;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var events = media.Subscribe(cancellationToken);
        var members = new HashSet<Guid>(hub is { } h && media.Board.Hub(h) is { } info ? info.Members : []);
        await http.Response.WriteAsync(": connected\n\n", cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(15));
                CallEvent e;
                try
                {
                    e = await events.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (hub is { } id && !Concerns(e, id, members))
                {
                    continue;
                }

                var name = JsonNamingPolicy.CamelCase.ConvertName(e.GetType().Name);
                await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(e, e.GetType(), json)}\n\n", cancellationToken).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            // The client went away, or the service is stopping.
        }
    }

    /// <summary>Whether an event belongs to the hub's stream; membership is followed as joins and leaves go by.</summary>
    private static bool Concerns(CallEvent e, Guid hub, HashSet<Guid> members)
    {
        switch (e)
        {
            case CallHubMembershipChanged m when m.Hub == hub:
                if (m.Joined)
                {
                    members.Add(m.Call);
                }

                return true;
            case CallHubStateChanged s:
                return s.Hub == hub;
            case TalkerChanged t:
                return t.Hub == hub;
            case CallHubBound b:
                return b.Hub == hub;
            case CallHubUnbound u:
                return u.Hub == hub;
            case CallStateChanged c:
                return members.Contains(c.Call);
            case CallReaped r:
                return members.Contains(r.Call);
            case CallStatistics q:
                return members.Contains(q.Call);
            default:
                return false;
        }
    }
}

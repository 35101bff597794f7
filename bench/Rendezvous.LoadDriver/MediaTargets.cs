using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rendezvous.LoadDriver;

/// <summary>
/// A mixing server under test, set up over its own HTTP API: rooms (hubs) of legs, each leg a
/// G.711 µ-law party on one of the driver's UDP ports. <see cref="SetUpAsync"/> answers, per leg,
/// the server's RTP address that leg sends to.
/// </summary>
internal interface IMediaTarget : IDisposable
{
    string Name { get; }

    /// <summary>Creates <paramref name="hubs"/> rooms of <paramref name="perHub"/> legs; legs are numbered hub by hub.</summary>
    Task<IPEndPoint[]> SetUpAsync(int hubs, int perHub, Func<int, int> driverPort, CancellationToken cancellationToken);

    /// <summary>Removes every room and leg made by <see cref="SetUpAsync"/>, so the next step starts from an idle server.</summary>
    Task TearDownAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The server's own media statistics now (Rendezvous: <c>GET /api/media/stats</c>, the mixer's
    /// ticks by duration and by lateness), read at the measured window's start and end; null when the
    /// server has none, or the read failed.
    /// Synchronous: it is read on the engine's timing thread, between two sleeps.
    /// </summary>
    JsonElement? ServerStats();
}

/// <summary>
/// Rendezvous: a bridge per hub (<c>POST /api/call-hubs</c>), a call per leg (<c>POST /api/calls</c>
/// with the driver's port as its remote party, PCMU), joined to the bridge; torn down by
/// <c>DELETE /api/call-hubs/{id}</c>, which drops the members.
/// </summary>
internal sealed class RendezvousMediaTarget : IMediaTarget
{
    private readonly HttpClient _http;
    private readonly List<string> _hubs = [];

    public RendezvousMediaTarget(Uri api, string token)
    {
        _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string Name => "rendezvous";

    public async Task<IPEndPoint[]> SetUpAsync(int hubs, int perHub, Func<int, int> driverPort, CancellationToken cancellationToken)
    {
        var servers = new IPEndPoint[hubs * perHub];
        var hubIds = new string[hubs];
        // A few hubs at a time: setting up thousands of legs one request after another takes long.
        await Parallel.ForEachAsync(Enumerable.Range(0, hubs), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (h, ct) =>
        {
            var hub = await PostAsync("/api/call-hubs", null, ct).ConfigureAwait(false);
            var hubId = hubIds[h] = hub["id"]!.GetValue<string>();
            for (var i = 0; i < perHub; i++)
            {
                var leg = h * perHub + i;
                var call = await PostAsync("/api/calls", new JsonObject { ["remote"] = $"127.0.0.1:{driverPort(leg)}", ["codec"] = "PCMU" }, ct).ConfigureAwait(false);
                servers[leg] = new IPEndPoint(IPAddress.Loopback, call["localPort"]!.GetValue<int>());
                await PostAsync($"/api/call-hubs/{hubId}/join", new JsonObject { ["call"] = call["id"]!.GetValue<string>() }, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        _hubs.AddRange(hubIds);
        return servers;
    }

    public async Task TearDownAsync(CancellationToken cancellationToken)
    {
        foreach (var hub in _hubs)
        {
            using var response = await _http.DeleteAsync(new Uri($"/api/call-hubs/{hub}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        }

        _hubs.Clear();
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var content = body is null ? null : JsonContent.Create(body);
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"POST {path}: empty answer");
    }

    public JsonElement? ServerStats()
    {
        // At most 2 s, and never fatal: a step without the server's view still has the driver's.
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/media/stats", UriKind.Relative));
            using var response = _http.Send(request, timeout.Token);
            response.EnsureSuccessStatusCode();
            using var stream = response.Content.ReadAsStream(timeout.Token);
            using var document = JsonDocument.Parse(stream);
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            Console.Error.WriteLine($"media: GET /api/media/stats failed: {e.Message}");
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// Janus's AudioBridge over the Janus HTTP API (janus-doc 1.1.2, audiobridge.html): per hub a
/// session, a room created with <c>sampling_rate</c> 8000 (G.711's rate, so Janus does not
/// resample) and <c>allow_rtp_participants</c>, and per leg a handle that joins with
/// <c>codec: pcmu</c> and an <c>rtp</c> object naming the driver's port. The join is answered
/// asynchronously: its "joined" event, fetched by long-polling the session, carries the port
/// Janus expects the leg's RTP on. Janus sends a plain-RTP participant the mix only after that
/// participant's first packet. Torn down by destroying the rooms and the sessions.
/// </summary>
internal sealed class JanusMediaTarget : IMediaTarget
{
    private const string Plugin = "janus.plugin.audiobridge";
    private readonly HttpClient _http;
    private readonly List<(long Session, long Handle, long Room)> _rooms = [];
    private long _transaction;

    public JanusMediaTarget(Uri api)
    {
        // The base path ends with a slash so that relative paths append to it (/janus/ + session).
        _http = new HttpClient { BaseAddress = new Uri(api.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name => "janus";

    /// <summary>Janus exposes no mixer timing over its HTTP API.</summary>
    public JsonElement? ServerStats() => null;

    public async Task<IPEndPoint[]> SetUpAsync(int hubs, int perHub, Func<int, int> driverPort, CancellationToken cancellationToken)
    {
        var servers = new IPEndPoint[hubs * perHub];
        var rooms = new (long, long, long)[hubs];
        await Parallel.ForEachAsync(Enumerable.Range(0, hubs), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (h, ct) =>
        {
            var session = Id(await RequestAsync("", new JsonObject { ["janus"] = "create" }, ct).ConfigureAwait(false));
            var admin = Id(await RequestAsync($"{session}", new JsonObject { ["janus"] = "attach", ["plugin"] = Plugin }, ct).ConfigureAwait(false));
            var room = 1000 + h;
            var created = await RequestAsync($"{session}/{admin}", new JsonObject
            {
                ["janus"] = "message",
                ["body"] = new JsonObject
                {
                    ["request"] = "create", ["room"] = room, ["permanent"] = false, ["sampling_rate"] = 8000,
                    ["allow_rtp_participants"] = true, ["audiolevel_ext"] = false, ["audiolevel_event"] = false,
                },
            }, ct).ConfigureAwait(false);
            RequirePluginResult(created, "created");
            rooms[h] = (session, admin, room);
            for (var i = 0; i < perHub; i++)
            {
                var leg = h * perHub + i;
                var handle = Id(await RequestAsync($"{session}", new JsonObject { ["janus"] = "attach", ["plugin"] = Plugin }, ct).ConfigureAwait(false));
                var transaction = NextTransaction();
                var ack = await RequestAsync($"{session}/{handle}", new JsonObject
                {
                    ["janus"] = "message",
                    ["body"] = new JsonObject
                    {
                        ["request"] = "join", ["room"] = room, ["display"] = $"leg-{leg}", ["codec"] = "pcmu", ["muted"] = false,
                        ["rtp"] = new JsonObject { ["ip"] = "127.0.0.1", ["port"] = driverPort(leg) },
                    },
                }, ct, transaction).ConfigureAwait(false);
                var joined = ack["janus"]?.GetValue<string>() == "event" ? ack : await AwaitEventAsync(session, transaction, ct).ConfigureAwait(false);
                var data = RequirePluginResult(joined, "joined");
                var rtp = data["rtp"] ?? throw new InvalidOperationException($"Janus join answered no rtp object: {joined.ToJsonString()}");
                servers[leg] = new IPEndPoint(IPAddress.Parse(rtp["ip"]!.GetValue<string>()), rtp["port"]!.GetValue<int>());
            }
        }).ConfigureAwait(false);
        _rooms.AddRange(rooms);
        return servers;
    }

    public async Task TearDownAsync(CancellationToken cancellationToken)
    {
        foreach (var (session, admin, room) in _rooms)
        {
            await RequestAsync($"{session}/{admin}", new JsonObject { ["janus"] = "message", ["body"] = new JsonObject { ["request"] = "destroy", ["room"] = room } }, cancellationToken).ConfigureAwait(false);
            await RequestAsync($"{session}", new JsonObject { ["janus"] = "destroy" }, cancellationToken).ConfigureAwait(false);
        }

        _rooms.Clear();
    }

    /// <summary>Long-polls the session until the event answering <paramref name="transaction"/> comes (other handles' notifications are skipped).</summary>
    private async Task<JsonNode> AwaitEventAsync(long session, string transaction, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var text = await _http.GetStringAsync(new Uri($"{session}?maxev=10", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            var node = JsonNode.Parse(text);
            var events = node is JsonArray array ? array.ToList() : [node];
            foreach (var e in events)
            {
                if (e?["transaction"]?.GetValue<string>() == transaction && e["janus"]?.GetValue<string>() == "event")
                {
                    return e;
                }
            }
        }

        throw new TimeoutException($"Janus sent no event for transaction {transaction} within 30 s");
    }

    private async Task<JsonNode> RequestAsync(string path, JsonObject body, CancellationToken cancellationToken, string? transaction = null)
    {
        body["transaction"] = transaction ?? NextTransaction();
        using var content = JsonContent.Create(body);
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var node = JsonNode.Parse(text) ?? throw new InvalidOperationException($"Janus POST /{path}: empty answer");
        var kind = node["janus"]?.GetValue<string>();
        if (!response.IsSuccessStatusCode || kind == "error")
        {
            throw new InvalidOperationException($"Janus POST /{path} {body.ToJsonString()}: {(int)response.StatusCode} {text}");
        }

        return node;
    }

    private static long Id(JsonNode answer) => answer["data"]?["id"]?.GetValue<long>()
        ?? throw new InvalidOperationException($"Janus answered no id: {answer.ToJsonString()}");

    /// <summary>The plugin's data when its <c>audiobridge</c> field is <paramref name="expected"/>; otherwise the plugin's error, thrown.</summary>
    private static JsonNode RequirePluginResult(JsonNode answer, string expected)
    {
        var data = answer["plugindata"]?["data"];
        if (data?["audiobridge"]?.GetValue<string>() != expected)
        {
            throw new InvalidOperationException($"Janus AudioBridge: expected '{expected}', got {answer.ToJsonString()}");
        }

        return data;
    }

    private string NextTransaction() => Interlocked.Increment(ref _transaction).ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _http.Dispose();
}

internal static class MediaTargets
{
    /// <summary>The target named by --target, at --api (loopback only).</summary>
    public static IMediaTarget Create(Args options)
    {
        var api = new Uri(options.Required("api"));
        Loopback.Require(api.Host);
        return options.Optional("target") switch
        {
            "janus" => new JanusMediaTarget(api),
            "rendezvous" or null => new RendezvousMediaTarget(api, File.ReadAllText(options.Required("token-file")).Trim()),
            var other => throw new ArgumentException($"--target wants rendezvous or janus, not '{other}'"),
        };
    }

}

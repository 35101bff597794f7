using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>/api/calls, /api/call-hubs and /api/events: the basic conference flow over REST, offer/answer, refusals, ownership and the event stream.</summary>
public sealed class CallsApiTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private Task<ConferenceApiHost> StartAsync() => MediaHosts.StartAsync(postgres, Now);

    private static Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected) => MediaHosts.Json(response, expected);

    private static Task<JsonElement> Post(HttpClient client, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) => MediaHosts.Post(client, path, body, expected);

    private static string State(JsonElement call) => call.GetProperty("state").GetString()!;

    private static async Task<string> StateOf(HttpClient client, string id) => State(await client.GetFromJsonAsync<JsonElement>($"/api/calls/{id}"));

    [Fact]
    public async Task Transfers_complete_as_a_plain_transfer_or_as_a_conference_and_a_monitor_joins_without_hold()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        async Task<string> NewCall(int port) => (await Post(alice, "/api/calls", new { remote = $"127.0.0.1:{port}" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        // A plain transfer: X ends up talking to Y, A is dropped.
        var (a, x) = (await NewCall(30100), await NewCall(30102));
        await Post(alice, $"/api/calls/{a}/connect", new { peer = x });
        var y = (await Post(alice, $"/api/calls/{a}/setup-transfer", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        Assert.Equal("onHold", await StateOf(alice, x));
        Assert.Equal("onHoldPendingTransfer", await StateOf(alice, a));
        var early = await Post(alice, $"/api/calls/{a}/complete-transfer", new { consultation = y, asConference = false }, HttpStatusCode.Conflict);
        Assert.Equal("complete-transfer", early.GetProperty("operation").GetString()); // Y is still in dial tone
        await Post(alice, $"/api/calls/{y}/dial", new { remote = "127.0.0.1:30104" });
        var done = await Post(alice, $"/api/calls/{a}/complete-transfer", new { consultation = y, asConference = false });
        Assert.Equal("idle", await StateOf(alice, a));
        Assert.Equal(("connected", y), (await StateOf(alice, x), (await alice.GetFromJsonAsync<JsonElement>($"/api/calls/{x}")).GetProperty("peer").GetString()));
        Assert.Equal(JsonValueKind.Object, done.ValueKind);

        // As a conference (LINETRANSFERMODE_CONFERENCE): all three conferenced in a connected hub.
        var (b, z) = (await NewCall(30106), await NewCall(30108));
        await Post(alice, $"/api/calls/{b}/connect", new { peer = z });
        var w = (await Post(alice, $"/api/calls/{b}/setup-transfer", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await Post(alice, $"/api/calls/{w}/dial", new { remote = "127.0.0.1:30110" });
        var hub = await Post(alice, $"/api/calls/{b}/complete-transfer", new { consultation = w, asConference = true });
        Assert.Equal("connected", hub.GetProperty("state").GetString());
        Assert.Equal(3, hub.GetProperty("members").GetArrayLength());
        Assert.All(new[] { b, z, w }, c => Assert.Contains(c, hub.GetProperty("members").EnumerateArray().Select(m => m.GetString())));

        // A supervisor joins without anyone being held, listen-only by default.
        var monitor = await NewCall(30112);
        var monitored = await Post(alice, $"/api/call-hubs/{hub.GetProperty("id").GetString()}/no-hold-add", new { call = monitor });
        Assert.Equal(4, monitored.GetProperty("members").GetArrayLength());
        var m = await alice.GetFromJsonAsync<JsonElement>($"/api/calls/{monitor}");
        Assert.Equal("conferenced", State(m));
        Assert.True(m.GetProperty("media").GetProperty("listenOnly").GetBoolean());
        foreach (var member in new[] { b, z, w })
        {
            Assert.Equal("conferenced", await StateOf(alice, member)); // nobody was held
        }
    }

    [Fact]
    public async Task A_two_party_call_becomes_a_conference_takes_a_consultation_call_and_reverts_over_rest()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        var a = (await Post(alice, "/api/calls", new { remote = "127.0.0.1:30000", codec = "PCMU" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var createdX = await Post(alice, "/api/calls", new { remote = "127.0.0.1:30002", codec = "pcma" }, HttpStatusCode.Created);
        var x = createdX.GetProperty("id").GetString()!;
        Assert.Contains("m=audio " + createdX.GetProperty("localPort").GetInt32() + " RTP/AVP 8", createdX.GetProperty("sdp").GetString(), StringComparison.Ordinal);
        Assert.Equal("connected", State(await Post(alice, $"/api/calls/{a}/connect", new { peer = x })));

        var setup = await Post(alice, $"/api/calls/{a}/setup-conference", null, HttpStatusCode.Created);
        var hub = setup.GetProperty("hub").GetProperty("id").GetString()!;
        var y = setup.GetProperty("consultationCall").GetProperty("id").GetString()!;
        Assert.Equal("onHoldPendingConference", setup.GetProperty("hub").GetProperty("state").GetString());
        Assert.Equal("dialtone", State(setup.GetProperty("consultationCall")));

        // The consulted party's SDP offer dials the consultation call.
        using var offer = new StringContent("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30004 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", Encoding.UTF8, "application/sdp");
        Assert.Equal("connected", State(await Json(await alice.PostAsync($"/api/calls/{y}/dial", offer), HttpStatusCode.OK)));

        var added = await Post(alice, $"/api/call-hubs/{hub}/add", new { call = y });
        Assert.Equal("connected", added.GetProperty("state").GetString());
        Assert.Equal([a, x, y], added.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("conferenced", await StateOf(alice, y));

        // Three parties are mixed: the mixer's ticks are counted by duration, and each mixed leg has a jitter buffer.
        var stats = await alice.GetFromJsonAsync<JsonElement>("/api/media/stats");
        for (var wait = 0; stats.GetProperty("mixerTicks").GetProperty("count").GetInt64() < 5 && wait < 100; wait++)
        {
            await Task.Delay(50);
            stats = await alice.GetFromJsonAsync<JsonElement>("/api/media/stats");
        }

        var ticks = stats.GetProperty("mixerTicks");
        var buckets = ticks.GetProperty("buckets").EnumerateArray().ToList();
        Assert.InRange(ticks.GetProperty("count").GetInt64(), 5, long.MaxValue);
        Assert.Equal(ticks.GetProperty("count").GetInt64(), buckets.Sum(b => b.GetProperty("count").GetInt64()));
        Assert.Equal(5.0, buckets[6].GetProperty("upToMs").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, buckets[^1].GetProperty("upToMs").ValueKind);
        Assert.Equal(3, stats.GetProperty("jitterBuffers").GetProperty("buffers").GetInt32());

        // An illegal transition: 409 naming the operation and the current state.
        var refused = await Post(alice, $"/api/calls/{y}/hold", null, HttpStatusCode.Conflict);
        Assert.Equal("hold", refused.GetProperty("operation").GetString());
        Assert.Equal("Conferenced", refused.GetProperty("currentStates").GetProperty(y).GetString());

        var reverted = await Post(alice, $"/api/calls/{y}/remove-from-conference", null);
        Assert.Equal("idle", reverted.GetProperty("state").GetString());
        Assert.Equal(("connected", "connected", "idle"), (await StateOf(alice, a), await StateOf(alice, x), await StateOf(alice, y)));
        Assert.Equal(x, (await alice.GetFromJsonAsync<JsonElement>($"/api/calls/{a}")).GetProperty("peer").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/calls/{a}")).StatusCode);
        Assert.Equal("idle", await StateOf(alice, a));
    }

    [Fact]
    public async Task An_sdp_offer_is_answered_with_our_port_and_the_first_codec_we_share()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var offer = new StringContent("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30010 RTP/AVP 9 8 0\r\n", Encoding.UTF8, "application/sdp");
        var response = await alice.PostAsync("/api/calls", offer);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType!.MediaType);
        var answer = await response.Content.ReadAsStringAsync();
        var call = await alice.GetFromJsonAsync<JsonElement>(response.Headers.Location!.ToString());
        Assert.Contains($"m=audio {call.GetProperty("localPort").GetInt32()} RTP/AVP 8\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:8 PCMA/8000", answer, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:30010", call.GetProperty("remote").GetString());

        // Accept: application/sdp gives our SDP for the call again.
        using var request = new HttpRequestMessage(HttpMethod.Get, response.Headers.Location);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/sdp"));
        Assert.Equal(answer, await (await alice.SendAsync(request)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_offers_and_bodies_get_problem_details_naming_what_is_wrong()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var video = new StringContent("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 30010 RTP/AVP 96\r\n", Encoding.UTF8, "application/sdp");
        Assert.Contains("m=audio", (await Json(await alice.PostAsync("/api/calls", video), HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var g729 = new StringContent("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30010 RTP/AVP 18\r\n", Encoding.UTF8, "application/sdp");
        Assert.Contains("none is PCMU or PCMA", (await Json(await alice.PostAsync("/api/calls", g729), HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var garbage = new StringContent("hello\r\n", Encoding.UTF8, "application/sdp");
        Assert.True((await Json(await alice.PostAsync("/api/calls", garbage), HttpStatusCode.BadRequest)).GetProperty("errors").GetArrayLength() > 0);

        var invalid = await Post(alice, "/api/calls", new { remote = "127.0.0.1", codec = "G722", telephoneEvent = 5 }, HttpStatusCode.BadRequest);
        var errors = invalid.GetProperty("errors");
        Assert.True(errors.TryGetProperty("remote", out _) && errors.TryGetProperty("codec", out _) && errors.TryGetProperty("telephoneEvent", out _), errors.ToString());

        var unknown = Guid.NewGuid();
        await Post(alice, $"/api/calls/{unknown}/hold", null, HttpStatusCode.NotFound);
        await Post(alice, $"/api/call-hubs/{unknown}/prepare-add", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Writes_need_a_caller_and_only_the_owner_or_an_admin_acts_on_a_call()
    {
        using var host = await StartAsync();
        using var anonymous = host.Client(token: null);
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var bob = host.Client(ConferenceApiHost.BobToken);
        using var admin = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/calls", JsonContent.Create(new { remote = "127.0.0.1:30000" }))).StatusCode);
        var a = (await Post(alice, "/api/calls", new { remote = "127.0.0.1:30000" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var b = (await Post(bob, "/api/calls", new { remote = "127.0.0.1:30002" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await Post(bob, $"/api/calls/{a}/hold", null, HttpStatusCode.Forbidden);
        await Post(alice, $"/api/calls/{a}/connect", new { peer = b }, HttpStatusCode.Forbidden); // Bob's call is not Alice's to connect
        Assert.Equal("onHold", State(await Post(admin, $"/api/calls/{a}/hold", null)));
        Assert.Equal("connected", await StateOf(anonymous, b)); // reads stay open
    }

    [Fact]
    public async Task The_event_stream_carries_each_operations_events()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = await alice.GetStreamAsync("/api/events", cts.Token);
        using var reader = new StreamReader(stream);
        Assert.Equal(": connected", await reader.ReadLineAsync(cts.Token));

        var a = (await Post(alice, "/api/calls", new { remote = "127.0.0.1:30000" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await Post(alice, $"/api/calls/{a}/hold", null);
        var lines = new List<string>();
        while (lines.Count(l => l.StartsWith("event:", StringComparison.Ordinal)) < 3)
        {
            lines.Add((await reader.ReadLineAsync(cts.Token))!);
        }

        Assert.Equal(["event: callCreated", "event: callStateChanged", "event: mediaTopologyChanged"], lines.Where(l => l.StartsWith("event:", StringComparison.Ordinal)));
        var changed = JsonDocument.Parse(lines[lines.IndexOf("event: callStateChanged") + 1]["data: ".Length..]).RootElement;
        Assert.Equal((a, "connected", "onHold", "hold"), (changed.GetProperty("call").GetString(), changed.GetProperty("from").GetString(), changed.GetProperty("to").GetString(), changed.GetProperty("cause").GetString()));
    }
    [Fact]
    public async Task The_openapi_examples_of_calls_hubs_and_media_stats_have_the_real_answers_shape()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        var document = await alice.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        JsonElement ExampleOf(string path, string method, string status, string type = "application/json") =>
            document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status)
                .GetProperty("content").GetProperty(type).GetProperty("example");

        // A conference of three, mixed, as the examples show.
        async Task<string> NewCall(int port) => (await Post(alice, "/api/calls", new { remote = $"127.0.0.1:{port}" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var created = await Post(alice, "/api/calls", new { remote = "127.0.0.1:30200" }, HttpStatusCode.Created);
        var (a, x) = (created.GetProperty("id").GetString()!, await NewCall(30202));
        await Post(alice, $"/api/calls/{a}/connect", new { peer = x });
        var setup = await Post(alice, $"/api/calls/{a}/setup-conference", null, HttpStatusCode.Created);
        var y = setup.GetProperty("consultationCall").GetProperty("id").GetString()!;
        await Post(alice, $"/api/calls/{y}/dial", new { remote = "127.0.0.1:30204" });
        var hub = await Post(alice, $"/api/call-hubs/{setup.GetProperty("hub").GetProperty("id").GetString()}/add", new { call = y });
        var conferenced = await alice.GetFromJsonAsync<JsonElement>($"/api/calls/{a}");
        var stats = await alice.GetFromJsonAsync<JsonElement>("/api/media/stats");
        var bridge = await Post(alice, "/api/call-hubs", null, HttpStatusCode.Created);

        SameShape(ExampleOf("/api/calls", "post", "201"), created, "POST /api/calls");
        SameShape(ExampleOf("/api/calls/{id}/setup-conference", "post", "201"), setup, "setup-conference");
        SameShape(ExampleOf("/api/call-hubs/{id}/add", "post", "200"), hub, "add");
        SameShape(ExampleOf("/api/calls/{id}", "get", "200"), conferenced, "GET /api/calls/{id}");
        SameShape(ExampleOf("/api/media/stats", "get", "200"), stats, "GET /api/media/stats");
        SameShape(ExampleOf("/api/call-hubs", "post", "201"), bridge, "POST /api/call-hubs");
        var refused = await Post(alice, $"/api/calls/{y}/hold", null, HttpStatusCode.Conflict);
        Assert.Equal(
            ExampleOf("/api/calls/{id}/hold", "post", "409", "application/problem+json").EnumerateObject().Select(p => p.Name).Order(),
            refused.EnumerateObject().Select(p => p.Name).Where(n => n != "traceId").Order());
    }

    /// <summary>The same property names at every level where both sides have an object (a null on either side is not compared further).</summary>
    private static void SameShape(JsonElement example, JsonElement actual, string where)
    {
        if (example.ValueKind == JsonValueKind.Object && actual.ValueKind == JsonValueKind.Object)
        {
            Assert.True(
                example.EnumerateObject().Select(p => p.Name).Order().SequenceEqual(actual.EnumerateObject().Select(p => p.Name).Order()),
                $"{where}: the example has {string.Join(", ", example.EnumerateObject().Select(p => p.Name))}; the answer has {string.Join(", ", actual.EnumerateObject().Select(p => p.Name))}");
            foreach (var property in example.EnumerateObject())
            {
                SameShape(property.Value, actual.GetProperty(property.Name), $"{where}.{property.Name}");
            }
        }
        else if (example.ValueKind == JsonValueKind.Array && actual.ValueKind == JsonValueKind.Array && example.GetArrayLength() > 0 && actual.GetArrayLength() > 0)
        {
            SameShape(example[0], actual[0], $"{where}[0]");
        }
    }
}

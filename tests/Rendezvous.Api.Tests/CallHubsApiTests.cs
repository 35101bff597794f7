using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// Bridges (server-based call hubs) and multicast bindings over REST: what can be checked without
/// joining a group. Joining and sending to groups is tested inside a private network namespace
/// (<see cref="MulticastRelayTests"/>), never on this machine's own interfaces.
/// </summary>
public sealed class CallHubsApiTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private Task<ConferenceApiHost> StartAsync() => MediaHosts.StartAsync(postgres, Now);

    private static Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected) => MediaHosts.Json(response, expected);

    private static Task<JsonElement> Post(HttpClient client, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) => MediaHosts.Post(client, path, body, expected);

    private static async Task<JsonElement> Put(HttpClient client, string path, object body, HttpStatusCode expected) =>
        await Json(await client.PutAsJsonAsync(path, body), expected);

    [Fact]
    public async Task Calls_join_a_bridge_directly_and_it_stays_until_it_is_dropped()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var bob = host.Client(ConferenceApiHost.BobToken);
        var bridge = await Post(alice, "/api/call-hubs", null, HttpStatusCode.Created);
        var id = bridge.GetProperty("id").GetString()!;
        Assert.True(bridge.GetProperty("bridge").GetBoolean());
        Assert.Equal("connected", bridge.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, bridge.GetProperty("initiator").ValueKind);
        Assert.Equal(JsonValueKind.Null, bridge.GetProperty("multicast").ValueKind);

        var calls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            calls.Add((await Post(alice, "/api/calls", new { remote = $"127.0.0.1:{31000 + 2 * i}" }, HttpStatusCode.Created)).GetProperty("id").GetString()!);
            var joined = await Post(alice, $"/api/call-hubs/{id}/join", new { call = calls[i] });
            Assert.Equal(i + 1, joined.GetProperty("members").GetArrayLength());
        }

        Assert.Equal("conferenced", (await alice.GetFromJsonAsync<JsonElement>($"/api/calls/{calls[0]}")).GetProperty("state").GetString());

        // Down to one member, still a connected bridge (no reverting to a two-party call).
        await Post(alice, $"/api/calls/{calls[0]}/remove-from-conference", null);
        await Json(await alice.DeleteAsync($"/api/calls/{calls[1]}"), HttpStatusCode.NoContent);
        var left = await alice.GetFromJsonAsync<JsonElement>($"/api/call-hubs/{id}");
        Assert.Equal("connected", left.GetProperty("state").GetString());
        Assert.Equal(calls[2], Assert.Single(left.GetProperty("members").EnumerateArray()).GetString());

        // Not Bob's bridge; a staged operation on a bridge is a conflict; an unknown hub is 404.
        var bobs = (await Post(bob, "/api/calls", new { remote = "127.0.0.1:31010" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await Post(bob, $"/api/call-hubs/{id}/join", new { call = bobs }, HttpStatusCode.Forbidden);
        var conflict = await Post(alice, $"/api/call-hubs/{id}/prepare-add", null, HttpStatusCode.Conflict);
        Assert.Equal("prepare-add", conflict.GetProperty("operation").GetString());
        await Post(alice, $"/api/call-hubs/{Guid.NewGuid()}/join", new { call = calls[2] }, HttpStatusCode.NotFound);

        await Json(await alice.DeleteAsync($"/api/call-hubs/{id}"), HttpStatusCode.NoContent);
        Assert.Equal("idle", (await alice.GetFromJsonAsync<JsonElement>($"/api/call-hubs/{id}")).GetProperty("state").GetString());
        var idle = await Put(alice, $"/api/call-hubs/{id}/multicast", new { group = "239.255.42.42:5004" }, HttpStatusCode.Conflict);
        Assert.Equal("Idle", idle.GetProperty("currentStates").GetProperty(id).GetString());
    }

    [Theory]
    [InlineData("{\"group\":\"192.0.2.1:5004\"}", "group")]
    [InlineData("{\"group\":\"224.0.0.5:5004\"}", "group")]
    [InlineData("{\"group\":\"239.255.42.42:5005\"}", "group")]
    [InlineData("{\"group\":\"239.255.42.42\"}", "group")]
    [InlineData("{\"group\":\"239.255.42.42:5004\",\"ttl\":33}", "ttl")]
    [InlineData("{\"group\":\"239.255.42.42:5004\",\"ttl\":0}", "ttl")]
    [InlineData("{\"group\":\"239.255.42.42:5004\",\"mode\":\"broadcast\"}", "mode")]
    [InlineData("{\"group\":\"239.255.42.42:5004\",\"codec\":\"opus\"}", "codec")]
    [InlineData("{\"ttl\":4}", "group")]
    public async Task A_binding_that_cannot_be_used_is_refused_naming_the_field(string body, string field)
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        var id = (await Post(alice, "/api/call-hubs", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await Json(await alice.PutAsync($"/api/call-hubs/{id}/multicast", content), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(JsonValueKind.Null, (await alice.GetFromJsonAsync<JsonElement>($"/api/call-hubs/{id}")).GetProperty("multicast").ValueKind);
    }

    [Fact]
    public async Task A_conference_binding_needs_a_conference_with_a_multicast_audio_group()
    {
        using var host = await StartAsync();
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        var id = (await Post(alice, "/api/call-hubs", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await Put(alice, $"/api/call-hubs/{id}/multicast", new { conference = Guid.NewGuid() }, HttpStatusCode.NotFound);

        using var sdp = new StringContent("v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=Unicast only\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n",
            System.Text.Encoding.UTF8, "application/sdp");
        var conference = await Json(await alice.PostAsync("/api/conferences", sdp), HttpStatusCode.Created);
        var problem = await Put(alice, $"/api/call-hubs/{id}/multicast", new { conference = conference.GetProperty("id").GetGuid() }, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("conference", out _), problem.ToString());

        // Unbinding a hub that has no group changes nothing; someone else's hub is forbidden.
        await Json(await alice.DeleteAsync($"/api/call-hubs/{id}/multicast"), HttpStatusCode.NoContent);
        using var bob = host.Client(ConferenceApiHost.BobToken);
        await Json(await bob.DeleteAsync($"/api/call-hubs/{id}/multicast"), HttpStatusCode.Forbidden);
    }
}

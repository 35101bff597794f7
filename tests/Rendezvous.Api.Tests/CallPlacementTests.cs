using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rendezvous.Api.Calls;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// Calls and call hubs across instances (DESIGN.md: the owning instance is decided in PostgreSQL):
/// placements, heartbeats and group claims on a real database, and two real hosts sharing it.
/// No multicast group is joined here: claims are refused before any socket is opened.
/// </summary>
public sealed class CallPlacementTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly IPEndPoint Group = new(IPAddress.Parse("239.255.42.42"), 5004);

    [Fact]
    public async Task Placements_heartbeats_and_group_claims_decide_which_instance_holds_what()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var x = new MediaPlacements(dataSource);
        var y = new MediaPlacements(dataSource);
        await x.HeartbeatAsync("http://x.test", CancellationToken.None);
        await y.HeartbeatAsync("http://y.test", CancellationToken.None);
        var (call, hub) = (Guid.NewGuid(), Guid.NewGuid());

        // Each instance finds the other's calls and hubs, never its own; a forgotten call is forgotten everywhere.
        await x.SyncAsync([(call, false), (hub, true)], [], CancellationToken.None);
        Assert.Equal("http://x.test", await y.LocateAsync(call, CancellationToken.None));
        Assert.Equal("http://x.test", await y.LocateAsync(hub, CancellationToken.None));
        Assert.Null(await x.LocateAsync(hub, CancellationToken.None));
        await x.SyncAsync([(hub, true)], [], CancellationToken.None);
        Assert.Null(await y.LocateAsync(call, CancellationToken.None));

        // A group is held by one instance's hub at a time; the holder may claim it again.
        Assert.True((await x.ClaimGroupAsync(Group, hub, CancellationToken.None)).Granted);
        Assert.Equal(new GroupClaim(false, hub, "http://x.test"), await y.ClaimGroupAsync(Group, Guid.NewGuid(), CancellationToken.None));
        Assert.True((await x.ClaimGroupAsync(Group, hub, CancellationToken.None)).Granted);

        // A sync without the group gives it up; so does a release.
        await x.SyncAsync([(hub, true)], [], CancellationToken.None);
        var yHub = Guid.NewGuid();
        Assert.True((await y.ClaimGroupAsync(Group, yHub, CancellationToken.None)).Granted);
        await y.ReleaseGroupAsync(Group, CancellationToken.None);
        Assert.True((await x.ClaimGroupAsync(Group, hub, CancellationToken.None)).Granted);

        // An instance whose heartbeat stopped is removed by the next live one, with its hubs and groups.
        await using (var stale = dataSource.CreateCommand("UPDATE media.instances SET heartbeat_at = now() - interval '31 seconds' WHERE url = 'http://x.test'"))
        {
            Assert.Equal(1, await stale.ExecuteNonQueryAsync());
        }

        Assert.Null(await y.LocateAsync(hub, CancellationToken.None)); // too old to be believed, even before removal
        await y.HeartbeatAsync("http://y.test", CancellationToken.None);
        Assert.True((await y.ClaimGroupAsync(Group, yHub, CancellationToken.None)).Granted);
        await using var count = dataSource.CreateCommand("SELECT (SELECT count(*) FROM media.instances), (SELECT count(*) FROM media.placements)");
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((1L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task Another_instance_sends_clients_to_the_hubs_instance_and_refuses_a_group_held_elsewhere()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        using var a = await MediaHosts.StartAsync(postgres, Now, connectionString, "http://a.test");
        using var b = await MediaHosts.StartAsync(postgres, Now, connectionString, "http://b.test");
        using var onA = a.Client();
        using var onB = NoRedirects(b);

        var hub = (await MediaHosts.Post(onA, "/api/call-hubs", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var call = (await MediaHosts.Post(onA, "/api/calls", new { remote = "127.0.0.1:9", codec = "PCMU" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        // Within a few seconds of creation, B answers for A's hub and call with a redirect to A, the method kept.
        var moved = await EventuallyAsync(() => onB.GetAsync($"/api/call-hubs/{hub}?x=1"), r => r.StatusCode == HttpStatusCode.TemporaryRedirect);
        Assert.Equal(new Uri($"http://a.test/api/call-hubs/{hub}?x=1"), moved.Headers.Location);
        var problem = await MediaHosts.Json(moved, HttpStatusCode.TemporaryRedirect);
        Assert.Equal(("http://a.test", "https://rendezvous.invalid/problems/on-another-instance"), (problem.GetProperty("instance").GetString(), problem.GetProperty("type").GetString()));
        var join = await EventuallyAsync(() => onB.PostAsJsonAsync($"/api/call-hubs/{hub}/join", new { call }), r => r.StatusCode == HttpStatusCode.TemporaryRedirect);
        Assert.Equal(new Uri($"http://a.test/api/call-hubs/{hub}/join"), join.Headers.Location);
        var calls = await EventuallyAsync(() => onB.GetAsync($"/api/calls/{call}"), r => r.StatusCode == HttpStatusCode.TemporaryRedirect);
        Assert.Equal(new Uri($"http://a.test/api/calls/{call}"), calls.Headers.Location);
        Assert.Equal(HttpStatusCode.NotFound, (await onB.GetAsync($"/api/call-hubs/{Guid.NewGuid()}")).StatusCode);

        // A group held by a hub of another instance is refused on B, naming the holder. B's hub is idle
        // (dropped, not yet forgotten): the claim is refused before the call model is asked, and were
        // the claim wrongly granted, the idle hub would still be refused, so no socket can open here.
        var elsewhere = new MediaPlacements(b.Factory.Services.GetRequiredService<NpgsqlDataSource>());
        await elsewhere.HeartbeatAsync("http://c.test", CancellationToken.None);
        var holder = Guid.NewGuid();
        Assert.True((await elsewhere.ClaimGroupAsync(Group, holder, CancellationToken.None)).Granted);
        var bHub = (await MediaHosts.Post(onB, "/api/call-hubs", null, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await MediaHosts.Json(await onB.DeleteAsync($"/api/call-hubs/{bHub}"), HttpStatusCode.NoContent);
        var refused = await MediaHosts.Json(await onB.PutAsJsonAsync($"/api/call-hubs/{bHub}/multicast", new { group = Group.ToString() }), HttpStatusCode.Conflict);
        Assert.Equal(("https://rendezvous.invalid/problems/group-in-use", holder.ToString(), "http://c.test"),
            (refused.GetProperty("type").GetString(), refused.GetProperty("hub").GetString(), refused.GetProperty("instance").GetString()));
        Assert.Equal(JsonValueKind.Null, (await MediaHosts.Json(await onB.GetAsync($"/api/call-hubs/{bHub}"), HttpStatusCode.OK)).GetProperty("multicast").ValueKind);

        // Once A stops and its heartbeat is old, B no longer sends anyone there.
        a.Dispose();
        await using (var stale = b.Factory.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("UPDATE media.instances SET heartbeat_at = now() - interval '1 hour' WHERE url = 'http://a.test'"))
        {
            Assert.Equal(1, await stale.ExecuteNonQueryAsync());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await onB.GetAsync($"/api/call-hubs/{hub}")).StatusCode);
    }

    private static HttpClient NoRedirects(ConferenceApiHost host)
    {
        var client = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestSettings.AdminToken);
        return client;
    }

    /// <summary>Sends until the answer passes <paramref name="done"/> (placements are written within about a second of a change), for at most 15 s.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var response = await send();
            if (done(response) || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(200);
        }
    }
}

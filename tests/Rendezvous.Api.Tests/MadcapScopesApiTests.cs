using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>/api/madcap/scopes against a real PostgreSQL: the default scopes, and administrators' edits.</summary>
public sealed class MadcapScopesApiTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static async Task<JsonElement> UntilScopesAsync(HttpClient client, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var scopes = await client.GetFromJsonAsync<JsonElement>("/api/madcap/scopes");
            if (scopes.GetArrayLength() == count || DateTime.UtcNow > deadline)
            {
                return scopes;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_default_scopes_are_stored_and_administrators_edit_them()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var admin = host.Client();
        using var alice = host.Client(ConferenceApiHost.AliceToken);

        var scopes = await UntilScopesAsync(admin, 2);
        Assert.Equal(["239.192.0.0", "239.255.0.0"], scopes.EnumerateArray().Select(s => s.GetProperty("first").GetString()));
        var local = scopes[1];
        Assert.Equal(("239.255.255.255", 16, "239.255.255.254"), (local.GetProperty("last").GetString(), local.GetProperty("ttl").GetInt32(), local.GetProperty("serverGroup").GetString()));
        Assert.Equal("239.255.255.0", local.GetProperty("relativeAssignmentBlock").GetProperty("first").GetString());
        Assert.Equal(("en", "Local scope", true), (local.GetProperty("names")[0].GetProperty("language").GetString(), local.GetProperty("names")[0].GetProperty("name").GetString(), local.GetProperty("names")[0].GetProperty("isDefault").GetBoolean()));

        var lab = new { first = "239.1.0.0", last = "239.1.3.255", ttl = 8, names = new[] { new { language = "en", name = "Lab", isDefault = true } }, defaultLeaseSeconds = 600, maxLeaseSeconds = 86400, exclusions = new[] { new { first = "239.1.0.0", last = "239.1.0.9" } } };
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostAsJsonAsync("/api/madcap/scopes", lab)).StatusCode);
        using (var created = await admin.PostAsJsonAsync("/api/madcap/scopes", lab))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/madcap/scopes", lab with { first = "239.1.2.0", last = "239.1.9.255", exclusions = lab.exclusions[..0] })).StatusCode);
        using (var bad = await admin.PostAsJsonAsync("/api/madcap/scopes", lab with { first = "10.0.0.1", ttl = 0 }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("first", out _), errors.ToString());
            Assert.True(errors.TryGetProperty("ttl", out _), errors.ToString());
        }

        // Bodies the service does not take: named, never half-applied.
        using (var broken = await admin.PostAsync("/api/madcap/scopes", new StringContent("{\"first\": \"239.1.0.0\",\n \"ttl\": }", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            Assert.Contains("(line 2, byte", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await admin.PostAsync("/api/madcap/scopes", new StringContent("first=239.1.0.0", System.Text.Encoding.UTF8, "text/plain"))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PostAsync("/api/madcap/scopes", new StringContent($"{{\"first\": \"{new string('x', 70_000)}\"}}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(["239.1.0.0"], (await admin.GetFromJsonAsync<JsonElement>("/api/madcap/scopes")).EnumerateArray().Select(s => s.GetProperty("first").GetString()).Where(f => f == "239.1.0.0"));

        // Edits need the current version.
        var change = lab with { ttl = 15 };
        Assert.Equal(HttpStatusCode.PreconditionRequired, (await admin.PutAsJsonAsync("/api/madcap/scopes/239.1.0.0", change)).StatusCode);
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/api/madcap/scopes/239.1.0.0") { Content = JsonContent.Create(change) })
        {
            put.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            using var response = await admin.SendAsync(put);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(15, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ttl").GetInt32());
        }

        using (var stale = new HttpRequestMessage(HttpMethod.Put, "/api/madcap/scopes/239.1.0.0") { Content = JsonContent.Create(change) })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await admin.SendAsync(stale)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/madcap/scopes/239.1.0.0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/madcap/scopes/239.1.0.0")).StatusCode);
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>("/api/madcap/scopes")).GetArrayLength());
    }
}

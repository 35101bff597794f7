using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Auth;

/// <summary>/api/tokens and the bearer tokens it issues, against a real PostgreSQL.</summary>
public sealed class IssuedTokenTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly string Admin = AuthRequests.Bearer(TestSettings.AdminToken);

    private async Task<(AuthTestHost Host, string ConnectionString)> StartAsync()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        return (new AuthTestHost(TestSettings.For(connectionString)), connectionString);
    }

    private static async Task<(Guid Id, string Token, JsonElement Body)> IssueAsync(HttpClient client, object request, string? authorization = null)
    {
        using var response = await client.SendAsync(HttpMethod.Post, "/api/tokens", authorization ?? Admin, request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!, body);
    }

    [Fact]
    public async Task An_issued_token_authenticates_as_its_subject()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();

        using var created = await client.SendAsync(HttpMethod.Post, "/api/tokens", Admin, new { name = "ci-publisher", subject = "ci:nightly" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains("no-store", created.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var body = await created.JsonAsync();
        var id = body.GetProperty("id").GetGuid();
        var token = body.GetProperty("token").GetString()!;
        Assert.Equal($"/api/tokens/{id}", created.Headers.Location!.OriginalString);
        Assert.Matches("^rv_[A-Za-z0-9_-]{43}$", token);
        Assert.Equal("bootstrap-admin", body.GetProperty("createdBy").GetString());
        Assert.False(body.GetProperty("isAdmin").GetBoolean());

        using var me = await client.WhoamiAsync(AuthRequests.Bearer(token));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var whoami = await me.JsonAsync();
        Assert.Equal("ci:nightly", whoami.GetProperty("subject").GetString());
        Assert.Equal("ci-publisher", whoami.GetProperty("name").GetString());
        Assert.False(whoami.GetProperty("isAdmin").GetBoolean());
        Assert.Equal("issued-token", whoami.GetProperty("method").GetString());
    }

    [Fact]
    public async Task An_admin_token_is_an_administrator_and_may_manage_tokens()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (_, adminToken, _) = await IssueAsync(client, new { name = "ops", subject = "ops-robot", isAdmin = true });

        using var me = await client.WhoamiAsync(AuthRequests.Bearer(adminToken));
        Assert.True((await me.JsonAsync()).GetProperty("isAdmin").GetBoolean());

        var (_, _, issuedByRobot) = await IssueAsync(client, new { name = "child", subject = "someone" }, AuthRequests.Bearer(adminToken));
        Assert.Equal("ops-robot", issuedByRobot.GetProperty("createdBy").GetString());
    }

    [Fact]
    public async Task The_list_shows_every_token_but_never_a_secret_or_hash()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (firstId, first, _) = await IssueAsync(client, new { name = "one", subject = "s1" });
        host.Clock.Now += TimeSpan.FromSeconds(1);
        var (secondId, second, _) = await IssueAsync(client, new { name = "two", subject = "s2", expiresAt = "2027-01-01T00:00:00+01:00" });
        using (await client.WhoamiAsync(AuthRequests.Bearer(first)))
        {
        }

        using var list = await client.SendAsync(HttpMethod.Get, "/api/tokens", Admin);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var text = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(first, text, StringComparison.Ordinal);
        Assert.DoesNotContain(second, text, StringComparison.Ordinal);
        Assert.DoesNotContain(first[3..], text, StringComparison.Ordinal);

        var tokens = JsonDocument.Parse(text).RootElement.GetProperty("tokens").EnumerateArray().ToList();
        Assert.Equal([firstId, secondId], tokens.Select(t => t.GetProperty("id").GetGuid()));
        Assert.All(tokens, t =>
        {
            var names = t.EnumerateObject().Select(p => p.Name).ToList();
            Assert.DoesNotContain("token", names);
            Assert.DoesNotContain(names, n => n.Contains("hash", StringComparison.OrdinalIgnoreCase) || n.Contains("sha", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("active", t.GetProperty("status").GetString());
        });
        Assert.Equal(AuthTestHost.Start.AddSeconds(1), tokens[0].GetProperty("lastUsedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, tokens[1].GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero), tokens[1].GetProperty("expiresAt").GetDateTimeOffset());

        using var one = await client.SendAsync(HttpMethod.Get, $"/api/tokens/{secondId}", Admin);
        var single = await one.JsonAsync();
        Assert.Equal("two", single.GetProperty("name").GetString());
        Assert.False(single.TryGetProperty("token", out _));
    }

    [Fact]
    public async Task The_database_holds_only_the_hash_of_a_token()
    {
        var (host, connectionString) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (id, token, _) = await IssueAsync(client, new { name = "stored", subject = "s" });

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // Every column of every row, as text, and the stored digest.
        await using var everything = dataSource.CreateCommand("SELECT row_to_json(t)::text, t.sha256 FROM auth.tokens t");
        await using var reader = await everything.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = reader.GetString(0);
        var stored = (byte[])reader.GetValue(1);
        Assert.False(await reader.ReadAsync());

        Assert.Contains(id.ToString(), row, StringComparison.Ordinal);
        Assert.DoesNotContain(token, row, StringComparison.Ordinal);
        Assert.DoesNotContain(token[3..], row, StringComparison.Ordinal);
        var secret = Convert.FromBase64String(token[3..].Replace('-', '+').Replace('_', '/') + "=");
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), row, StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), stored);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_at_once()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (id, token, _) = await IssueAsync(client, new { name = "short-lived", subject = "s" });
        using (var before = await client.WhoamiAsync(AuthRequests.Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var revoke = await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{id}", Admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var after = await client.WhoamiAsync(AuthRequests.Bearer(token));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("error=\"invalid_token\"", after.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2004 && e.Text.Contains(id.ToString(), StringComparison.Ordinal));

        using var listed = await client.SendAsync(HttpMethod.Get, $"/api/tokens/{id}", Admin);
        var body = await listed.JsonAsync();
        Assert.Equal("revoked", body.GetProperty("status").GetString());
        Assert.Equal(AuthTestHost.Start, body.GetProperty("revokedAt").GetDateTimeOffset());

        // Revoking again is not an error and keeps the first time.
        host.Clock.Now += TimeSpan.FromHours(1);
        using (var again = await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{id}", Admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        using var relisted = await client.SendAsync(HttpMethod.Get, $"/api/tokens/{id}", Admin);
        Assert.Equal(AuthTestHost.Start, (await relisted.JsonAsync()).GetProperty("revokedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Revoking_an_unknown_token_is_404_naming_the_id()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var unknown = Guid.NewGuid();

        using var response = await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{unknown}", Admin);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Contains(unknown.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (id, token, _) = await IssueAsync(client, new { name = "hour", subject = "s", expiresAt = "2026-11-23T10:00:00Z" });

        using (var valid = await client.WhoamiAsync(AuthRequests.Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        host.Clock.Now = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        using var expired = await client.WhoamiAsync(AuthRequests.Bearer(token));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);

        using var listed = await client.SendAsync(HttpMethod.Get, $"/api/tokens/{id}", Admin);
        Assert.Equal("expired", (await listed.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_caller_that_is_not_an_administrator_may_not_manage_tokens()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (id, token, _) = await IssueAsync(client, new { name = "writer", subject = "w" });
        var writer = AuthRequests.Bearer(token);

        using var issue = await client.SendAsync(HttpMethod.Post, "/api/tokens", writer, new { name = "escalate", subject = "w", isAdmin = true });
        using var list = await client.SendAsync(HttpMethod.Get, "/api/tokens", writer);
        using var revoke = await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{id}", writer);
        Assert.All(new[] { issue, list, revoke }, r =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        });

        // The refused revocation did not happen.
        using var still = await client.WhoamiAsync(writer);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_caller_gets_401_on_every_token_endpoint()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();

        using var issue = await client.SendAsync(HttpMethod.Post, "/api/tokens", null, new { name = "x", subject = "y" });
        using var list = await client.SendAsync(HttpMethod.Get, "/api/tokens", null);
        using var revoke = await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{Guid.NewGuid()}", null);
        Assert.All(new[] { issue, list, revoke }, r =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Bearer realm=\"rendezvous\"", r.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("{}", "name,subject")]
    [InlineData("""{"name":"","subject":"s"}""", "name")]
    [InlineData("""{"name":"n","subject":"   "}""", "subject")]
    [InlineData("""{"name":"n","subject":" padded"}""", "subject")]
    [InlineData("""{"name":"n","subject":"line\nbreak"}""", "subject")]
    [InlineData("""{"name":42,"subject":"s"}""", "name")]
    [InlineData("""{"name":"n","subject":"s","isAdmin":"yes"}""", "isAdmin")]
    [InlineData("""{"name":"n","subject":"s","isAdmn":true}""", "isAdmn")]
    [InlineData("""{"name":"n","subject":"s","name":"again"}""", "name")]
    [InlineData("""{"name":"n","subject":"s","expiresAt":"2026-11-23T08:00:00Z"}""", "expiresAt")]
    [InlineData("""{"name":"n","subject":"s","expiresAt":"2027-01-01T00:00:00"}""", "expiresAt")]
    [InlineData("""{"name":"n","subject":"s","expiresAt":"next week"}""", "expiresAt")]
    [InlineData("""{"subject":"s","expiresAt":1234}""", "name,expiresAt")]
    [InlineData("""[{"name":"n","subject":"s"}]""", "$")]
    [InlineData("""{"name":"n",""", "$")]
    public async Task A_bad_body_is_400_naming_each_bad_field(string body, string fields)
    {
        var (host, connectionString) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", Admin);

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Equal(fields.Split(',').Order(StringComparer.Ordinal), errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM auth.tokens");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_name_that_is_too_long_and_a_body_that_is_not_json_are_refused()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();

        using var tooLong = await client.SendAsync(HttpMethod.Post, "/api/tokens", Admin, new { name = new string('n', 101), subject = "s" });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("at most 100", (await tooLong.JsonAsync()).GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = new StringContent("name=n", Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("Authorization", Admin);
        using var notJson = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    [Fact]
    public async Task A_well_formed_token_that_was_never_issued_is_refused()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (_, token, _) = await IssueAsync(client, new { name = "real", subject = "s" });
        // Same shape, one character changed.
        var forged = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');

        using var response = await client.WhoamiAsync(AuthRequests.Bearer(forged));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Without_postgresql_an_issued_token_gets_503_and_the_bootstrap_token_still_works()
    {
        using var host = new AuthTestHost(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = host.Client();
        var token = "rv_" + new string('A', 43);

        using var response = await client.WhoamiAsync(AuthRequests.Bearer(token));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("token store", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, host.Factory.Logs.AllText, StringComparison.Ordinal);

        using var bootstrap = await client.WhoamiAsync(Admin);
        Assert.Equal(HttpStatusCode.OK, bootstrap.StatusCode);
    }

    [Fact]
    public async Task Issued_tokens_never_reach_the_logs()
    {
        var (host, _) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var (id, token, _) = await IssueAsync(client, new { name = "logged?", subject = "s" });
        using (await client.WhoamiAsync(AuthRequests.Bearer(token)))
        using (await client.SendAsync(HttpMethod.Delete, $"/api/tokens/{id}", Admin))
        using (await client.WhoamiAsync(AuthRequests.Bearer(token)))
        {
        }

        var logs = host.Factory.Logs.AllText;
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2002);
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2003);
        Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(token[3..], logs, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Auth;

/// <summary>
/// Basic and Bearer side by side on the existing endpoints and policies, with the real
/// directory and the real database: an LDAP administrator manages tokens, and a token
/// acting as an LDAP user owns what that user published.
/// </summary>
public sealed class AuthSchemesTests(SlapdServer slapd, PostgresServer postgres) : IClassFixture<SlapdServer>, IClassFixture<PostgresServer>
{
    private async Task<(AuthTestHost Host, string People)> StartAsync()
    {
        var people = await slapd.CreateSubtreeAsync();
        var carol = await slapd.AddUserAsync(people, "carol", "carol-password");
        await slapd.AddUserAsync(people, "alice", "alice-password");
        var admins = await slapd.AddGroupAsync(people, "admins", "member", carol);

        var settings = TestSettings.For(await postgres.CreateMigratedDatabaseAsync(), slapd);
        settings["Rendezvous:Auth:Ldap:Directory"] = "local";
        settings["Rendezvous:Auth:Ldap:UserDnTemplate"] = $"uid={{0}},{people}";
        settings["Rendezvous:Auth:Ldap:AdminGroupDn"] = admins;
        return (new AuthTestHost(settings), people);
    }

    [Fact]
    public async Task A_directory_administrator_manages_tokens_and_a_directory_user_may_not()
    {
        var (host, people) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var carol = AuthRequests.Basic("carol", "carol-password");

        using var issued = await client.SendAsync(HttpMethod.Post, "/api/tokens", carol, new { name = "carol's robot", subject = "robot" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal($"ldap:uid=carol,{people}", (await issued.JsonAsync()).GetProperty("createdBy").GetString());

        using var listed = await client.SendAsync(HttpMethod.Get, "/api/tokens", carol);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);

        using var refused = await client.SendAsync(HttpMethod.Get, "/api/tokens", AuthRequests.Basic("alice", "alice-password"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_token_acting_as_a_directory_user_owns_what_that_user_published()
    {
        var (host, people) = await StartAsync();
        using var _host = host;
        using var client = host.Client();
        var alice = AuthRequests.Basic("alice", "alice-password");

        // Alice publishes with her password...
        var start = NtpTime.FromDateTimeOffset(AuthTestHost.Start.AddDays(1));
        var sdp = $"v=0\no=alice 1 1 IN IP4 192.0.2.1\ns=Standup\nc=IN IP4 239.255.1.1/15\nt={start} {start + 3600}\nm=audio 5004 RTP/AVP 0\n";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/conferences") { Content = new StringContent(sdp, Encoding.UTF8, "application/sdp") };
        request.Headers.TryAddWithoutValidation("Authorization", alice);
        using var created = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conference = await created.JsonAsync();
        Assert.Equal($"ldap:uid=alice,{people}", conference.GetProperty("owner").GetString());

        // ...and her automation, with a token issued to act as her, may delete it.
        using var issued = await client.SendAsync(HttpMethod.Post, "/api/tokens", AuthRequests.Bearer(TestSettings.AdminToken),
            new { name = "alice's scheduler", subject = $"ldap:uid=alice,{people}" });
        var token = (await issued.JsonAsync()).GetProperty("token").GetString()!;
        using var deleted = await client.SendAsync(HttpMethod.Delete, $"/api/conferences/{conference.GetProperty("id").GetGuid()}", AuthRequests.Bearer(token));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}

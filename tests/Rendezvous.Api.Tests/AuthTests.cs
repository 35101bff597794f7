using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>Writes need an authenticated caller; the bootstrap token is the administrator.</summary>
public sealed class AuthTests
{
    private const string ProtectedPath = "/api/auth/whoami";

    private static HttpRequestMessage Whoami(string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ProtectedPath);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return request;
    }

    [Fact]
    public async Task Without_a_token_the_protected_endpoint_answers_401_with_problem_details()
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(Whoami(null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer realm=\"rendezvous\"", response.Headers.WwwAuthenticate.ToString());
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>();
        Assert.Equal(401, problem!.Status);
        Assert.Contains("Authorization: Bearer", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bootstrap_token_authenticates_as_admin()
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(Whoami($"Bearer {TestSettings.AdminToken}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmIBody>();
        Assert.Equal(new WhoAmIBody("bootstrap-admin", true, "bootstrap-token"), me);
    }

    [Fact]
    public async Task The_bootstrap_token_can_come_from_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "file-admin-token-0123456789abcdef0123456789\n");
            var settings = TestSettings.For(TestSettings.UnreachablePostgres());
            settings.Remove("Rendezvous:Auth:BootstrapAdminToken");
            settings["Rendezvous:Auth:BootstrapAdminTokenFile"] = file;
            using var factory = new RendezvousFactory(settings);
            using var client = factory.CreateClient();

            using var ok = await client.SendAsync(Whoami("Bearer file-admin-token-0123456789abcdef0123456789"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var refused = await client.SendAsync(Whoami($"Bearer {TestSettings.AdminToken}"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Bearer not-the-admin-token-0123456789abcdef")]
    [InlineData("Bearer test-admin-token-0123456789abcdef012345678")]
    [InlineData("Bearer test-admin-token-0123456789abcdef01234567890")]
    public async Task A_wrong_token_is_refused_as_invalid(string authorization)
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(Whoami(authorization));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Basic YWRtaW46c2VjcmV0")]
    [InlineData("Bearer")]
    [InlineData("Bearer    ")]
    [InlineData("test-admin-token-0123456789abcdef0123456789")]
    public async Task A_malformed_authorization_header_is_refused(string authorization)
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.SendAsync(Whoami(authorization));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_token_no_one_is_admin_and_a_warning_says_so()
    {
        var settings = TestSettings.For(TestSettings.UnreachablePostgres());
        settings.Remove("Rendezvous:Auth:BootstrapAdminToken");
        using var factory = new RendezvousFactory(settings);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Whoami($"Bearer {TestSettings.AdminToken}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(factory.Logs.Entries, e => e.EventId == 1002);
    }

    [Fact]
    public async Task Secrets_never_reach_the_logs()
    {
        const string pgPassword = "pg-password-that-must-not-be-logged";
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres(pgPassword)));
        using var client = factory.CreateClient();

        using (await client.SendAsync(Whoami($"Bearer {TestSettings.AdminToken}")))
        using (await client.SendAsync(Whoami("Bearer wrong-token-that-must-not-be-logged")))
        using (await client.GetAsync("/readyz"))
        {
        }

        // The database is unreachable, so the migration retry has logged its failure.
        await Eventually.TrueAsync(() => factory.Logs.Entries.Any(e => e.EventId == 3003), within: TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(100), message: "the condition did not come true within 10 s");
        var logs = factory.Logs.AllText;
        Assert.Contains("Refused an unknown bearer token", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(TestSettings.AdminToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token-that-must-not-be-logged", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(pgPassword, logs, StringComparison.Ordinal);
    }

    private sealed record ProblemBody(int Status, string Title, string Detail);

    private sealed record WhoAmIBody(string Subject, bool IsAdmin, string Method);
}

using System.Net;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// /healthz says the process is up; /readyz names PostgreSQL and each directory and says
/// what is failing. A dependency that is missing at start-up does not stop the service,
/// and readiness recovers by itself when it comes back.
/// </summary>
public sealed class HealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Ready_when_postgresql_and_the_directory_answer()
    {
        await using var postgres = await Started(new PostgresServer());
        await using var slapd = await Started(new SlapdServer());
        using var factory = new RendezvousFactory(TestSettings.For(await postgres.Server.CreateDatabaseAsync(), slapd.Server));
        using var client = factory.CreateClient();

        var report = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, Patience);
        Assert.Equal("healthy", report.GetProperty("status").GetString());
        Assert.Equal("healthy", Http.Check(report, "postgresql").GetProperty("status").GetString());
        var directory = Http.Check(report, "local");
        Assert.Equal("ldap", directory.GetProperty("kind").GetString());
        Assert.Equal("healthy", directory.GetProperty("status").GetString());

        var live = await Http.WaitForStatusAsync(client, "/healthz", HttpStatusCode.OK, Patience);
        Assert.Equal("healthy", live.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_missing_postgresql_at_start_up_is_reported_and_recovered_from()
    {
        await using var postgres = await Started(new PostgresServer());
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await postgres.Server.StopAsync();

        using var factory = new RendezvousFactory(TestSettings.For(connectionString));
        using var client = factory.CreateClient();

        // The service is up, but not ready, and says why.
        await Http.WaitForStatusAsync(client, "/healthz", HttpStatusCode.OK, Patience);
        // Before the first attempt the report says the migrations have not run; after it,
        // it names the connection failure.
        var down = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable, Patience,
            until: r => Http.Check(r, "postgresql").GetProperty("error").GetString()!.Contains("connect", StringComparison.OrdinalIgnoreCase));
        var check = Http.Check(down, "postgresql");
        Assert.Equal("unhealthy", check.GetProperty("status").GetString());
        Assert.StartsWith("schema migrations not applied: Failed to connect to 127.0.0.1", check.GetProperty("error").GetString(), StringComparison.Ordinal);

        await postgres.Server.StartAsync();
        var up = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, Patience);
        Assert.Equal("healthy", Http.Check(up, "postgresql").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_directory_missing_at_start_up_or_lost_later_is_named_and_recovered_from()
    {
        await using var postgres = await Started(new PostgresServer());
        await using var slapd = await Started(new SlapdServer());
        await slapd.Server.StopAsync();
        using var factory = new RendezvousFactory(TestSettings.For(await postgres.Server.CreateDatabaseAsync(), slapd.Server));
        using var client = factory.CreateClient();

        // Missing at start-up: the service runs, and readiness names the directory.
        var down = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable, Patience);
        var check = Http.Check(down, "local");
        Assert.Equal("unhealthy", check.GetProperty("status").GetString());
        Assert.StartsWith(slapd.Server.Url, check.GetProperty("error").GetString(), StringComparison.Ordinal);

        await slapd.Server.StartAsync();
        await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, Patience);

        // Lost later: named again, while PostgreSQL stays healthy.
        await slapd.Server.StopAsync();
        var lost = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable, Patience);
        Assert.Equal("unhealthy", Http.Check(lost, "local").GetProperty("status").GetString());
        Assert.Equal("healthy", Http.Check(lost, "postgresql").GetProperty("status").GetString());

        await slapd.Server.StartAsync();
        await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, Patience);
    }

    [Fact]
    public async Task A_directory_that_refuses_the_bind_is_not_ready()
    {
        await using var postgres = await Started(new PostgresServer());
        await using var slapd = await Started(new SlapdServer());
        var settings = TestSettings.For(await postgres.Server.CreateDatabaseAsync(), slapd.Server);
        settings.Remove("Rendezvous:Directories:0:Bind:PasswordFile");
        settings["Rendezvous:Directories:0:Bind:Password"] = "not-the-directory-password";
        using var factory = new RendezvousFactory(settings);
        using var client = factory.CreateClient();

        var report = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable, Patience);
        Assert.Contains("credential", Http.Check(report, "local").GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<Owned<T>> Started<T>(T server) where T : IAsyncLifetime
    {
        await server.InitializeAsync();
        return new Owned<T>(server);
    }

    /// <summary>A fixture owned by one test, disposed at its end.</summary>
    private sealed class Owned<T>(T server) : IAsyncDisposable where T : IAsyncLifetime
    {
        public T Server { get; } = server;

        public async ValueTask DisposeAsync() => await Server.DisposeAsync();
    }
}

using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Auth;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Support;

/// <summary>The service on a migrated database of its own, with a clock the test sets and two test users besides the admin.</summary>
internal sealed class ConferenceApiHost : IDisposable
{
    public const string AliceToken = "alice-token-0123456789abcdef0123456789";
    public const string BobToken = "bob-token-0123456789abcdef0123456789ab";

    private ConferenceApiHost(RendezvousFactory factory, ManualClock clock, string connectionString)
    {
        Factory = factory;
        Clock = clock;
        ConnectionString = connectionString;
    }

    public RendezvousFactory Factory { get; }

    public ManualClock Clock { get; }

    public string ConnectionString { get; }

    public static async Task<ConferenceApiHost> StartAsync(PostgresServer postgres, DateTimeOffset now, Action<Dictionary<string, string?>>? settings = null, string? connectionString = null)
    {
        connectionString ??= await postgres.CreateMigratedDatabaseAsync();
        var values = TestSettings.For(connectionString);
        settings?.Invoke(values);
        var clock = new ManualClock(now);
        var factory = new RendezvousFactory(values, services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IBearerTokenValidator>(new TestUsers());
        });
        return new ConferenceApiHost(factory, clock, connectionString);
    }

    /// <summary>A client that sends <paramref name="token"/>, or no credentials when null.</summary>
    public HttpClient Client(string? token = TestSettings.AdminToken)
    {
        var client = Factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public void Dispose() => Factory.Dispose();

    /// <summary>Two ordinary (non-admin) callers, added through the same extension point issued tokens use.</summary>
    private sealed class TestUsers : IBearerTokenValidator
    {
        public ValueTask<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken) => ValueTask.FromResult(token switch
        {
            AliceToken => new CallerIdentity("alice", "Alice", IsAdmin: false, Method: "test-token"),
            BobToken => new CallerIdentity("bob", "Bob", IsAdmin: false, Method: "test-token"),
            _ => (CallerIdentity?)null,
        });
    }
}

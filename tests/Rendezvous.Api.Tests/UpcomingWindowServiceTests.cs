using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// The in-memory window of upcoming occurrences, as the host runs it: filled in the
/// background, invalidated by this instance's writes at once and by other instances' writes
/// through PostgreSQL notifications, and given up while those cannot be heard.
/// </summary>
public sealed class UpcomingWindowServiceTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static string Sdp(string name, string times) =>
        $"v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns={name}\r\nc=IN IP4 239.255.1.1/15\r\n{times}\r\nm=audio 5004 RTP/AVP 0\r\n";

    private static string Times(TimeSpan start, TimeSpan length) =>
        $"t={NtpTime.FromDateTimeOffset(Now + start)} {NtpTime.FromDateTimeOffset(Now + start + length)}";

    private static async Task<(List<string> Names, string AnsweredBy)> UpcomingAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/conferences/upcoming");
        response.EnsureSuccessStatusCode();
        var timing = string.Join(",", response.Headers.GetValues("Server-Timing"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var names = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
        return (names, timing.Contains("desc=memory", StringComparison.Ordinal) ? "memory" : "database");
    }

    /// <summary>Asks until <paramref name="done"/> holds, for at most <paramref name="seconds"/>; returns the last answer.</summary>
    private static async Task<(List<string> Names, string AnsweredBy)> UntilAsync(HttpClient client, Func<(List<string> Names, string AnsweredBy), bool> done, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var answer = await UpcomingAsync(client);
            if (done(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(50);
        }
    }

    private static string Show((List<string> Names, string AnsweredBy) answer) => $"{answer.AnsweredBy}: {string.Join(", ", answer.Names)}";

    private static async Task CreateAsync(HttpClient client, string sdp)
    {
        using var response = await client.PostAsync("/api/conferences", new StringContent(sdp, Encoding.UTF8, "application/sdp"));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Each_instance_answers_from_memory_and_sees_the_writes_of_every_instance()
    {
        using var first = await ConferenceApiHost.StartAsync(postgres, Now);
        using var second = await ConferenceApiHost.StartAsync(postgres, Now, connectionString: first.ConnectionString);
        using var a = first.Client();
        using var b = second.Client();
        await CreateAsync(a, Sdp("Always", "t=0 0"));

        var warm = await UntilAsync(b, x => x.AnsweredBy == "memory");
        Assert.Equal("memory: Always", Show(warm));
        Assert.Equal("memory", (await UntilAsync(a, x => x.AnsweredBy == "memory")).AnsweredBy);

        // The writer's own next read sees its write.
        await CreateAsync(a, Sdp("Soon", Times(TimeSpan.FromHours(1), TimeSpan.FromHours(1))));
        Assert.Equal(["Always", "Soon"], (await UpcomingAsync(a)).Names);

        // The other instance hears of it (its window would otherwise live for 300 s), and uses memory again after.
        var seen = await UntilAsync(b, x => x.Names.Contains("Soon"), seconds: 5);
        Assert.Equal(["Always", "Soon"], seen.Names);
        Assert.Equal("memory: Always, Soon", Show(await UntilAsync(b, x => x.AnsweredBy == "memory")));

        // Cut the second instance's notification connection: whatever it answers meanwhile
        // includes every later write, and it listens and uses memory again afterwards.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(first.ConnectionString))
        await using (var kill = dataSource.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN rendezvous_catalog'"))
        {
            Assert.Equal(2L, (long)(await kill.ExecuteScalarAsync())!);
        }

        await CreateAsync(a, Sdp("Later", Times(TimeSpan.FromHours(3), TimeSpan.FromHours(1))));
        Assert.Equal(["Always", "Soon", "Later"], (await UntilAsync(b, x => x.Names.Count == 3, seconds: 5)).Names);
        Assert.Equal("memory: Always, Soon, Later", Show(await UntilAsync(b, x => x.AnsweredBy == "memory", seconds: 15)));
    }

    [Fact]
    public async Task The_window_can_be_switched_off()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, s => s["Rendezvous:Catalog:MemoryWindowEnabled"] = "false");
        using var client = host.Client();
        await CreateAsync(client, Sdp("Always", "t=0 0"));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("database: Always", Show(await UpcomingAsync(client)));
            await Task.Delay(100);
        }
    }
}

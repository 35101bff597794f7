using Microsoft.Extensions.Options;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Catalog.Conferences;

namespace Rendezvous.Directory.Tests.Catalog;

/// <summary>
/// The in-memory window must give exactly the pages PostgreSQL gives, and must never be used
/// when it might be out of date. The host's change listener is tested in the Api tests; here
/// the test plays its part (it is the only writer of its database).
/// </summary>
public sealed class UpcomingWindowTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private sealed record Windowed(TestCatalog Test, UpcomingWindow Window, ConferenceCatalog Catalog);

    private static async Task<bool> FillAsync(Windowed w)
    {
        var version = w.Window.Version;
        var (from, until) = w.Window.NextWindow();
        var content = await w.Catalog.ReadWindowAsync(from, until, w.Test.Options.MemoryWindowMaxOccurrences, CancellationToken.None);
        return content is not null && w.Window.Install(content, version);
    }

    private static UpcomingQuery Default(DateTimeOffset now, int limit = 50) => new(now, now + UpcomingDefaults.Window, limit);

    [Fact]
    public async Task Pages_from_memory_equal_pages_from_postgresql_for_random_catalogs_and_queries()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var window = new UpcomingWindow(test.Clock, Options.Create(test.Options));
        var windowed = new ConferenceCatalog(test.DataSource, test.Clock, Options.Create(test.Options), window);

        // Random ids, so that PostgreSQL's uuid order (bytes, big-endian) is exercised in every byte;
        // many conferences share start times, so that ties are broken by id and sequence.
        var scopes = Enum.GetValues<SdpAdvertisingScope>();
        for (var n = 0; n < 160; n++)
        {
            var start = Now.AddHours(random.Next(-48, 24 * 9)).AddMinutes(15 * random.Next(0, 2));
            var times = random.Next(8) switch
            {
                0 => "t=0 0",
                1 => $"t={Ntp(start)} 0",
                2 => $"t={Ntp(start)} {Ntp(start.AddDays(30))}\r\nr=7d 1h 0 25h",
                3 => $"t={Ntp(start)} {Ntp(start.AddDays(20))}\r\nr=1d 30m 0\r\nz={Ntp(Now.AddDays(3))} -1h",
                4 => $"t={Ntp(start)} {Ntp(start.AddDays(2))}",
                _ => $"t={Ntp(start)} {Ntp(start.AddHours(1))}",
            };
            var draft = Draft($"Conference {n}", times, scopes[random.Next(scopes.Length)]);
            await windowed.CreateAsync(new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 16)), draft, "alice", CancellationToken.None);
        }

        window.Listening();
        Assert.True(await FillAsync(new Windowed(test, window, windowed)));

        for (var q = 0; q < 60; q++)
        {
            var from = q == 0 ? Now : Now.AddMinutes(random.Next(0, 24 * 60));
            var to = q == 0 ? from + UpcomingDefaults.Window : from.AddMinutes(random.Next(1, (int)(Now + window.Span - from).TotalMinutes));
            SdpAdvertisingScope? scope = random.Next(3) == 0 ? scopes[random.Next(scopes.Length)] : null;
            var query = new UpcomingQuery(from, to, random.Next(1, 40), Scope: scope);
            var pages = 0;
            while (true)
            {
                var remembered = await windowed.UpcomingAsync(query, CancellationToken.None);
                var stored = await test.Catalog.UpcomingAsync(query, CancellationToken.None);
                Assert.True(remembered.FromMemory, $"seed {seed}, query {q}: answered by PostgreSQL");
                Assert.False(stored.FromMemory);
                Assert.True(stored.Items.SequenceEqual(remembered.Items), $"seed {seed}, query {q}, page {pages}: {query}");
                Assert.Equal(stored.Next, remembered.Next);
                pages++;
                if (stored.Next is null)
                {
                    break;
                }

                query = query with { After = stored.Next };
            }
        }
    }

    [Fact]
    public async Task The_window_is_not_used_unless_it_is_certainly_current()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now, new CatalogOptions { MemoryWindowRefreshSeconds = 60 });
        var window = new UpcomingWindow(test.Clock, Options.Create(test.Options));
        var w = new Windowed(test, window, new ConferenceCatalog(test.DataSource, test.Clock, Options.Create(test.Options), window));
        await w.Catalog.CreateAsync(Id(1), Draft("Always", "t=0 0"), "alice", CancellationToken.None);

        // Not listening for other instances' changes: never used, even when filled.
        Assert.True(await FillAsync(w));
        Assert.False((await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).FromMemory);

        window.Listening();
        Assert.False((await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).FromMemory, "listening began after the fill");
        Assert.True(await FillAsync(w));
        Assert.True((await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).FromMemory);
        Assert.Equal(1, window.Count);

        // A text filter is PostgreSQL's to decide (ILIKE).
        Assert.False((await w.Catalog.UpcomingAsync(Default(Now) with { Text = "alw" }, CancellationToken.None)).FromMemory);

        // A window reaching past the copy's end.
        Assert.False((await w.Catalog.UpcomingAsync(new UpcomingQuery(Now, Now.AddDays(8), 50), CancellationToken.None)).FromMemory);

        // A write here is seen by the very next query, and a copy read before it is refused.
        var staleVersion = window.Version;
        var (from, until) = window.NextWindow();
        var stale = await w.Catalog.ReadWindowAsync(from, until, 1000, CancellationToken.None);
        await w.Catalog.CreateAsync(Id(2), Draft("Soon", $"t={Ntp(Now.AddHours(1))} {Ntp(Now.AddHours(2))}"), "alice", CancellationToken.None);
        var afterWrite = await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None);
        Assert.False(afterWrite.FromMemory);
        Assert.Equal([Id(1), Id(2)], afterWrite.Items.Select(i => i.ConferenceId));
        Assert.False(window.Install(stale!, staleVersion));
        Assert.True(await FillAsync(w));
        Assert.Equal(2, (await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).Items.Count);

        // A deletion, and a change announced by another instance (the notification).
        Assert.Equal(CatalogWriteStatus.Done, await w.Catalog.DeleteAsync(Id(2), null, CancellationToken.None));
        Assert.Null(window.Count);
        Assert.True(await FillAsync(w));
        window.Invalidate();
        Assert.False((await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).FromMemory);

        // Losing the notification connection stops its use; so does age.
        Assert.True(await FillAsync(w));
        window.NotListening();
        Assert.False((await w.Catalog.UpcomingAsync(Default(Now), CancellationToken.None)).FromMemory);
        window.Listening();
        Assert.True(await FillAsync(w));
        test.Clock.Now = Now.AddSeconds(59);
        Assert.True((await w.Catalog.UpcomingAsync(Default(test.Clock.Now), CancellationToken.None)).FromMemory);
        test.Clock.Now = Now.AddSeconds(60);
        Assert.False((await w.Catalog.UpcomingAsync(Default(test.Clock.Now), CancellationToken.None)).FromMemory);
        test.Clock.Now = Now.AddSeconds(-1);
        Assert.False((await w.Catalog.UpcomingAsync(Default(test.Clock.Now), CancellationToken.None)).FromMemory, "a clock that went back");
    }

    [Fact]
    public async Task A_window_over_the_configured_size_is_not_kept()
    {
        await using var w0 = await TestCatalog.CreateAsync(postgres, Now, new CatalogOptions { MemoryWindowMaxOccurrences = 3 });
        var window = new UpcomingWindow(w0.Clock, Options.Create(w0.Options));
        var catalog = new ConferenceCatalog(w0.DataSource, w0.Clock, Options.Create(w0.Options), window);
        await catalog.CreateAsync(Id(1), Draft("Daily", $"t={Ntp(Now)} {Ntp(Now.AddDays(10))}\r\nr=1d 1h 0"), "alice", CancellationToken.None);
        var (from, until) = window.NextWindow();
        Assert.Null(await catalog.ReadWindowAsync(from, until, 3, CancellationToken.None));
        Assert.Equal(8, (await catalog.ReadWindowAsync(from, until, 8, CancellationToken.None))!.Items.Count);
    }
}

using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Catalog.Conferences;

namespace Rendezvous.Directory.Tests.Catalog;

/// <summary>The catalog against a real PostgreSQL: storage, versions, and occurrences listed by keyset.</summary>
public sealed class ConferenceCatalogTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    // Monday 2026-11-23 00:00 UTC.
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_conference_is_stored_with_its_text_fields_and_bounds()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var draft = Draft("Town hall", $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}", SdpAdvertisingScope.Region, information: "Quarterly");
        var created = await test.Catalog.CreateAsync(Id(1), draft, "alice", CancellationToken.None);

        var read = await test.Catalog.GetAsync(Id(1), CancellationToken.None);
        Assert.Equal(created, read);
        Assert.Equal(draft.Document.Text, read!.Sdp);
        Assert.Equal(("Town hall", "Quarterly", "alice", "alice", SdpAdvertisingScope.Region, 1L), (read.Name, read.Information, read.Originator, read.Owner, read.AdvertisingScope, read.Version));
        Assert.Equal(new SdpBounds(At("2026-11-24T10:00:00Z"), At("2026-11-24T11:00:00Z")), read.Bounds);
        var join = Assert.Single(read.Join);
        Assert.Equal(("audio", 5004, "239.255.1.1", 15), (join.Kind, join.Port, join.Groups[0].Address, join.Groups[0].Ttl));
        Assert.Equal(Now, read.CreatedAt);
        Assert.Null(await test.Catalog.GetAsync(Id(2), CancellationToken.None));
    }

    [Fact]
    public async Task Permanent_and_unbounded_bounds_are_stored_as_open_ranges()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var permanent = await test.Catalog.CreateAsync(Id(1), Draft("Always", "t=0 0"), "alice", CancellationToken.None);
        var unbounded = await test.Catalog.CreateAsync(Id(2), Draft("From now on", $"t={Ntp("2026-11-20T00:00:00Z")} 0"), "alice", CancellationToken.None);
        Assert.Equal(new SdpBounds(null, null), permanent.Bounds);
        Assert.Equal(new SdpBounds(At("2026-11-20T00:00:00Z"), null), unbounded.Bounds);
    }

    [Fact]
    public async Task Updates_and_deletes_check_the_row_version()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        await test.Catalog.CreateAsync(Id(1), Draft("v1", "t=0 0"), "alice", CancellationToken.None);
        test.Clock.Now = Now.AddMinutes(5);

        var updated = await test.Catalog.UpdateAsync(Id(1), 1, Draft("v2", "t=0 0"), CancellationToken.None);
        Assert.Equal(CatalogWriteStatus.Done, updated.Status);
        Assert.Equal(("v2", 2L, "alice", Now, Now.AddMinutes(5)), (updated.Conference!.Name, updated.Conference.Version, updated.Conference.Owner, updated.Conference.CreatedAt, updated.Conference.UpdatedAt));

        Assert.Equal(CatalogWriteStatus.VersionConflict, (await test.Catalog.UpdateAsync(Id(1), 1, Draft("stale", "t=0 0"), CancellationToken.None)).Status);
        Assert.Equal(CatalogWriteStatus.NotFound, (await test.Catalog.UpdateAsync(Id(9), 1, Draft("none", "t=0 0"), CancellationToken.None)).Status);
        Assert.Equal("v2", (await test.Catalog.GetAsync(Id(1), CancellationToken.None))!.Name);

        Assert.Equal(CatalogWriteStatus.VersionConflict, await test.Catalog.DeleteAsync(Id(1), 1, CancellationToken.None));
        Assert.Equal(CatalogWriteStatus.Done, await test.Catalog.DeleteAsync(Id(1), 2, CancellationToken.None));
        Assert.Equal(CatalogWriteStatus.NotFound, await test.Catalog.DeleteAsync(Id(1), null, CancellationToken.None));
    }

    [Fact]
    public async Task Upcoming_lists_every_kind_of_schedule_as_hand_computed()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var c = test.Catalog;
        await c.CreateAsync(Id(1), Draft("Single", $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}"), "alice", CancellationToken.None);
        // Weekly on Monday 09:00 and, 25 hours later, Tuesday 10:00, for four weeks (RFC 8866 section 5.10's form).
        await c.CreateAsync(Id(2), Draft("Weekly", $"t={Ntp("2026-11-23T09:00:00Z")} {Ntp("2026-12-21T00:00:00Z")}\r\nr=7d 1h 0 25h"), "alice", CancellationToken.None);
        await c.CreateAsync(Id(3), Draft("Always", "t=0 0"), "alice", CancellationToken.None);
        await c.CreateAsync(Id(4), Draft("Open-ended", $"t={Ntp("2026-11-20T00:00:00Z")} 0"), "alice", CancellationToken.None);
        // Weekly Monday 12:00; from December 1st the time base moves back an hour (z=).
        await c.CreateAsync(Id(5), Draft("Shifted", $"t={Ntp("2026-11-23T12:00:00Z")} {Ntp("2026-12-14T13:00:00Z")}\r\nr=7d 1h 0\r\nz={Ntp("2026-12-01T00:00:00Z")} -1h"), "alice", CancellationToken.None);
        await c.CreateAsync(Id(6), Draft("Over", $"t={Ntp("2026-11-01T10:00:00Z")} {Ntp("2026-11-01T11:00:00Z")}"), "alice", CancellationToken.None);

        var page = await c.UpcomingAsync(new UpcomingQuery(Now, At("2026-12-21T00:00:00Z"), 100), CancellationToken.None);
        Assert.Null(page.Next);
        string?[] expected =
        [
            "Always - -",
            "Open-ended 2026-11-20T00:00 -",
            "Weekly 2026-11-23T09:00 2026-11-23T10:00",
            "Shifted 2026-11-23T12:00 2026-11-23T13:00",
            "Single 2026-11-24T10:00 2026-11-24T11:00",
            "Weekly 2026-11-24T10:00 2026-11-24T11:00",
            "Weekly 2026-11-30T09:00 2026-11-30T10:00",
            "Shifted 2026-11-30T12:00 2026-11-30T13:00",
            "Weekly 2026-12-01T10:00 2026-12-01T11:00",
            "Weekly 2026-12-07T09:00 2026-12-07T10:00",
            "Shifted 2026-12-07T11:00 2026-12-07T12:00",
            "Weekly 2026-12-08T10:00 2026-12-08T11:00",
            "Weekly 2026-12-14T09:00 2026-12-14T10:00",
            "Shifted 2026-12-14T11:00 2026-12-14T12:00",
            "Weekly 2026-12-15T10:00 2026-12-15T11:00",
        ];
        Assert.Equal(expected, page.Items.Select(Describe));
    }

    [Fact]
    public async Task Upcoming_filters_by_text_and_scope_and_window()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var c = test.Catalog;
        var day = $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}";
        await c.CreateAsync(Id(1), Draft("Town hall", day, SdpAdvertisingScope.Site), "alice", CancellationToken.None);
        await c.CreateAsync(Id(2), Draft("Lecture", day, SdpAdvertisingScope.World, information: "About the TOWN"), "alice", CancellationToken.None);
        await c.CreateAsync(Id(3), Draft("100% off_sale", day, SdpAdvertisingScope.World), "alice", CancellationToken.None);

        async Task<string[]> Names(UpcomingQuery q) => [.. (await c.UpcomingAsync(q, CancellationToken.None)).Items.Select(i => i.Name)];
        var week = new UpcomingQuery(Now, Now.AddDays(7), 50);
        Assert.Equal(["Town hall", "Lecture"], await Names(week with { Text = "town" }));
        Assert.Equal(["Lecture", "100% off_sale"], await Names(week with { Scope = SdpAdvertisingScope.World }));
        Assert.Equal(["100% off_sale"], await Names(week with { Text = "0% off_" }));
        Assert.Equal(["100% off_sale"], await Names(week with { Text = "%" }));
        Assert.Empty(await Names(week with { Text = "1_0" })); // _ is a letter here, not a LIKE wildcard
        Assert.Empty(await Names(week with { From = At("2026-11-24T11:00:00Z") }));
        Assert.Equal(3, (await Names(week with { From = At("2026-11-24T10:59:59Z"), To = At("2026-11-24T11:00:00Z") })).Length);
    }

    [Fact]
    public async Task Pages_are_stable_when_conferences_are_inserted_between_them()
    {
        await using var test = await TestCatalog.CreateAsync(postgres, Now);
        var c = test.Catalog;
        for (var day = 1; day <= 6; day++)
        {
            await c.CreateAsync(Id(day), Draft($"Day {day}", $"t={Ntp($"2026-11-2{day + 2}T10:00:00Z")} {Ntp($"2026-11-2{day + 2}T11:00:00Z")}"), "alice", CancellationToken.None);
        }

        var query = new UpcomingQuery(Now, Now.AddDays(8), 2);
        var first = await c.UpcomingAsync(query, CancellationToken.None);
        Assert.Equal(["Day 1", "Day 2"], first.Items.Select(i => i.Name));

        // One before the cursor and one after it: the next page neither repeats nor skips.
        await c.CreateAsync(Id(10), Draft("Early", $"t={Ntp("2026-11-23T08:00:00Z")} {Ntp("2026-11-23T09:00:00Z")}"), "alice", CancellationToken.None);
        await c.CreateAsync(Id(11), Draft("Late", $"t={Ntp("2026-11-25T12:00:00Z")} {Ntp("2026-11-25T13:00:00Z")}"), "alice", CancellationToken.None);
        Assert.True(UpcomingCursor.TryDecode(first.Next!.Value.Encode(), out var cursor));
        var second = await c.UpcomingAsync(query with { After = cursor }, CancellationToken.None);
        Assert.Equal(["Day 3", "Late"], second.Items.Select(i => i.Name));
        var third = await c.UpcomingAsync(query with { After = second.Next }, CancellationToken.None);
        Assert.Equal(["Day 4", "Day 5"], third.Items.Select(i => i.Name));
        var last = await c.UpcomingAsync(query with { After = third.Next }, CancellationToken.None);
        Assert.Equal(["Day 6"], last.Items.Select(i => i.Name));
        Assert.Null(last.Next);
    }

    [Fact]
    public async Task Maintenance_moves_the_horizon_and_drops_old_occurrences()
    {
        var options = new CatalogOptions { HorizonDays = 14, RetentionDays = 7 };
        await using var test = await TestCatalog.CreateAsync(postgres, Now, options);
        var c = test.Catalog;
        // Daily at 10:00 for a year.
        await c.CreateAsync(Id(1), Draft("Daily", $"t={Ntp("2026-11-01T10:00:00Z")} {Ntp("2027-11-01T10:00:00Z")}\r\nr=1d 1h 0"), "alice", CancellationToken.None);
        Assert.Equal(Enumerable.Range(16, 7 + 14).Select(d => Now.AddDays(d - 23).AddHours(10)), await StartsAsync(test));

        test.Clock.Now = Now.AddDays(30);
        Assert.Equal(1, await c.MaintainAsync(100, CancellationToken.None));
        Assert.Equal(0, await c.MaintainAsync(100, CancellationToken.None));
        var starts = await StartsAsync(test);
        Assert.Equal(test.Clock.Now.AddDays(-7).AddHours(10), starts[0]);
        Assert.Equal(test.Clock.Now.AddDays(13).AddHours(10), starts[^1]);
        Assert.Equal(starts.Distinct().Count(), starts.Count);

        var page = await c.UpcomingAsync(new UpcomingQuery(test.Clock.Now, test.Clock.Now.AddDays(3), 10), CancellationToken.None);
        Assert.Equal(3, page.Items.Count);
    }

    [Fact]
    public async Task A_dense_schedule_is_stored_up_to_the_cap_and_extended_later()
    {
        var options = new CatalogOptions { HorizonDays = 30, RetentionDays = 1, MaxOccurrencesPerConference = 24 };
        await using var test = await TestCatalog.CreateAsync(postgres, Now, options);
        // Hourly, with two offsets that coincide at the cap boundary would duplicate; one offset here.
        await test.Catalog.CreateAsync(Id(1), Draft("Hourly", $"t={Ntp("2026-11-23T00:00:00Z")} {Ntp("2026-12-23T00:00:00Z")}\r\nr=1h 10m 0"), "alice", CancellationToken.None);
        var starts = await StartsAsync(test);
        Assert.Equal(24, starts.Count);
        Assert.Equal(Now.AddHours(23), starts[^1]);

        test.Clock.Now = Now.AddDays(1);
        Assert.Equal(1, await test.Catalog.MaintainAsync(10, CancellationToken.None));
        starts = await StartsAsync(test);
        Assert.Equal(Now.AddHours(24), starts[24]);
        Assert.Equal(starts.Distinct().Count(), starts.Count);
    }

    private static async Task<List<DateTimeOffset>> StartsAsync(TestCatalog test)
    {
        await using var command = test.DataSource.CreateCommand("SELECT starts_at FROM directory.occurrences ORDER BY starts_at");
        await using var reader = await command.ExecuteReaderAsync();
        var starts = new List<DateTimeOffset>();
        while (await reader.ReadAsync())
        {
            starts.Add(new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)));
        }

        return starts;
    }

    private static string Describe(UpcomingItem item) =>
        $"{item.Name} {item.Start?.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {item.Stop?.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";
}

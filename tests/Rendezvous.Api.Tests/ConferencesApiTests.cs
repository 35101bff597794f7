using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>/api/conferences through the real HTTP stack, against a real PostgreSQL.</summary>
public sealed class ConferencesApiTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    // Monday 2026-11-23 00:00 UTC.
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static ulong Ntp(string utc) => NtpTime.FromDateTimeOffset(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Not canonical on purpose (LF line ends, an unusual but valid session name), to prove byte-exact storage.</summary>
    private static string Sdp(string name, string times, string group = "239.255.1.1/15") =>
        $"v=0\no=alice 3724394400 3724394400 IN IP4 192.0.2.1\ns=  {name}  \nc=IN IP4 {group}\n{times}\nm=audio 5004 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n";

    private static StringContent SdpContent(string text) => new(text, Encoding.UTF8, "application/sdp");

    private static async Task<(Guid Id, string ETag)> CreateAsync(HttpClient client, string sdp, string query = "")
    {
        using var response = await client.PostAsync($"/api/conferences{query}", SdpContent(sdp));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        return (id, response.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task An_sdp_is_created_and_served_back_byte_exact()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        var sdp = Sdp("Town hall", $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}");

        using var created = await client.PostAsync("/api/conferences?scope=site", SdpContent(sdp));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/conferences/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);

        using var sdpRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/conferences/{id}") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/sdp") } } };
        using var asSdp = await client.SendAsync(sdpRequest);
        Assert.Equal("application/sdp", asSdp.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), await asSdp.Content.ReadAsByteArrayAsync());
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), await client.GetByteArrayAsync($"/api/conferences/{id}.sdp"));

        var json = await client.GetFromJsonAsync<JsonElement>($"/api/conferences/{id}");
        Assert.Equal("  Town hall  ", json.GetProperty("name").GetString());
        Assert.Equal("site", json.GetProperty("advertisingScope").GetString());
        Assert.Equal("bootstrap-admin", json.GetProperty("owner").GetString());
        Assert.Equal(sdp, json.GetProperty("sdp").GetString());
        Assert.Equal("3724394400", json.GetProperty("session").GetProperty("origin").GetProperty("sessionId").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("bounds").GetProperty("start").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("nextOccurrence").GetProperty("start").GetDateTimeOffset());
        var join = json.GetProperty("join")[0];
        Assert.Equal(("239.255.1.1", 5004), (join.GetProperty("groups")[0].GetProperty("address").GetString(), join.GetProperty("port").GetInt32()));
    }

    [Fact]
    public async Task A_json_conference_gets_an_sdp_written_by_the_server()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client(ConferenceApiHost.AliceToken);
        var request = new
        {
            name = "Weekly sync",
            description = "Planning, every Monday",
            advertisingScope = "site",
            start = "2026-11-23T09:00:00Z",
            stop = "2026-12-21T00:00:00Z",
            repeats = new[] { new { interval = "7d", duration = "1h", offsets = new[] { "0", "25h" } } },
            connection = new { address = "239.255.10.1", ttl = 15 },
            media = new object[]
            {
                new { kind = "audio", port = 5004, codecs = new object[] { new { payloadType = 0 }, new { payloadType = 96, name = "opus", clockRate = 48000, channels = 2 } } },
            },
        };
        using var created = await client.PostAsJsonAsync("/api/conferences", request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var json = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("alice", json.GetProperty("owner").GetString());

        var description = SdpParser.ParseOrThrow(json.GetProperty("sdp").GetString()!);
        Assert.Equal("Weekly sync", description.Name);
        Assert.Equal("Planning, every Monday", description.Information);
        Assert.Equal("alice", description.Origin.Username);
        Assert.Equal(new SdpConnection("IN", "IP4", "239.255.10.1", 15), description.Connection);
        var time = Assert.Single(description.Times);
        Assert.Equal((Ntp("2026-11-23T09:00:00Z"), Ntp("2026-12-21T00:00:00Z")), (time.Start, time.Stop));
        Assert.Equal(new SdpRepeat(new(7, SdpTimeUnit.Days), new(1, SdpTimeUnit.Hours), [new(0), new(25, SdpTimeUnit.Hours)]), Assert.Single(time.Repeats));
        var media = Assert.Single(description.Media);
        Assert.Equal(("audio", 5004, "RTP/AVP"), (media.Kind, media.Port, media.Proto));
        Assert.Equal(["0", "96"], media.Formats);
        Assert.Equal([new SdpAttribute("rtpmap", "96 opus/48000/2")], media.Attributes);
    }

    [Fact]
    public async Task Upcoming_lists_occurrences_of_every_schedule_kind_as_hand_computed_and_pages_by_cursor()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        // Ties in start time are ordered by conference id (a UUIDv7 from the clock): a
        // millisecond between creations makes that order the order of creation.
        await CreateAsync(client, Sdp("Single", $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}"));
        host.Clock.Now = Now.AddMilliseconds(1);
        await CreateAsync(client, Sdp("Weekly", $"t={Ntp("2026-11-23T09:00:00Z")} {Ntp("2026-12-21T00:00:00Z")}\nr=7d 1h 0 25h"));
        await CreateAsync(client, Sdp("Always", "t=0 0"));
        await CreateAsync(client, Sdp("Open-ended", $"t={Ntp("2026-11-20T00:00:00Z")} 0"));
        await CreateAsync(client, Sdp("Shifted", $"t={Ntp("2026-11-23T12:00:00Z")} {Ntp("2026-12-14T13:00:00Z")}\nr=7d 1h 0\nz={Ntp("2026-12-01T00:00:00Z")} -1h"));

        var items = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"/api/conferences/upcoming?to=2026-12-09T00:00:00Z&limit=4{(cursor is null ? "" : $"&cursor={cursor}")}");
            pages++;
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                var start = item.GetProperty("start");
                items.Add($"{item.GetProperty("name").GetString()!.Trim()} {(start.ValueKind == JsonValueKind.Null ? "permanent" : start.GetDateTimeOffset().ToString("MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))}");
                Assert.Equal($"/api/conferences/{item.GetProperty("conferenceId").GetGuid()}.sdp", item.GetProperty("sdp").GetString());
            }

            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        string[] expected =
        [
            "Always permanent", "Open-ended 11-20 00:00",
            "Weekly 11-23 09:00", "Shifted 11-23 12:00", "Single 11-24 10:00", "Weekly 11-24 10:00",
            "Weekly 11-30 09:00", "Shifted 11-30 12:00", "Weekly 12-01 10:00",
            "Weekly 12-07 09:00", "Shifted 12-07 11:00", "Weekly 12-08 10:00",
        ];
        Assert.Equal(expected, items);
    }

    [Fact]
    public async Task Upcoming_as_icalendar_is_a_feed_a_calendar_can_subscribe_to()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        var (single, _) = await CreateAsync(client, Sdp("Single, with a comma", $"t={Ntp("2026-11-24T10:00:00Z")} {Ntp("2026-11-24T11:00:00Z")}"));
        var (weekly, _) = await CreateAsync(client, Sdp("Weekly", $"t={Ntp("2026-11-23T09:00:00Z")} {Ntp("2026-12-21T10:00:00Z")}\nr=7d 1h 0"));
        var (twice, _) = await CreateAsync(client, Sdp("Twice a week", $"t={Ntp("2026-11-23T12:00:00Z")} {Ntp("2026-12-21T00:00:00Z")}\nr=7d 1h 0 25h"));
        await CreateAsync(client, Sdp("Next year", $"t={Ntp("2027-06-01T10:00:00Z")} {Ntp("2027-06-01T11:00:00Z")}"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/conferences/upcoming") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/calendar") } } };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType!.MediaType);
        var calendar = ICalendarReader.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2.0", calendar.Required("VERSION"));
        var events = calendar.Children("VEVENT").ToList();

        // The single session: one event, its name unescaped intact.
        var one = Assert.Single(events, e => e.Required("UID") == $"{single}@rendezvous");
        Assert.Equal("Single, with a comma", one.Text("SUMMARY")!.Trim());
        Assert.Equal((DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-11-24T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), (one.Utc("DTSTART"), one.Utc("DTEND")));
        Assert.Contains("239.255.1.1", one.Text("LOCATION"), StringComparison.Ordinal);

        // Weekly with one offset maps onto RRULE, and the whole series is one event.
        var series = Assert.Single(events, e => e.Required("UID") == $"{weekly}@rendezvous");
        var (frequency, interval, until) = ICalendarReader.ParseRecur(series.Required("RRULE"));
        Assert.Equal(("WEEKLY", 1, DateTimeOffset.Parse("2026-12-21T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), (frequency, interval, until));
        Assert.Equal(TimeSpan.FromHours(1), ICalendarReader.ParseDuration(series.Required("DURATION")));

        // Two offsets do not map: one event per occurrence inside the 7-day window.
        var occurrences = events.Where(e => e.Required("UID").StartsWith($"{twice}-", StringComparison.Ordinal)).Select(e => e.Utc("DTSTART")).Order().ToList();
        Assert.Equal([DateTimeOffset.Parse("2026-11-23T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2026-11-24T13:00:00Z", System.Globalization.CultureInfo.InvariantCulture)], occurrences);

        // Outside the window: not in the feed.
        Assert.Equal(4, events.Count);
    }

    [Fact]
    public async Task Pages_are_stable_under_inserts_through_the_api()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        for (var day = 24; day <= 27; day++)
        {
            await CreateAsync(client, Sdp($"Day {day}", $"t={Ntp($"2026-11-{day}T10:00:00Z")} {Ntp($"2026-11-{day}T11:00:00Z")}"));
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/api/conferences/upcoming?limit=2");
        await CreateAsync(client, Sdp("Earlier", $"t={Ntp("2026-11-23T10:00:00Z")} {Ntp("2026-11-23T11:00:00Z")}"));
        var second = await client.GetFromJsonAsync<JsonElement>($"/api/conferences/upcoming?limit=2&cursor={first.GetProperty("next").GetString()}");
        Assert.Equal(["Day 24", "Day 25"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!.Trim()));
        Assert.Equal(["Day 26", "Day 27"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!.Trim()));
    }

    [Fact]
    public async Task Replacing_needs_the_current_etag_and_raises_the_session_version()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var admin = host.Client();
        var (id, etag) = await CreateAsync(admin, Sdp("v1", "t=0 0"));
        var replacement = Sdp("v2", "t=0 0");

        using (var noIfMatch = await admin.PutAsync($"/api/conferences/{id}", SdpContent(replacement)))
        {
            Assert.Equal(HttpStatusCode.PreconditionRequired, noIfMatch.StatusCode);
            Assert.Equal("application/problem+json", noIfMatch.Content.Headers.ContentType!.MediaType);
        }

        using (var stale = await Put(admin, id, "\"7\"", replacement))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        }

        using var replaced = await Put(admin, id, etag, replacement);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("\"2\"", replaced.Headers.ETag!.Tag);
        var json = await replaced.Content.ReadFromJsonAsync<JsonElement>();
        var origin = SdpParser.ParseOrThrow(json.GetProperty("sdp").GetString()!).Origin;
        Assert.Equal(("3724394400", "3724394401"), (origin.SessionId, origin.SessionVersion));

        // A body that already carries the next version is stored as it came.
        var next = replacement.Replace("3724394400 3724394400", "3724394400 3724394402", StringComparison.Ordinal);
        using var exact = await Put(admin, id, "\"2\"", next);
        Assert.Equal(next, (await exact.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sdp").GetString());

        using (var weak = await Put(admin, id, "W/\"3\"", replacement))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, weak.StatusCode);
        }
    }

    [Fact]
    public async Task Only_the_owner_or_an_admin_may_change_or_delete()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var bob = host.Client(ConferenceApiHost.BobToken);
        using var admin = host.Client();
        using var anonymous = host.Client(token: null);
        var (id, etag) = await CreateAsync(alice, Sdp("Alice's", "t=0 0"));

        Assert.Equal(HttpStatusCode.Forbidden, (await Put(bob, id, etag, Sdp("Bob's now", "t=0 0"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.DeleteAsync($"/api/conferences/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/api/conferences/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/conferences", SdpContent(Sdp("x", "t=0 0")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/conferences/{id}")).StatusCode);

        using (var byAdmin = await Put(admin, id, etag, Sdp("Edited by the admin", "t=0 0")))
        {
            Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
            Assert.Equal("alice", (await byAdmin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("owner").GetString());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/conferences/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/conferences/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync($"/api/conferences/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_bad_sdp_gives_400_with_every_error_line_and_field()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        var bad = "v=0\r\no=- x 1 IN IP4 192.0.2.1\r\ns=Bad\r\nc=IN IP4 239.255.1.1/999\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n";
        using var response = await client.PostAsync("/api/conferences", SdpContent(bad));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The session description is not valid.", problem.GetProperty("title").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(2, "o= sess-id"), (4, "c= ttl"), (6, "m= port")], errors);
        Assert.Equal(0, await CountConferencesAsync(host));
    }

    [Fact]
    public async Task A_bad_json_conference_gives_400_naming_each_field()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var client = host.Client();
        var request = new
        {
            name = "",
            start = "2026-12-01T10:00:00Z",
            stop = "2026-12-01T09:00:00Z",
            connection = new { address = "239.255.1.1" },
            media = new object[] { new { kind = "audio", port = 70000, codecs = new object[] { new { payloadType = 96 } } } },
        };
        using var response = await client.PostAsJsonAsync("/api/conferences", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "name", "stop", "connection.ttl", "media[0].port", "media[0].codecs[0]" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }

        using var malformed = await client.PostAsync("/api/conferences", new StringContent("{\"name\": \"x\", \"start\": 12", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("$.start", (await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_outside_the_limits_are_refused_clearly()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, s => s["Rendezvous:Limits:WritesPerMinute"] = "3");
        using var client = host.Client();
        var huge = Sdp("Huge", "t=0 0") + string.Concat(Enumerable.Repeat("a=x:" + new string('y', 100) + "\n", 700));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/api/conferences", SdpContent(huge))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("/api/conferences", new StringContent("v=0", Encoding.UTF8, "text/plain"))).StatusCode);
        // Refused writes count too: this is the third write of the minute, the next one is over.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/conferences", SdpContent(Sdp("Third", "t=0 0")))).StatusCode);
        using var tooMany = await client.PostAsync("/api/conferences", SdpContent(Sdp("Fourth", "t=0 0")));
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
        Assert.Equal("application/problem+json", tooMany.Content.Headers.ContentType!.MediaType);
        Assert.True(tooMany.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/conferences/{Guid.NewGuid()}")).StatusCode);

        foreach (var (query, field) in new[]
        {
            ("limit=0", "limit"), ("limit=1000", "limit"), ("from=yesterday", "from"), ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
            ("from=2026-01-01T00:00:00Z", "from"), ("to=2029-01-01T00:00:00Z", "to"), ("cursor=not-a-cursor", "cursor"), ("scope=galaxy", "scope"),
        })
        {
            using var response = await client.GetAsync($"/api/conferences/upcoming?{query}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, query);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }

    [Fact]
    public async Task Auto_addresses_are_refused_while_no_address_source_is_configured()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, s => s["Rendezvous:Madcap:ConferenceAddresses"] = "false");
        using var client = host.Client();
        var request = new { name = "Auto", connection = new { address = "auto" }, media = new object[] { new { kind = "audio", port = 5004, codecs = new object[] { new { payloadType = 0 } } } } };
        using var response = await client.PostAsJsonAsync("/api/conferences", request);
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal(0, await CountConferencesAsync(host));
    }

    [Fact]
    public async Task Reads_can_require_authentication()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, s => s["Rendezvous:Auth:AnonymousReads"] = "false");
        using var anonymous = host.Client(token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/conferences/upcoming")).StatusCode);
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/conferences/upcoming")).StatusCode);
    }

    [Fact]
    public async Task Two_instances_on_one_database_let_exactly_one_concurrent_replace_win()
    {
        using var first = await ConferenceApiHost.StartAsync(postgres, Now);
        using var second = await ConferenceApiHost.StartAsync(postgres, Now, connectionString: first.ConnectionString);
        using var a = first.Client();
        using var b = second.Client();
        var (id, etag) = await CreateAsync(a, Sdp("Contested", "t=0 0"));

        for (var round = 0; round < 5; round++)
        {
            var responses = await Task.WhenAll(
                Put(a, id, etag, Sdp($"From A {round}", "t=0 0")),
                Put(b, id, etag, Sdp($"From B {round}", "t=0 0")));
            var statuses = responses.Select(r => r.StatusCode).Order().ToList();
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], statuses);
            etag = responses.Single(r => r.StatusCode == HttpStatusCode.OK).Headers.ETag!.Tag;
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        Assert.Equal("\"6\"", etag);
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, Guid id, string ifMatch, string sdp)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/conferences/{id}") { Content = SdpContent(sdp) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    private static async Task<long> CountConferencesAsync(ConferenceApiHost host)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM directory.conferences");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

using System.DirectoryServices.Protocols;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// The catalog published into real slapd instances through the outbox: what an LDAP browser
/// sees after REST writes, TTL refresh and expiry, convergence after an outage, discovery of
/// other programs' objects, and users.
/// </summary>
public sealed class PublishingTests(PostgresServer postgres, SlapdServer slapd) : IClassFixture<PostgresServer>, IClassFixture<SlapdServer>
{
    // The service's clock; slapd's TTLs run on real time.
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static string Sdp(string name, string times, string session = "3724394400", string information = "") =>
        $"v=0\r\no=alice {session} {session} IN IP4 192.0.2.1\r\ns={name}\r\n{information}c=IN IP4 239.255.1.1/15\r\n{times}\r\nm=audio 5004 RTP/AVP 0\r\n";

    private static string Hours(double from, double to) =>
        $"t={NtpTime.FromDateTimeOffset(Now.AddHours(from))} {NtpTime.FromDateTimeOffset(Now.AddHours(to))}";

    /// <summary>A service publishing to <paramref name="server"/> under a container of its own; returns it and the container's DN.</summary>
    private async Task<(ConferenceApiHost Host, string Container)> StartAsync(SlapdServer server, string flavour = "Ils", int ttl = 300, string? connectionString = null)
    {
        var container = await server.CreateSubtreeAsync();
        var host = await ConferenceApiHost.StartAsync(postgres, Now, settings =>
        {
            foreach (var (key, value) in TestSettings.For("", server).Where(kv => kv.Key.StartsWith("Rendezvous:Directories", StringComparison.Ordinal)))
            {
                settings[key] = value;
            }

            settings["Rendezvous:Directories:0:Flavour"] = flavour;
            settings["Rendezvous:Directories:0:Container"] = container.Split(',')[0];
            settings["Rendezvous:Directories:0:DefaultTtlSeconds"] = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, connectionString);
        return (host, container);
    }

    private static async Task<Guid> CreateAsync(HttpClient client, string sdp)
    {
        using var response = await client.PostAsync("/api/conferences", new StringContent(sdp, Encoding.UTF8, "application/sdp"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>The entries one level under <paramref name="container"/> matching the filter, with user and operational attributes.</summary>
    private static List<SearchResultEntry> Search(SlapdServer server, string container, string filter = "(objectClass=*)")
    {
        using var connection = server.ConnectAnonymously();
        var response = (SearchResponse)connection.SendRequest(new SearchRequest(container, filter, SearchScope.OneLevel, "*", "+"));
        return [.. response.Entries.Cast<SearchResultEntry>()];
    }

    private static string? Text(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) ? (string)entry.Attributes[attribute].GetValues(typeof(string))[0] : null;

    private static int? Ttl(SearchResultEntry entry) =>
        Text(entry, "entryTtl") is { } ttl ? int.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static List<string> Values(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) ? [.. entry.Attributes[attribute].GetValues(typeof(string)).Cast<string>()] : [];

    /// <summary>Waits (real time) until <paramref name="done"/> holds for the container's entries; returns them.</summary>
    private static async Task<List<SearchResultEntry>> UntilAsync(SlapdServer server, string container, Func<List<SearchResultEntry>, bool> done, double seconds = 15, string filter = "(objectClass=*)")
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var entries = Search(server, container, filter);
            if (done(entries))
            {
                return entries;
            }

            Assert.True(DateTime.UtcNow < deadline, $"after {seconds} s the directory holds: {string.Join("; ", entries.Select(e => e.DistinguishedName))}");
            await Task.Delay(100);
        }
    }

    private static List<string> Names(List<SearchResultEntry> entries, string attribute = "uid") => [.. entries.Select(e => Text(e, attribute)!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_conference_written_through_rest_is_a_dynamic_ils_object_that_an_ldap_browser_can_read()
    {
        var (host, container) = await StartAsync(slapd);
        using var service = host;
        using var client = host.Client();
        var sdp = Sdp("Town hall", Hours(1, 2), information: "i=Quarterly all-hands\r\n");
        var id = await CreateAsync(client, sdp);

        // Added, then given its TTL by an RFC 2589 refresh (slapd refuses entryTtl on add): two steps.
        // slapd reads entryTtl back as the seconds left, so it may already be a little lower.
        var entry = Assert.Single(await UntilAsync(slapd, container, e => e.Count == 1 && Ttl(e[0]) is > 290 and <= 300));
        Assert.Equal($"uid=Town hall,{container}", entry.DistinguishedName);
        Assert.Equal(["dynamicObject", "rtConference"], Values(entry, "objectClass").Order(StringComparer.Ordinal));
        Assert.Equal("IP Conference", Text(entry, "protocolID"));
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), (byte[])entry.Attributes["conferenceBlob"].GetValues(typeof(byte[]))[0]);
        Assert.Equal("alice", Text(entry, "originator"));
        Assert.Equal("Quarterly all-hands", Text(entry, "generalDescription"));
        Assert.Equal("20261123010000Z", Text(entry, "startTime"));
        Assert.Equal("20261123020000Z", Text(entry, "stopTime"));

        // The real ldapsearch, anonymous, as an LDAP browser would ask.
        var ldif = await ProcessRunner.RunAsync("ldapsearch", ["-x", "-LLL", "-H", slapd.Url, "-b", container, "(uid=Town*)", "uid", "protocolID", "entryTtl", "objectClass"], TimeSpan.FromSeconds(10));
        foreach (var line in new[] { "uid: Town hall", "objectClass: dynamicObject", "protocolID: IP Conference" })
        {
            Assert.True(ldif.Split('\n').Contains(line), $"'{line}' not in:\n{ldif}");
        }

        Assert.Matches(@"(?m)^entryTtl: (29\d|300)$", ldif);

        // The discovery endpoint finds it, parsed.
        var found = await client.GetFromJsonAsync<JsonElement>("/api/directories/local/objects?type=conference&name=Town*");
        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal("Town hall", item.GetProperty("name").GetString());
        Assert.InRange(item.GetProperty("ttlSeconds").GetInt32(), 280, 300);
        Assert.Equal("Town hall", item.GetProperty("session").GetProperty("name").GetString());

        // The publisher refreshes the TTL before it runs out: slapd's expiry moves on.
        var expires = Text(entry, "entryExpireTimestamp");
        Assert.NotNull(expires);
        await Task.Delay(1100);
        host.Clock.Now = Now.AddSeconds(250);
        await UntilAsync(slapd, container, e => e.Count == 1 && string.CompareOrdinal(Text(e[0], "entryExpireTimestamp"), expires) > 0);

        // A rename (ILS has no ModifyDN): the old name goes, the new one comes.
        var etag = (await client.GetAsync($"/api/conferences/{id}")).Headers.ETag!.Tag;
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/conferences/{id}") { Content = new StringContent(Sdp("Town hall (moved)", Hours(1, 2)), Encoding.UTF8, "application/sdp") })
        {
            put.Headers.TryAddWithoutValidation("If-Match", etag);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(put)).StatusCode);
        }

        Assert.Equal(["Town hall (moved)"], Names(await UntilAsync(slapd, container, e => e.Count == 1 && Text(e[0], "uid") == "Town hall (moved)")));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/conferences/{id}")).StatusCode);
        await UntilAsync(slapd, container, e => e.Count == 0);
    }

    [Fact]
    public async Task A_conference_whose_stop_has_passed_disappears_by_ttl()
    {
        var (host, container) = await StartAsync(slapd);
        using var service = host;
        using var client = host.Client();
        // Stops 4 s after the service's "now": published with a TTL of 4 s, and never refreshed.
        await CreateAsync(client, Sdp("Stand-up", $"t={NtpTime.FromDateTimeOffset(Now.AddMinutes(-10))} {NtpTime.FromDateTimeOffset(Now.AddSeconds(4))}"));
        await UntilAsync(slapd, container, e => e.Count == 1 && Ttl(e[0]) <= 4);
        await UntilAsync(slapd, container, e => e.Count == 0, seconds: 20);
    }

    [Fact]
    public async Task After_an_outage_the_directory_converges_to_the_catalog()
    {
        await using var server = new SlapdServer();
        await server.InitializeAsync();
        var (host, container) = await StartAsync(server);
        using var service = host;
        using var client = host.Client();
        var kept = await CreateAsync(client, Sdp("Kept", Hours(1, 2), session: "1"));
        var renamed = await CreateAsync(client, Sdp("Before", Hours(1, 2), session: "2"));
        var deleted = await CreateAsync(client, Sdp("Deleted", Hours(1, 2), session: "3"));
        await UntilAsync(server, container, e => e.Count == 3);

        await server.StopAsync();
        var added = await CreateAsync(client, Sdp("Added", Hours(3, 4), session: "4"));

        // The publisher records what it is about to write before it writes, so an entry added just
        // before a directory fails is still known (and deleted later) should its conference go.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString))
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                await using var rows = dataSource.CreateCommand(
                    "SELECT (SELECT count(*) FROM directory.published WHERE object_id = $1), (SELECT count(*) FROM directory.outbox WHERE object_id = $1)");
                rows.Parameters.Add(new() { Value = added });
                await using var reader = await rows.ExecuteReaderAsync();
                await reader.ReadAsync();
                if ((reader.GetInt64(0), reader.GetInt64(1)) == (1, 1))
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "no record of the write the publisher attempted while the directory was down");
                await Task.Delay(100);
            }
        }

        var etag = (await client.GetAsync($"/api/conferences/{renamed}")).Headers.ETag!.Tag;
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/conferences/{renamed}") { Content = new StringContent(Sdp("After", Hours(1, 2), session: "2"), Encoding.UTF8, "application/sdp") })
        {
            put.Headers.TryAddWithoutValidation("If-Match", etag);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(put)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/conferences/{deleted}")).StatusCode);

        // While it is down, the directory's state says so and the changes wait.
        var state = await PollAsync(client, d => !d.GetProperty("publisher").GetProperty("connected").GetBoolean());
        Assert.NotNull(state.GetProperty("publisher").GetProperty("lastError").GetString());
        Assert.True(state.GetProperty("publisher").GetProperty("pending").GetInt64() >= 1);

        await server.StartAsync();
        var entries = await UntilAsync(server, container, e => Names(e).SequenceEqual(["Added", "After", "Kept"]), seconds: 40);
        Assert.Equal(3, entries.Count);
        var settled = await PollAsync(client, d => d.GetProperty("publisher").GetProperty("pending").GetInt64() == 0);
        Assert.Equal(3, settled.GetProperty("publisher").GetProperty("published").GetInt64());
        Assert.NotEqual(Guid.Empty, kept);
    }

    [Fact]
    public async Task A_directory_bound_anonymously_is_for_discovery_only()
    {
        var container = await slapd.CreateSubtreeAsync();
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, settings =>
        {
            settings["Rendezvous:Directories:0:Name"] = "readonly";
            settings["Rendezvous:Directories:0:Url"] = slapd.Url;
            settings["Rendezvous:Directories:0:BaseDn"] = slapd.NamingContext;
            settings["Rendezvous:Directories:0:Container"] = container.Split(',')[0];
        });
        using var client = host.Client();
        await CreateAsync(client, Sdp("Not published", Hours(1, 2)));

        var directory = (await client.GetFromJsonAsync<JsonElement>("/api/directories"))[0];
        Assert.Equal(("readonly", true), (directory.GetProperty("name").GetString(), directory.GetProperty("reachable").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, directory.GetProperty("publisher").ValueKind);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var marks = dataSource.CreateCommand("SELECT count(*) FROM directory.outbox");
        Assert.Equal(0L, (long)(await marks.ExecuteScalarAsync())!);
        Assert.Empty(Search(slapd, container));
        var listing = await client.GetFromJsonAsync<JsonElement>("/api/directories/readonly/objects");
        Assert.Empty(listing.GetProperty("items").EnumerateArray());
    }

    /// <summary>Polls GET /api/directories until the first directory's state satisfies <paramref name="done"/>.</summary>
    private static async Task<JsonElement> PollAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (true)
        {
            var directory = (await client.GetFromJsonAsync<JsonElement>("/api/directories"))[0];
            if (done(directory))
            {
                return directory;
            }

            Assert.True(DateTime.UtcNow < deadline, directory.ToString());
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Objects_other_programs_added_are_discovered_and_a_malformed_blob_does_not_break_the_listing()
    {
        var (host, container) = await StartAsync(slapd);
        using var service = host;
        using var client = host.Client();
        var ldif = $"""
            dn: uid=From ldapadd,{container}
            objectClass: rtConference
            uid: From ldapadd
            cn: From ldapadd
            protocolID: IP Conference
            conferenceBlob:: {Convert.ToBase64String(Encoding.UTF8.GetBytes(Sdp("From ldapadd", "t=0 0", session: "77")))}

            dn: uid=Broken,{container}
            objectClass: rtConference
            uid: Broken
            cn: Broken
            conferenceBlob:: /wBub3Qgc2Rw

            """;
        var file = Path.Combine(server_folder(), $"other-{Guid.NewGuid():N}.ldif");
        await File.WriteAllTextAsync(file, ldif);
        await ProcessRunner.RunAsync("ldapadd", ["-x", "-H", slapd.Url, "-D", slapd.AdministratorDn, "-y", slapd.AdminPasswordFile, "-f", file], TimeSpan.FromSeconds(10));

        var found = await client.GetFromJsonAsync<JsonElement>("/api/directories/local/objects?type=conference&limit=1");
        var first = Assert.Single(found.GetProperty("items").EnumerateArray());
        var second = Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/directories/local/objects?cursor={Uri.EscapeDataString(found.GetProperty("next").GetString()!)}")).GetProperty("items").EnumerateArray());
        var byName = new[] { first, second }.ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.Equal(["Broken", "From ldapadd"], byName.Keys.Order(StringComparer.Ordinal));
        Assert.NotEmpty(byName["Broken"].GetProperty("errors").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, byName["Broken"].GetProperty("session").ValueKind);
        Assert.Empty(byName["From ldapadd"].GetProperty("errors").EnumerateArray());

        using var reused = await client.GetAsync($"/api/directories/local/objects?cursor={Uri.EscapeDataString(found.GetProperty("next").GetString()!)}");
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Contains("cursor", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/directories/nowhere/objects")).StatusCode);

        string server_folder() => slapd.Folder;
    }

    [Fact]
    public async Task Users_are_published_while_registered_and_only_their_owner_may_remove_them()
    {
        var (host, container) = await StartAsync(slapd);
        using var service = host;
        using var alice = host.Client(ConferenceApiHost.AliceToken);
        using var bob = host.Client(ConferenceApiHost.BobToken);
        using var created = await alice.PostAsJsonAsync("/api/users", new { name = "Alice Liddell", ipPhone = "192.0.2.10" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var entry = Assert.Single(await UntilAsync(slapd, container, e => e.Count == 1));
        Assert.Equal($"cn=Alice Liddell,{container}", entry.DistinguishedName);
        Assert.Contains("rtPerson", Values(entry, "objectClass"));
        Assert.Contains("dynamicObject", Values(entry, "objectClass"));

        var listed = await alice.GetFromJsonAsync<JsonElement>("/api/directories/local/objects?type=user");
        Assert.Equal("192.0.2.10", Assert.Single(Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("ipAddresses").EnumerateArray()).GetString());

        using var taken = await bob.PostAsJsonAsync("/api/users", new { name = "Alice Liddell", ipPhone = "192.0.2.99" });
        Assert.Equal(HttpStatusCode.Forbidden, taken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.DeleteAsync("/api/users/Alice%20Liddell")).StatusCode);
        using var bad = await alice.PostAsJsonAsync("/api/users", new { name = "", ipPhone = "not a host!" });
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("ipPhone", out _));

        using (var broken = await alice.PostAsync("/api/users", new StringContent("{\"name\": \"x\", \"ipPhone\": }", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            Assert.Contains("At $.ipPhone (line 1, byte", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await alice.PostAsync("/api/users", new StringContent($"{{\"name\": \"{new string('x', 70_000)}\"}}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync("/api/users/Alice%20Liddell")).StatusCode);
        await UntilAsync(slapd, container, e => e.Count == 0);
    }
}

/// <summary>The NTDS flavour, on a slapd laid out like an Active Directory TAPI partition.</summary>
public sealed class NtdsPublishingTests(PostgresServer postgres, TapiPartitionSlapdServer slapd) : IClassFixture<PostgresServer>, IClassFixture<TapiPartitionSlapdServer>
{
    [Fact]
    public async Task A_conference_is_published_as_an_mstapi_rtconference()
    {
        var now = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var container = await slapd.CreateSubtreeAsync();
        using var host = await ConferenceApiHost.StartAsync(postgres, now, settings =>
        {
            foreach (var (key, value) in TestSettings.For("", slapd).Where(kv => kv.Key.StartsWith("Rendezvous:Directories", StringComparison.Ordinal)))
            {
                settings[key] = value;
            }

            settings["Rendezvous:Directories:0:Flavour"] = "Ntds";
            settings["Rendezvous:Directories:0:Container"] = container.Split(',')[0];
        });
        using var client = host.Client();
        var sdp = $"v=0\r\no=alice 9 9 IN IP4 192.0.2.1\r\ns=Board meeting\r\nc=IN IP4 239.255.1.1/15\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";
        using var created = await client.PostAsync("/api/conferences", new StringContent(sdp, Encoding.UTF8, "application/sdp"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        SearchResultEntry? entry = null;
        while (entry is null && DateTime.UtcNow < deadline)
        {
            using var connection = slapd.ConnectAnonymously();
            var response = (SearchResponse)connection.SendRequest(new SearchRequest(container, "(objectClass=msTAPI-RtConference)", SearchScope.OneLevel, "*", "+"));
            entry = response.Entries.Cast<SearchResultEntry>().FirstOrDefault();
            await Task.Delay(100);
        }

        Assert.NotNull(entry);
        Assert.Equal($"msTAPI-uid=Board meeting,{container}", entry.DistinguishedName);
        Assert.Equal("IP Conference", (string)entry.Attributes["msTAPI-ProtocolId"].GetValues(typeof(string))[0]);
        Assert.Equal(Encoding.UTF8.GetBytes(sdp), (byte[])entry.Attributes["msTAPI-ConferenceBlob"].GetValues(typeof(byte[]))[0]);
        Assert.Contains("dynamicObject", entry.Attributes["objectClass"].GetValues(typeof(string)).Cast<string>());
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sap;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// /api/sap and "upcoming" with SAP sessions, through the real HTTP stack on a real database. The listener's
/// sockets are off (no multicast on the host): datagrams go straight into the service's own session cache,
/// as the sockets would deliver them; the netns test (SapMulticastTests) covers the sockets.
/// </summary>
public sealed class SapApiTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Group = IPAddress.Parse("239.255.255.255");

    [Fact]
    public async Task Heard_sessions_are_listed_with_their_sdp_and_ours_only_when_asked_for()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, T0);
        using var client = host.Client();
        var ourSdp = Sdp("Our town hall", "alice 3900000001 1 IN IP4 192.0.2.1", "t=0 0");
        var id = await CreateAsync(client, ourSdp);
        await RecordAnnouncedAsync(host, id, ourSdp); // as our announcer does when it sends it

        var radio = Sdp("Campus radio", "- 42 1 IN IP4 192.0.2.7", "t=0 0");
        var cache = host.Factory.Services.GetRequiredService<SapSessionCache>();
        Hear(cache, radio);
        Hear(cache, ourSdp, IPAddress.Parse("192.0.2.1")); // our own announcement, heard back

        using var anonymous = host.Client(token: null);
        var listed = await GetJsonAsync(anonymous, "/api/sap/sessions");
        Assert.False(listed.GetProperty("enabled").GetBoolean());
        var session = Assert.Single(listed.GetProperty("items").EnumerateArray());
        var sessionId = $"192.0.2.7-{SapPacket.ComputeMessageIdHash(radio):x4}";
        Assert.Equal(sessionId, session.GetProperty("id").GetString());
        Assert.Equal("Campus radio", session.GetProperty("name").GetString());
        Assert.Equal("192.0.2.7:40000", session.GetProperty("source").GetString());
        Assert.Equal("239.255.255.255", session.GetProperty("group").GetString());
        Assert.False(session.GetProperty("own").GetBoolean());
        Assert.Equal((T0 + TimeSpan.FromHours(1)).UtcDateTime, session.GetProperty("expiresAt").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(5004, session.GetProperty("join")[0].GetProperty("port").GetInt32());
        Assert.Equal($"/api/sap/sessions/{sessionId}.sdp", session.GetProperty("sdpUrl").GetString());

        var all = (await GetJsonAsync(client, "/api/sap/sessions?includeOwn=true")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, all.Count);
        Assert.True(Assert.Single(all, i => i.GetProperty("name").GetString() == "Our town hall").GetProperty("own").GetBoolean());

        // The SDP to open in VLC or ffplay: byte-exact, by path or by Accept.
        using var sdp = await anonymous.GetAsync($"/api/sap/sessions/{sessionId}.sdp");
        Assert.Equal("application/sdp", sdp.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Encoding.UTF8.GetBytes(radio), await sdp.Content.ReadAsByteArrayAsync());
        using var accept = new HttpRequestMessage(HttpMethod.Get, $"/api/sap/sessions/{sessionId}") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/sdp") } } };
        using var asSdp = await anonymous.SendAsync(accept);
        Assert.Equal(radio, await asSdp.Content.ReadAsStringAsync());
        var asJson = await GetJsonAsync(anonymous, $"/api/sap/sessions/{sessionId}");
        Assert.Equal("Campus radio", asJson.GetProperty("session").GetProperty("name").GetString());

        // Unknown ids and bad parameters are problem details naming the field.
        using var missing = await anonymous.GetAsync("/api/sap/sessions/192.0.2.7-0000.sdp");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Equal("id", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        using var bad = await anonymous.GetAsync("/api/sap/sessions?includeOwn=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("includeOwn", out _));

        // A deletion from the announcer removes it.
        cache.Receive(SapEncoder.Encode(SapPacket.Deletion(radio, Peer, originLineOnly: true)), new IPEndPoint(Peer, 40000), Group);
        Assert.Empty((await GetJsonAsync(anonymous, "/api/sap/sessions")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Reads_need_credentials_when_anonymous_reads_are_off_as_for_conferences()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, T0, s => s["Rendezvous:Auth:AnonymousReads"] = "false");
        using var anonymous = host.Client(token: null);
        foreach (var path in new[] { "/api/sap", "/api/sap/sessions", "/api/sap/sessions/192.0.2.7-0001.sdp", "/api/conferences/upcoming?source=sap" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var client = host.Client();
        using var allowed = await client.GetAsync("/api/sap/sessions");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Upcoming_merges_heard_sessions_into_the_catalogs_order_and_pages_through_both()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, T0);
        using var client = host.Client();
        for (var hour = 1; hour <= 5; hour += 2)
        {
            await CreateAsync(client, Sdp($"Catalog +{hour}h", $"alice {hour} 1 IN IP4 192.0.2.1", Times(hour)));
        }

        var ours = Sdp("Ours, heard", "alice 99 1 IN IP4 192.0.2.1", Times(2));
        await RecordAnnouncedAsync(host, await CreateAsync(client, ours), ours);
        var cache = host.Factory.Services.GetRequiredService<SapSessionCache>();
        Hear(cache, Sdp("SAP +2h", "- 2 1 IN IP4 192.0.2.7", Times(2)));
        Hear(cache, Sdp("SAP +4h", "- 4 1 IN IP4 192.0.2.7", Times(4)));
        Hear(cache, Sdp("SAP always", "- 5 1 IN IP4 192.0.2.7", "t=0 0"));
        Hear(cache, ours, IPAddress.Parse("192.0.2.1"));

        // Two at a time through both sources: every item once, in start order, permanent first.
        var names = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetJsonAsync(client, $"/api/conferences/upcoming?source=all&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            foreach (var item in items)
            {
                names.Add(item.GetProperty("name").GetString()!);
                var fromSap = item.GetProperty("source").GetString() == "sap";
                Assert.Equal(fromSap, item.GetProperty("conferenceId").ValueKind == JsonValueKind.Null);
                Assert.Equal(fromSap, item.GetProperty("advertisingScope").ValueKind == JsonValueKind.Null);
                Assert.StartsWith(fromSap ? $"/api/sap/sessions/{item.GetProperty("sapSessionId").GetString()}" : "/api/conferences/", item.GetProperty("sdp").GetString(), StringComparison.Ordinal);
            }

            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        Assert.Equal(7, names.Count);
        Assert.Equal("SAP always", names[0]);
        Assert.Equal(["Catalog +1h"], names.Skip(1).Take(1));
        Assert.Equal(["Ours, heard", "SAP +2h"], names.Skip(2).Take(2).Order(StringComparer.Ordinal)); // same start: in id order
        Assert.Equal(["Catalog +3h", "SAP +4h", "Catalog +5h"], names.Skip(4));

        // One source at a time; filters apply to SAP sessions too.
        Assert.Equal(["SAP always", "SAP +2h", "SAP +4h"], Names(await GetJsonAsync(client, "/api/conferences/upcoming?source=sap")));
        Assert.DoesNotContain(Names(await GetJsonAsync(client, "/api/conferences/upcoming")), n => n.StartsWith("SAP", StringComparison.Ordinal));
        Assert.Equal(["SAP +4h"], Names(await GetJsonAsync(client, "/api/conferences/upcoming?source=sap&q=%2B4H")));
        Assert.Empty(Names(await GetJsonAsync(client, "/api/conferences/upcoming?source=sap&scope=site"))); // SAP carries no advertising scope

        using var bad = await client.GetAsync("/api/conferences/upcoming?source=ldap");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("source", out _));
        using var calendar = new HttpRequestMessage(HttpMethod.Get, "/api/conferences/upcoming?source=sap") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/calendar") } } };
        using var refused = await client.SendAsync(calendar);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task The_status_shows_what_is_on_and_the_listeners_counters()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, T0);
        using var client = host.Client();
        var cache = host.Factory.Services.GetRequiredService<SapSessionCache>();
        Hear(cache, Sdp("Campus radio", "- 42 1 IN IP4 192.0.2.7", "t=0 0"));
        cache.Receive([0x20, 0x00], new IPEndPoint(Peer, 40000), Group);
        cache.Receive([0x20, 0x00, 0x00], new IPEndPoint(Peer, 40000), Group);

        var status = await GetJsonAsync(client, "/api/sap");
        Assert.False(status.GetProperty("announcer").GetProperty("enabled").GetBoolean());
        Assert.False(status.GetProperty("announcer").GetProperty("leader").GetBoolean());
        Assert.False(status.GetProperty("listener").GetProperty("enabled").GetBoolean());
        Assert.Equal(1, status.GetProperty("listener").GetProperty("sessions").GetInt32());
        var counters = status.GetProperty("counters");
        Assert.Equal(3, counters.GetProperty("received").GetInt64());
        Assert.Equal(2, counters.GetProperty("dropped").GetProperty("too_short").GetInt64());

        // SAP off: no readiness check for it.
        var ready = await Http.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(ready.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "sap");
    }

    private static List<string> Names(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];

    private static string Times(int hours) =>
        $"t={NtpTime.FromDateTimeOffset(T0 + TimeSpan.FromHours(hours))} {NtpTime.FromDateTimeOffset(T0 + TimeSpan.FromHours(hours + 1))}";

    private static string Sdp(string name, string origin, string times) =>
        $"v=0\r\no={origin}\r\ns={name}\r\nc=IN IP4 239.255.42.42/16\r\n{times}\r\nm=audio 5004 RTP/AVP 0\r\n";

    private static void Hear(SapSessionCache cache, string sdp, IPAddress? origin = null) =>
        Assert.Equal(SapReceiveOutcome.Added, cache.Receive(SapEncoder.Encode(SapPacket.Announcement(sdp, origin ?? Peer)), new IPEndPoint(origin ?? Peer, 40000), Group));

    private static async Task<Guid> CreateAsync(HttpClient client, string sdp)
    {
        using var response = await client.PostAsync("/api/conferences?scope=site", new StringContent(sdp, Encoding.UTF8, "application/sdp"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task RecordAnnouncedAsync(ConferenceApiHost host, Guid id, string sdp) =>
        await host.Factory.Services.GetRequiredService<SapAnnouncementStore>().RecordAsync(new SapTransmission(id, new SapDestination(Group, 16), sdp, IsDeletion: false), T0, default);

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

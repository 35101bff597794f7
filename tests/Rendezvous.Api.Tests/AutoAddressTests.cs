using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Madcap;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>"auto" connections leased through MADCAP (the service's own server), kept with the conference, renewed and released with it.</summary>
public sealed class AutoAddressTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static async Task WaitForMadcapAsync(ConferenceApiHost host)
    {
        var service = host.Factory.Services.GetRequiredService<MadcapServerService>();
        using var client = host.Client();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (service.EndPoints.Count == 0 || (await client.GetFromJsonAsync<JsonElement>("/api/madcap/scopes")).GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the MADCAP server did not start");
            await Task.Delay(100);
        }
    }

    private static async Task<List<(string Address, DateTime Start, DateTime End)>> LeasesAsync(ConferenceApiHost host)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT host(a.address), l.starts_at, l.ends_at FROM madcap.leases l JOIN madcap.lease_addresses a ON a.lease_id = l.id ORDER BY a.address");
        var leases = new List<(string, DateTime, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            leases.Add((reader.GetString(0), reader.GetDateTime(1), reader.GetDateTime(2)));
        }

        return leases;
    }

    [Fact]
    public async Task An_auto_conference_leases_its_group_for_its_time_bounds_renews_on_extension_and_releases_on_delete()
    {
        // The clock is real: the MADCAP client and server exchange real datagrams.
        var now = DateTimeOffset.UtcNow;
        using var host = await ConferenceApiHost.StartAsync(postgres, now);
        await WaitForMadcapAsync(host);
        using var client = host.Client();
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddDays(2);
        var request = new
        {
            name = "Auto group",
            advertisingScope = "site",
            start,
            stop = start.AddHours(2),
            connection = new { address = "auto" },
            media = new object[] { new { kind = "audio", port = 5004, codecs = new object[] { new { payloadType = 0 } } } },
        };
        using var created = await client.PostAsJsonAsync("/api/conferences", request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var conference = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = conference.GetProperty("id").GetGuid();
        var group = conference.GetProperty("join")[0].GetProperty("groups")[0];
        var address = group.GetProperty("address").GetString()!;
        Assert.StartsWith("239.255.", address, StringComparison.Ordinal);
        Assert.Equal(16, group.GetProperty("ttl").GetInt32());
        Assert.Contains($"c=IN IP4 {address}/16", conference.GetProperty("sdp").GetString(), StringComparison.Ordinal);

        // Leased for exactly the conference's bounds.
        var lease = Assert.Single(await LeasesAsync(host));
        Assert.Equal((address, start.UtcDateTime, start.AddHours(2).UtcDateTime), lease);

        // Extended by an edit of the SDP: the same group, a lease that lasts as long.
        var sdp = conference.GetProperty("sdp").GetString()!;
        var longer = sdp.Replace($"t={Rendezvous.Directory.Sdp.NtpTime.FromDateTimeOffset(start)} {Rendezvous.Directory.Sdp.NtpTime.FromDateTimeOffset(start.AddHours(2))}",
            $"t={Rendezvous.Directory.Sdp.NtpTime.FromDateTimeOffset(start)} {Rendezvous.Directory.Sdp.NtpTime.FromDateTimeOffset(start.AddHours(5))}", StringComparison.Ordinal);
        Assert.NotEqual(sdp, longer);
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/api/conferences/{id}") { Content = new StringContent(longer, System.Text.Encoding.UTF8, "application/sdp") })
        {
            put.Headers.TryAddWithoutValidation("If-Match", created.Headers.ETag!.Tag);
            using var replaced = await client.SendAsync(put);
            Assert.True(replaced.StatusCode == HttpStatusCode.OK, await replaced.Content.ReadAsStringAsync());
        }

        Assert.Equal((address, start.UtcDateTime, start.AddHours(5).UtcDateTime), Assert.Single(await LeasesAsync(host)));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/conferences/{id}")).StatusCode);
        Assert.Empty(await LeasesAsync(host));

        // A world-wide conference has no MADCAP scope by default: a clear 400 naming the field, and no lease left behind.
        using var world = await client.PostAsJsonAsync("/api/conferences", request with { advertisingScope = "world" });
        Assert.Equal(HttpStatusCode.BadRequest, world.StatusCode);
        Assert.Contains("no MADCAP scope is configured for world conferences", await world.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await LeasesAsync(host));
    }

    [Fact]
    public async Task The_lease_of_an_open_ended_conference_is_renewed_before_it_ends()
    {
        var now = DateTimeOffset.UtcNow;
        using var host = await ConferenceApiHost.StartAsync(postgres, now);
        await WaitForMadcapAsync(host);
        using var client = host.Client();
        var request = new
        {
            name = "Always on",
            advertisingScope = "local",
            start = now.AddHours(-1),
            connection = new { address = "auto" },
            media = new object[] { new { kind = "audio", port = 5004, codecs = new object[] { new { payloadType = 0 } } } },
        };
        using var created = await client.PostAsJsonAsync("/api/conferences", request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        // The scope's maximum lease (30 days) from now, since the conference has no end.
        var first = Assert.Single(await LeasesAsync(host));
        Assert.InRange(first.End, now.AddDays(30).UtcDateTime.AddSeconds(-5), now.AddDays(30).UtcDateTime.AddSeconds(5));

        host.Clock.Now = now.AddDays(20);
        Assert.Equal(1, await host.Factory.Services.GetRequiredService<AddressLeaseRenewal>().RenewAllAsync(CancellationToken.None));
        var renewed = Assert.Single(await LeasesAsync(host));
        Assert.Equal(first.Address, renewed.Address);
        Assert.InRange(renewed.End, now.AddDays(50).UtcDateTime.AddSeconds(-5), now.AddDays(50).UtcDateTime.AddSeconds(5));
    }
}

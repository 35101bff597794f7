using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Support;

/// <summary>Hosts for the calls API, each with media ports of its own, and the JSON helpers its tests share.</summary>
internal static class MediaHosts
{
    // 64 ports per host, from a block per test process, so hosts running at once never share ports.
    private static int _nextRange = 41000 + Environment.ProcessId % 8 * 2048;

    /// <summary>A host with 64 media ports of its own; with <paramref name="instanceUrl"/>, on <paramref name="connectionString"/>'s database as that instance.</summary>
    public static Task<ConferenceApiHost> StartAsync(PostgresServer postgres, DateTimeOffset now, string? connectionString = null, string? instanceUrl = null)
    {
        var first = Interlocked.Add(ref _nextRange, 64) - 64;
        return ConferenceApiHost.StartAsync(postgres, now, values =>
        {
            values["Rendezvous:Media:RtpPortMin"] = first.ToString(CultureInfo.InvariantCulture);
            values["Rendezvous:Media:RtpPortMax"] = (first + 63).ToString(CultureInfo.InvariantCulture);
            if (instanceUrl is not null)
            {
                values["Rendezvous:Media:InstanceUrl"] = instanceUrl;
            }
        }, connectionString);
    }

    /// <summary>The response's JSON body (default when it has none), after asserting its status.</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Post(HttpClient client, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await Json(await client.PostAsync(path, body is null ? null : JsonContent.Create(body)), expected);
}

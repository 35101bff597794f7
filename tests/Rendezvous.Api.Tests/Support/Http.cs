using System.Net;
using System.Text.Json;

namespace Rendezvous.Api.Tests.Support;

internal static class Http
{
    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="status"/>, and returns the last JSON body.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status, TimeSpan timeout, Func<JsonElement, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status)
            {
                var json = JsonDocument.Parse(body).RootElement.Clone();
                if (until is null || until(json))
                {
                    return json;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} still answers {(int)response.StatusCode} after {timeout}: {body}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The readiness report's entry for one dependency.</summary>
    public static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}

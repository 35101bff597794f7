using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Rendezvous.LoadDriver;

/// <summary>GET one URL with a shared HttpClient whose pool holds a connection per client; reads the whole body.</summary>
internal sealed class RestClient(HttpClient http, Uri uri) : IClient
{
    private readonly byte[] buffer = new byte[64 * 1024];

    public static HttpClient CreateHttp(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public Outcome Send()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        long bytes = 0;
        using (var body = response.Content.ReadAsStream())
        {
            int read;
            while ((read = body.Read(buffer)) > 0)
            {
                bytes += read;
            }
        }

        return new Outcome(response.StatusCode == HttpStatusCode.OK, 0, bytes, ServerTiming(response));
    }

    /// <summary>The "app;dur=MS[;desc=...]" entry of Server-Timing, or NaN.</summary>
    public static double ServerTiming(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Server-Timing", out var values))
        {
            return double.NaN;
        }

        foreach (var value in values)
        {
            var at = value.IndexOf("dur=", StringComparison.Ordinal);
            var duration = at < 0 ? [] : value.AsSpan(at + 4);
            var end = duration.IndexOf(';');
            if (value.StartsWith("app", StringComparison.Ordinal) && at >= 0
                && double.TryParse(end < 0 ? duration : duration[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                return ms;
            }
        }

        return double.NaN;
    }

    /// <summary>One request outside the load, parsed: the items (start and permanent) and the next cursor.</summary>
    public static (List<(DateTimeOffset? Start, bool Permanent)> Items, string? Next, long Bytes) Probe(HttpClient http, Uri uri)
    {
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, uri));
        response.EnsureSuccessStatusCode();
        using var stream = response.Content.ReadAsStream();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        using var json = JsonDocument.Parse(memory.ToArray());
        var items = json.RootElement.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("start").ValueKind == JsonValueKind.Null ? (DateTimeOffset?)null : i.GetProperty("start").GetDateTimeOffset(), i.GetProperty("permanent").GetBoolean()))
            .ToList();
        var next = json.RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return (items, next, memory.Length);
    }

    public void Dispose()
    {
        // The HttpClient is shared by all clients and disposed by its owner.
    }
}

/// <summary>
/// The directory's answer to "what is upcoming": a paged search (page size 50, first page only)
/// for rtConference entries whose stopTime is not yet past, on this client's own connection
/// (ENGINEERING-NOTES pitfall 4: one paged search at a time per connection).
/// </summary>
internal sealed class LdapClient : IClient
{
    public const string Base = "ou=Dynamic,o=Intranet";

    private static readonly string[] Attributes = ["uid", "cn", "startTime", "stopTime", "conferenceBlob"];

    private readonly LdapConnection connection;
    private readonly int pageSize;

    public LdapClient(string host, int port, int pageSize)
    {
        this.pageSize = pageSize;
        connection = new LdapConnection(new LdapDirectoryIdentifier(host, port))
        {
            AuthType = AuthType.Anonymous,
            AutoBind = false,
            Timeout = TimeSpan.FromSeconds(10),
        };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        connection.Bind();
    }

    public static string Filter(DateTimeOffset now) => $"(&(objectClass=rtConference)(stopTime>={Seeder.GeneralizedTime(now)}))";

    public SearchResponse Search()
    {
        var request = new SearchRequest(Base, Filter(DateTimeOffset.UtcNow), SearchScope.Subtree, Attributes);
        request.Controls.Add(new PageResultRequestControl(pageSize));
        return (SearchResponse)connection.SendRequest(request);
    }

    public Outcome Send()
    {
        var response = Search();
        return new Outcome(response.ResultCode == ResultCode.Success, response.Entries.Count, 0);
    }

    public void Dispose() => connection.Dispose();
}

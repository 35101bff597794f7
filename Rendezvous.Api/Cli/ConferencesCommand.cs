using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Rendezvous.Api.Cli;

/// <summary>
/// <c>rendezvous conferences list|show|create|delete</c> against a running service.
/// The service's URL and a token come from --url and --token, or from RENDEZVOUS_URL and
/// RENDEZVOUS_TOKEN. Exit codes: 0 done, 1 the service refused (its problem is printed),
/// 2 usage error, 3 the service could not be reached.
/// </summary>
internal static class ConferencesCommand
{
    public const int Done = 0;
    public const int Refused = 1;
    public const int Usage = 2;
    public const int Unreachable = 3;

    private static readonly string[] Valued = ["url", "token", "from", "to", "q", "scope", "limit"];
    private static readonly string[] Flags = ["json", "all", "sdp", "lenient"];

    private const string UsageText =
        """
        usage: rendezvous conferences <command> [options]

          list   [--from TIME] [--to TIME] [--q TEXT] [--scope SCOPE] [--limit N] [--all]
                 upcoming occurrences (default: the next 7 days); --all follows every page
          show   ID [--sdp]                the conference, or its SDP exactly as stored
          create FILE|- [--scope SCOPE] [--lenient]
                                           FILE is SDP, or JSON when it ends in .json
          delete ID                        the owner or an administrator only

          --url URL      the service (default: $RENDEZVOUS_URL, else http://127.0.0.1:5080)
          --token TOKEN  a bearer token for writes (default: $RENDEZVOUS_TOKEN)
          --json         print the service's JSON instead of a table

          Exit status: 0 done, 1 refused by the service, 2 usage error, 3 service unreachable.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<string, string?> environment, TextReader stdin, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null)
    {
        if (args.Count == 0 || args[0] is "--help" or "-h")
        {
            await (args.Count == 0 ? stderr : stdout).WriteLineAsync(UsageText).ConfigureAwait(false);
            return args.Count == 0 ? Usage : Done;
        }

        if (!CommandOptions.TryParse(args.Skip(1), Valued, Flags, out var options, out var problem))
        {
            return await UsageErrorAsync(stderr, problem).ConfigureAwait(false);
        }

        var url = options.Value("url") ?? environment("RENDEZVOUS_URL") ?? "http://127.0.0.1:5080";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            return await UsageErrorAsync(stderr, $"--url '{url}' is not an http(s) URL").ConfigureAwait(false);
        }

        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.BaseAddress = baseAddress;
        client.Timeout = TimeSpan.FromSeconds(30);
        if ((options.Value("token") ?? environment("RENDEZVOUS_TOKEN")) is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var context = new Context(client, options, stdin, stdout, stderr);
        try
        {
            return args[0] switch
            {
                "list" => await ListAsync(context).ConfigureAwait(false),
                "show" => await ShowAsync(context).ConfigureAwait(false),
                "create" => await CreateAsync(context).ConfigureAwait(false),
                "delete" => await DeleteAsync(context).ConfigureAwait(false),
                _ => await UsageErrorAsync(stderr, $"unknown command '{args[0]}'").ConfigureAwait(false),
            };
        }
        catch (UsageException e)
        {
            return await UsageErrorAsync(stderr, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await stderr.WriteLineAsync($"rendezvous conferences: cannot reach {baseAddress}: {e.Message}").ConfigureAwait(false);
            return Unreachable;
        }
    }

    private static async Task<int> ListAsync(Context c)
    {
        c.Options.NoPositional();
        var query = new List<string>();
        foreach (var name in new[] { "from", "to", "q", "scope", "limit" })
        {
            if (c.Options.Value(name) is { } value)
            {
                query.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var path = "/api/conferences/upcoming?" + string.Join('&', cursor is null ? query : [.. query, $"cursor={Uri.EscapeDataString(cursor)}"]);
            using var response = await c.Client.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusedAsync(c, response, body).ConfigureAwait(false);
            }

            var page = JsonDocument.Parse(body).RootElement;
            if (c.Options.Flag("json") && !c.Options.Flag("all"))
            {
                await c.Stdout.WriteLineAsync(body).ConfigureAwait(false);
                return Done;
            }

            items.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Clone()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null && c.Options.Flag("all"));

        if (c.Options.Flag("json"))
        {
            await c.Stdout.WriteLineAsync(JsonSerializer.Serialize(new { items, next = (string?)null })).ConfigureAwait(false);
            return Done;
        }

        await WriteTableAsync(c.Stdout, ["START", "STOP", "NAME", "JOIN", "ID"], items.Select(i => new[]
        {
            Time(i.GetProperty("start"), "always"),
            Time(i.GetProperty("stop"), "open"),
            i.GetProperty("name").GetString()!.Trim(),
            string.Join(", ", i.GetProperty("join").EnumerateArray().Select(Join)),
            i.GetProperty("conferenceId").GetString()!,
        })).ConfigureAwait(false);
        if (cursor is not null)
        {
            await c.Stdout.WriteLineAsync("(more: --all lists every page)").ConfigureAwait(false);
        }

        return Done;
    }

    private static async Task<int> ShowAsync(Context c)
    {
        var id = c.Options.OnePositional("ID");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/conferences/{Uri.EscapeDataString(id)}", UriKind.Relative));
        if (c.Options.Flag("sdp"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/sdp"));
        }

        using var response = await c.Client.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(c, response, body).ConfigureAwait(false);
        }

        if (c.Options.Flag("sdp") || c.Options.Flag("json"))
        {
            await c.Stdout.WriteAsync(body).ConfigureAwait(false);
            return Done;
        }

        var conference = JsonDocument.Parse(body).RootElement;
        var bounds = conference.GetProperty("bounds");
        var next = conference.GetProperty("nextOccurrence");
        await WriteTableAsync(c.Stdout, ["FIELD", "VALUE"],
        [
            ["id", conference.GetProperty("id").GetString()!],
            ["name", conference.GetProperty("name").GetString()!],
            ["description", conference.GetProperty("information").GetString() ?? ""],
            ["owner", conference.GetProperty("owner").GetString()!],
            ["scope", conference.GetProperty("advertisingScope").GetString()!],
            ["version", conference.GetProperty("version").GetInt64().ToString(CultureInfo.InvariantCulture)],
            ["from", Time(bounds.GetProperty("start"), "always")],
            ["until", Time(bounds.GetProperty("stop"), "open")],
            ["next", next.ValueKind == JsonValueKind.Null ? "none" : $"{Time(next.GetProperty("start"), "always")} - {Time(next.GetProperty("stop"), "open")}"],
            ["join", string.Join(", ", conference.GetProperty("join").EnumerateArray().Select(Join))],
        ]).ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> CreateAsync(Context c)
    {
        var file = c.Options.OnePositional("FILE");
        string text;
        try
        {
            text = file == "-" ? await c.Stdin.ReadToEndAsync().ConfigureAwait(false) : await File.ReadAllTextAsync(file).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read '{file}': {e.Message}");
        }

        var json = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var query = new List<string>();
        if (c.Options.Value("scope") is { } scope)
        {
            query.Add($"scope={Uri.EscapeDataString(scope)}");
        }

        if (c.Options.Flag("lenient"))
        {
            query.Add("mode=lenient");
        }

        using var content = new StringContent(text, Encoding.UTF8, json ? "application/json" : "application/sdp");
        using var response = await c.Client.PostAsync(new Uri("/api/conferences" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), UriKind.Relative), content).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(c, response, body).ConfigureAwait(false);
        }

        var created = JsonDocument.Parse(body).RootElement;
        await c.Stdout.WriteLineAsync(c.Options.Flag("json") ? body : $"created {created.GetProperty("id").GetString()} \"{created.GetProperty("name").GetString()}\"").ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> DeleteAsync(Context c)
    {
        var id = c.Options.OnePositional("ID");
        using var response = await c.Client.DeleteAsync(new Uri($"/api/conferences/{Uri.EscapeDataString(id)}", UriKind.Relative)).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return await RefusedAsync(c, response, body).ConfigureAwait(false);
        }

        await c.Stdout.WriteLineAsync($"deleted {id}").ConfigureAwait(false);
        return Done;
    }

    /// <summary>Prints the service's problem details: title, detail, and each error by field or line.</summary>
    private static async Task<int> RefusedAsync(Context c, HttpResponseMessage response, string body)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            await c.Stderr.WriteLineAsync($"rendezvous conferences: {status}: {Text(problem, "title")} {Text(problem, "detail")}".TrimEnd()).ConfigureAwait(false);
            if (problem.TryGetProperty("errors", out var errors))
            {
                var lines = errors.ValueKind == JsonValueKind.Array
                    ? errors.EnumerateArray().Select(e => $"  line {e.GetProperty("line").GetInt32()}: {e.GetProperty("field").GetString()} {e.GetProperty("message").GetString()}")
                    : errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => $"  {e.Name}: {m.GetString()}"));
                foreach (var line in lines)
                {
                    await c.Stderr.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException)
        {
            await c.Stderr.WriteLineAsync($"rendezvous conferences: {status}").ConfigureAwait(false);
        }

        return Refused;
    }

    private static async Task WriteTableAsync(TextWriter output, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        await output.WriteLineAsync(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
        foreach (var row in all)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
        }

        if (all.Count == 0)
        {
            await output.WriteLineAsync("(none)").ConfigureAwait(false);
        }
    }

    private static string Time(JsonElement value, string whenNull) =>
        value.ValueKind == JsonValueKind.Null ? whenNull : value.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string Join(JsonElement media) =>
        $"{media.GetProperty("kind").GetString()} {string.Join("+", media.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("address").GetString()))}:{media.GetProperty("port").GetInt32()}";

    private static string Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static async Task<int> UsageErrorAsync(TextWriter stderr, string problem)
    {
        await stderr.WriteLineAsync($"rendezvous conferences: {problem}").ConfigureAwait(false);
        await stderr.WriteLineAsync(UsageText).ConfigureAwait(false);
        return Usage;
    }

    private sealed record Context(HttpClient Client, CommandOptions Options, TextReader Stdin, TextWriter Stdout, TextWriter Stderr);
}

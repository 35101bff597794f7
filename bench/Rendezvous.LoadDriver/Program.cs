using System.Globalization;
using System.Text;
using System.Text.Json;
using Rendezvous.LoadDriver;

// rendezvous-load: the "upcoming" load benchmark (see bench/run-upcoming.sh and bench/README.md).
//   seed    [--pg CONNSTR] --ldif FILE [--count 100000] [--seed 20261121] [--workers 4] [--out FILE]
//   load    --rest URL --ldap NAME=HOST:PORT [--ldap ...] [--pid NAME=PID ...] [--clients 32] [--warmup 5]
//           [--duration 30] [--max-serial-ms 250] [--deep] [--out FILE]
//   explain [--pg CONNSTR]
//   publish --phase drain|refresh [--directory local] [--pid NAME=PID ...] [--out FILE]
//   madcap  --server HOST:PORT --scope ADDR [--mode request|dora] [--clients 32] [--duration 20] [--rate N] [--out FILE]
//   media   --target rendezvous|janus --api URL [--token-file FILE] --hubs N [--warmup 3] [--duration 10]
//           [--latency-hubs 0] [--port-base 10000] [--pid NAME=PID ...] [--out FILE]
// seed --outbox DIRECTORY marks every conference for that directory, as the service's catalog does.
// (without --pg, the connection string comes from RENDEZVOUS_LOAD_PG)
// Every target must be on loopback: the driver refuses any other address.
var options = Args.Parse(args);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
try
{
    return options.Command switch
    {
        "seed" => await Commands.SeedAsync(options, cancel.Token),
        "load" => Commands.Load(options),
        "explain" => await Commands.ExplainAsync(options, cancel.Token),
        "publish" => await Publish.RunAsync(options, cancel.Token),
        "madcap" => await MadcapLoad.RunAsync(options, cancel.Token),
        "media" => await MediaLoad.RunAsync(options, cancel.Token),
        _ => Args.Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("rendezvous-load: " + e.Message);
    return 2;
}

internal static class Commands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> SeedAsync(Args options, CancellationToken cancellationToken)
    {
        var pg = options.Postgres();
        Loopback.RequirePostgres(pg);
        var count = options.Int("count", 100_000);
        var workers = options.Int("workers", 4);
        var now = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var conferences = Dataset.Generate(count, options.Int("seed", 20261121), now);
        var generated = clock.Elapsed;
        Seeder.WriteLdif(options.Required("ldif"), conferences);
        var ldif = clock.Elapsed - generated;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {count} conferences in {generated.TotalSeconds:0.0} s, LDIF in {ldif.TotalSeconds:0.0} s; seeding PostgreSQL with {workers} workers ..."));
        var seeding = await Seeder.SeedPostgresAsync(pg, conferences, workers, options.Optional("outbox"), cancellationToken);
        clock.Restart();
        var occurrences = await Seeder.AnalyzeAsync(pg, cancellationToken);
        var analyze = clock.Elapsed;
        var now2 = DateTimeOffset.UtcNow;
        var summary = new Dictionary<string, object>
        {
            ["conferences"] = count,
            ["permanent"] = conferences.Count(c => c.Kind == SeedKind.Permanent),
            ["weekly"] = conferences.Count(c => c.Kind == SeedKind.Weekly),
            ["single"] = conferences.Count(c => c.Kind == SeedKind.Single),
            ["weeklyEnded"] = conferences.Count(c => c.Kind == SeedKind.Weekly && c.Bounds.Stop <= now2),
            ["weeklyStarted"] = conferences.Count(c => c.Kind == SeedKind.Weekly && c.Bounds.Start <= now2),
            ["occurrencesStored"] = occurrences,
            ["ldapMatchingStopTimeNow"] = conferences.Count(c => c.Bounds.Stop is null || c.Bounds.Stop >= now2),
            ["sdpBytesMean"] = Math.Round(conferences.Average(c => Encoding.UTF8.GetByteCount(c.Document.Text)), 1),
            ["workers"] = workers,
            ["seedSeconds"] = Math.Round(seeding.TotalSeconds, 1),
            ["conferencesPerSecond"] = Math.Round(count / seeding.TotalSeconds, 0),
            ["vacuumAnalyzeSeconds"] = Math.Round(analyze.TotalSeconds, 1),
        };
        var json = JsonSerializer.Serialize(summary, Indented);
        Console.WriteLine(json);
        if (options.Optional("out") is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, json + "\n", cancellationToken);
        }

        return 0;
    }

    public static int Load(Args options)
    {
        var rest = new Uri(options.Required("rest"));
        Loopback.Require(rest.Host);
        var clients = options.Int("clients", 32);
        var warmup = TimeSpan.FromSeconds(options.Int("warmup", 5));
        var duration = TimeSpan.FromSeconds(options.Int("duration", 30));
        var maxSerialMs = options.Int("max-serial-ms", 250);
        var ldaps = options.All("ldap").Select(Ldap.Parse).ToList();
        var processes = options.All("pid").Select(NamedPid.Parse).ToDictionary(p => p.Name, p => p.Pid, StringComparer.Ordinal);
        processes["load driver"] = Environment.ProcessId;
        var results = new List<PhaseResult>();
        var notes = new List<string>();

        // Each phase: one client alone first (the unloaded latency), then N clients, unless one
        // request alone already takes so long that N clients would only build a queue.
        PhaseResult Phase(string name, Func<IClient> connect)
        {
            double[] serial;
            using (var alone = connect())
            {
                serial = LoadRunner.Serial(alone, warm: TimeSpan.FromSeconds(3), count: 500, limit: TimeSpan.FromSeconds(5));
            }

            var serialP50 = serial[serial.Length / 2];
            if (serialP50 > maxSerialMs)
            {
                var why = string.Create(CultureInfo.InvariantCulture, $"one request alone takes {serialP50:0} ms (median of {serial.Length}), over {maxSerialMs} ms: {clients} clients would only queue, so the loaded phase was not run");
                Console.Error.WriteLine($"{name}: {why}");
                return new PhaseResult(name, clients, duration.TotalSeconds, [], [], 0, 0, 0) { SerialMs = serial, Skipped = why };
            }

            Console.Error.WriteLine($"{name}: {clients} clients, {warmup.TotalSeconds} s warm-up + {duration.TotalSeconds} s ...");
            var loaded = LoadRunner.Run(name, clients, warmup, duration, _ => connect(), processes);
            return new PhaseResult(name, loaded.Clients, loaded.Seconds, loaded.Latencies, loaded.ServerMs, loaded.Errors, loaded.Items, loaded.Bytes)
            {
                CpuSeconds = loaded.CpuSeconds,
                SerialMs = serial,
            };
        }

        using var http = RestClient.CreateHttp(clients + 1);
        var upcoming = new Uri(rest, "/api/conferences/upcoming?limit=50");
        var first = RestClient.Probe(http, upcoming);
        notes.Add(Describe("REST upcoming?limit=50", first.Items, first.Bytes));
        results.Add(Phase("REST upcoming?limit=50", () => new RestClient(http, upcoming)));

        if (options.Flag("deep"))
        {
            // The page right after the permanent sessions, which sort first: the first page that
            // lists timed occurrences. A client that pages on (or the CLI's --all) asks this.
            var page = first;
            var pages = 1;
            while (page.Items.Count > 0 && page.Items.All(i => i.Permanent) && page.Next is not null && pages < 1000)
            {
                var cursor = new Uri(rest, "/api/conferences/upcoming?limit=50&cursor=" + Uri.EscapeDataString(page.Next));
                var nextPage = RestClient.Probe(http, cursor);
                pages++;
                if (!nextPage.Items.All(i => i.Permanent))
                {
                    var name = $"REST page {pages} (cursor after the permanent sessions)";
                    notes.Add(Describe(name, nextPage.Items, nextPage.Bytes));
                    results.Add(Phase(name, () => new RestClient(http, cursor)));
                    break;
                }

                page = nextPage;
            }
        }

        foreach (var ldap in ldaps)
        {
            using (var probe = new LdapClient(ldap.Host, ldap.Port, 50))
            {
                var response = probe.Search();
                var entries = response.Entries.Cast<System.DirectoryServices.Protocols.SearchResultEntry>().ToList();
                var starts = entries.Select(e => e.Attributes["startTime"]?[0] as string).ToList();
                var blobBytes = entries.Sum(e => e.Attributes["conferenceBlob"]?[0] switch { byte[] b => b.Length, string s => s.Length, _ => 0 });
                var timed = starts.Where(s => s is not null).ToList();
                var sorted = timed.SequenceEqual(timed.Order(StringComparer.Ordinal));
                notes.Add($"LDAP ({ldap.Name}): first page {entries.Count} entries, {starts.Count(s => s is null)} permanent (no startTime), sorted by startTime: {(sorted ? "yes" : "no")}, conferenceBlob {blobBytes} bytes in all; filter {LdapClient.Filter(DateTimeOffset.UtcNow)}");
            }

            results.Add(Phase($"LDAP ({ldap.Name})", () => new LdapClient(ldap.Host, ldap.Port, 50)));
        }

        var table = Report.Table(results, notes);
        Console.WriteLine(table);
        if (options.Optional("out") is { } outPath)
        {
            File.WriteAllText(outPath, Report.Json(results, notes));
        }

        return results.Exists(r => r.Skipped is null && (r.Errors > 0 || r.Requests == 0)) ? 1 : 0;
    }

    public static async Task<int> ExplainAsync(Args options, CancellationToken cancellationToken)
    {
        var pg = options.Postgres();
        Loopback.RequirePostgres(pg);
        Console.WriteLine(await Explain.RunAsync(pg, cancellationToken));
        return 0;
    }

    private static string Describe(string what, List<(DateTimeOffset? Start, bool Permanent)> items, long bytes)
    {
        var starts = items.Select(i => i.Start ?? DateTimeOffset.MinValue).ToList();
        var sorted = starts.SequenceEqual(starts.Order());
        return $"{what}: {items.Count} items, {items.Count(i => i.Permanent)} permanent, sorted by start: {(sorted ? "yes" : "no")}, body {bytes} bytes";
    }
}

internal sealed record NamedPid(string Name, int Pid)
{
    public static NamedPid Parse(string text)
    {
        var eq = text.LastIndexOf('=');
        return eq > 0 && int.TryParse(text.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new NamedPid(text[..eq], pid)
            : throw new ArgumentException($"--pid wants NAME=PID, not '{text}'");
    }
}

internal sealed record Ldap(string Name, string Host, int Port)
{
    public static Ldap Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var name = eq > 0 ? text[..eq] : "slapd";
        var address = eq > 0 ? text[(eq + 1)..] : text;
        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException($"--ldap wants NAME=HOST:PORT, not '{text}'");
        }

        var host = address[..colon];
        Loopback.Require(host);
        return new Ldap(name, host, port);
    }
}

/// <summary>The benchmark sends traffic to this machine only.</summary>
internal static class Loopback
{
    public static void Require(string host)
    {
        if (host is not ("127.0.0.1" or "localhost" or "::1" or "[::1]") && !host.StartsWith("127.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{host}' is not a loopback address; this driver only talks to 127.0.0.0/8 or ::1");
        }
    }

    public static void RequirePostgres(string connectionString) =>
        Require(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Host ?? "");
}

internal sealed class Args
{
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    public string Command { get; private set; } = "";

    public static Args Parse(string[] args)
    {
        var result = new Args { Command = args.Length > 0 ? args[0] : "" };
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var key = args[i][2..];
            if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                if (!result.values.TryGetValue(key, out var list))
                {
                    result.values[key] = list = [];
                }

                list.Add(args[++i]);
            }
            else
            {
                result.flags.Add(key);
            }
        }

        return result;
    }

    public static int Usage()
    {
        Console.Error.WriteLine("usage: rendezvous-load seed|load|explain|publish|madcap|media ... (see Program.cs)");
        return 2;
    }

    /// <summary>--pg, or the environment variable RENDEZVOUS_LOAD_PG (which keeps a password off the command line).</summary>
    public string Postgres() => Optional("pg") ?? Environment.GetEnvironmentVariable("RENDEZVOUS_LOAD_PG")
        ?? throw new ArgumentException("--pg or RENDEZVOUS_LOAD_PG is required");

    public string Required(string key) => Optional(key) ?? throw new ArgumentException($"--{key} is required");

    public string? Optional(string key) => values.TryGetValue(key, out var list) ? list[^1] : null;

    public IEnumerable<string> All(string key) => values.TryGetValue(key, out var list) ? list : [];

    public bool Flag(string key) => flags.Contains(key);

    public int Int(string key, int fallback) => Optional(key) is { } text
        ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
        : fallback;
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Rendezvous.Madcap;
using Rendezvous.Madcap.Client;

namespace Rendezvous.Api.Cli;

/// <summary>
/// <c>rendezvous madcap scopes|request|renew|release|leases</c>: the MADCAP client (RFC 2730)
/// from the command line. Leases are saved as JSON files, so that a later command (or another
/// machine) can renew or release them. Exit codes: 0 done, 1 the server refused (NAK),
/// 2 usage error, 3 no answer.
/// </summary>
internal static class MadcapCommand
{
    public const int Done = 0;
    public const int Refused = 1;
    public const int Usage = 2;
    public const int NoAnswer = 3;

    private static readonly string[] Valued = ["server", "group", "local", "scope", "count", "min-count", "lease-time", "min-lease-time", "start", "max-start", "save", "language", "dir", "timeout"];
    private static readonly string[] Flags = ["json"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private const string UsageText =
        """
        usage: rendezvous madcap <command> [options]

          scopes   [--language TAG]        the scopes the server offers (GETINFO)
          request  --scope ADDR [--count N] [--min-count N] [--lease-time SECONDS]
                   [--min-lease-time SECONDS] [--start TIME] [--max-start TIME] [--save FILE]
                                           leases addresses; saves the lease (default: DIR/<first address>.json)
          renew    FILE [--lease-time SECONDS]
                                           renews a saved lease and saves it again
          release  FILE                    releases a saved lease and removes its file
          leases                           the leases saved in DIR

          --server HOST:PORT  the MADCAP server (default: $RENDEZVOUS_MADCAP_SERVER, else 127.0.0.1:2535)
          --group ADDR        ask by multicast on this MADCAP server group instead (e.g. 239.255.255.254,
                              the local scope's): GETINFO, or DISCOVER then REQUEST of the first OFFER
          --local ADDR        the local address (and multicast interface) to send from
          --dir DIR           where leases are saved (default: $RENDEZVOUS_MADCAP_LEASES,
                              else ~/.local/state/rendezvous/madcap)
          --timeout SECONDS   give up after this long (default 60, the RFC's)
          --json              print JSON instead of text

          Exit status: 0 done, 1 refused by the server (NAK), 2 usage error, 3 no answer.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0 || args[0] is "--help" or "-h")
        {
            await (args.Count == 0 ? stderr : stdout).WriteLineAsync(UsageText).ConfigureAwait(false);
            return args.Count == 0 ? Usage : Done;
        }

        try
        {
            if (!CommandOptions.TryParse(args.Skip(1), Valued, Flags, out var options, out var problem))
            {
                throw new UsageException(problem);
            }

            var serverText = options.Value("server") ?? environment("RENDEZVOUS_MADCAP_SERVER") ?? $"127.0.0.1:{MadcapOptions.WellKnownPort}";
            if (!IPEndPoint.TryParse(serverText, out var server))
            {
                throw new UsageException($"--server '{serverText}' is not HOST:PORT with an IP address");
            }

            if (server.Port == 0)
            {
                server.Port = MadcapOptions.WellKnownPort;
            }

            var giveUp = TimeSpan.FromSeconds(Number(options, "timeout") ?? 60);
            IPAddress? group = null;
            if (options.Value("group") is { } groupText && !IPAddress.TryParse(groupText, out group))
            {
                throw new UsageException($"--group '{groupText}' is not an IP address");
            }

            var local = IPAddress.Any;
            if (options.Value("local") is { } localText && !IPAddress.TryParse(localText, out local))
            {
                throw new UsageException($"--local '{localText}' is not an IP address");
            }

            var client = new MadcapClient(new MadcapClientOptions { Server = group is null ? server : null, GiveUpAfter = giveUp, LocalAddress = local! });
            var dir = options.Value("dir") ?? environment("RENDEZVOUS_MADCAP_LEASES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "rendezvous", "madcap");
            var c = new Context(client, options, dir, stdout, group);
            return args[0] switch
            {
                "scopes" => await ScopesAsync(c).ConfigureAwait(false),
                "request" => await RequestAsync(c).ConfigureAwait(false),
                "renew" => await RenewAsync(c).ConfigureAwait(false),
                "release" => await ReleaseAsync(c).ConfigureAwait(false),
                "leases" => await LeasesAsync(c).ConfigureAwait(false),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"rendezvous madcap: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync(UsageText).ConfigureAwait(false);
            return Usage;
        }
        catch (MadcapNakException e)
        {
            await stderr.WriteLineAsync($"rendezvous madcap: {e.Message}").ConfigureAwait(false);
            return Refused;
        }
        catch (TimeoutException e)
        {
            await stderr.WriteLineAsync($"rendezvous madcap: {e.Message}").ConfigureAwait(false);
            return NoAnswer;
        }
    }

    private sealed record Context(MadcapClient Client, CommandOptions Options, string Dir, TextWriter Stdout, IPAddress? Group);

    private static async Task<int> ScopesAsync(Context c)
    {
        c.Options.NoPositional();
        var info = await c.Client.GetInfoAsync(c.Options.Value("language"), c.Group, CancellationToken.None).ConfigureAwait(false);
        if (c.Options.Flag("json"))
        {
            var scopes = info.Scopes.Select(s => new
            {
                first = s.ScopeId.ToString(),
                last = s.LastAddress.ToString(),
                ttl = s.Ttl,
                names = s.Names.Select(n => new { language = n.Language, name = n.Name, isDefault = n.IsDefault }),
            });
            await c.Stdout.WriteLineAsync(JsonSerializer.Serialize(new { server = info.Server.ToString(), serverIdentifier = info.ServerIdentifier.ToString(), scopes }, Json)).ConfigureAwait(false);
            return Done;
        }

        await c.Stdout.WriteLineAsync($"server {info.ServerIdentifier} ({info.Server})").ConfigureAwait(false);
        await c.Stdout.WriteLineAsync($"{"FIRST",-16} {"LAST",-16} {"TTL",3}  NAME").ConfigureAwait(false);
        foreach (var scope in info.Scopes)
        {
            var name = scope.Names.FirstOrDefault(n => n.IsDefault) ?? (scope.Names.Count > 0 ? scope.Names[0] : null);
            await c.Stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{scope.ScopeId,-16} {scope.LastAddress,-16} {scope.Ttl,3}  {name?.Name} ({name?.Language})")).ConfigureAwait(false);
        }

        return Done;
    }

    private static async Task<int> RequestAsync(Context c)
    {
        c.Options.NoPositional();
        if (!IPAddress.TryParse(c.Options.Value("scope") ?? throw new UsageException("--scope ADDR is required (the scope's first address; see 'scopes')"), out var scope))
        {
            throw new UsageException($"--scope '{c.Options.Value("scope")}' is not an IP address");
        }

        var count = (int)(Number(c.Options, "count") ?? 1);
        var request = new MadcapLeaseRequest(scope)
        {
            Count = count,
            MinCount = (int)(Number(c.Options, "min-count") ?? count),
            LeaseTime = Seconds(c.Options, "lease-time"),
            MinLeaseTime = Seconds(c.Options, "min-lease-time"),
            Start = Time(c.Options, "start"),
            MaxStart = Time(c.Options, "max-start"),
        };
        if (request.MinCount < 1 || request.MinCount > request.Count || request.Count > ushort.MaxValue)
        {
            throw new UsageException("--min-count must be from 1 to --count");
        }

        var lease = await c.Client.RequestAsync(request, c.Group, CancellationToken.None).ConfigureAwait(false);
        var file = c.Options.Value("save") ?? Path.Combine(c.Dir, $"{lease.Addresses[0]}.json");
        await SaveAsync(file, lease).ConfigureAwait(false);
        await PrintAsync(c, lease, file).ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> RenewAsync(Context c)
    {
        var file = c.Options.OnePositional("FILE");
        var lease = await c.Client.RenewAsync(await LoadAsync(file).ConfigureAwait(false), Seconds(c.Options, "lease-time"), CancellationToken.None).ConfigureAwait(false);
        await SaveAsync(file, lease).ConfigureAwait(false);
        await PrintAsync(c, lease, file).ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> ReleaseAsync(Context c)
    {
        var file = c.Options.OnePositional("FILE");
        var lease = await LoadAsync(file).ConfigureAwait(false);
        await c.Client.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        File.Delete(file);
        await c.Stdout.WriteLineAsync($"released {string.Join(", ", lease.Addresses)}").ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> LeasesAsync(Context c)
    {
        c.Options.NoPositional();
        var leases = new List<(string File, MadcapLease Lease)>();
        if (System.IO.Directory.Exists(c.Dir))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(c.Dir, "*.json").Order(StringComparer.Ordinal))
            {
                leases.Add((file, await LoadAsync(file).ConfigureAwait(false)));
            }
        }

        if (c.Options.Flag("json"))
        {
            await c.Stdout.WriteLineAsync("[" + string.Join(",", leases.Select(l => l.Lease.ToJson())) + "]").ConfigureAwait(false);
            return Done;
        }

        await c.Stdout.WriteLineAsync($"{"ADDRESSES",-32} {"START",-20} {"END",-20} {"SERVER",-22} FILE").ConfigureAwait(false);
        foreach (var (file, lease) in leases)
        {
            await c.Stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{string.Join(",", lease.Addresses),-32} {lease.Start.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {lease.End.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {lease.Server,-22} {file}")).ConfigureAwait(false);
        }

        return Done;
    }

    private static async Task PrintAsync(Context c, MadcapLease lease, string file)
    {
        if (c.Options.Flag("json"))
        {
            await c.Stdout.WriteLineAsync(lease.ToJson()).ConfigureAwait(false);
            return;
        }

        await c.Stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"leased {string.Join(", ", lease.Addresses)} from {lease.Start:O} to {lease.End:O} (server {lease.ServerIdentifier}); saved in {file}")).ConfigureAwait(false);
    }

    private static async Task SaveAsync(string file, MadcapLease lease)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
        {
            System.IO.Directory.CreateDirectory(folder);
        }

        await File.WriteAllTextAsync(file, lease.ToJson() + "\n").ConfigureAwait(false);
    }

    private static async Task<MadcapLease> LoadAsync(string file)
    {
        try
        {
            return MadcapLease.FromJson(await File.ReadAllTextAsync(file).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UsageException($"cannot read the lease file '{file}': {e.Message}");
        }
    }

    private static double? Number(CommandOptions options, string name) =>
        options.Value(name) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
        : throw new UsageException($"--{name} '{text}' is not a number");

    private static TimeSpan? Seconds(CommandOptions options, string name) => Number(options, name) is { } s ? TimeSpan.FromSeconds(s) : null;

    private static DateTimeOffset? Time(CommandOptions options, string name) =>
        options.Value(name) is not { } text ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value
        : throw new UsageException($"--{name} '{text}' is not a time (ISO 8601, e.g. 2026-11-23T09:00:00Z)");
}

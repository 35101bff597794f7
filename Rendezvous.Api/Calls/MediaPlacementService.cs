using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Database;
using Rendezvous.Media;

namespace Rendezvous.Api.Calls;

/// <summary>
/// Keeps this instance's row in <c>media.instances</c> alive and its placements current: a
/// heartbeat every <see cref="MediaPlacements.HeartbeatInterval"/>, and the calls, hubs and
/// bound groups it holds written within a second of changing. While PostgreSQL is down it
/// retries; media goes on meanwhile, and other instances cannot find this one's calls.
/// </summary>
internal sealed partial class MediaPlacementService(
    MediaPlacements placements,
    IServiceProvider services,
    DatabaseState database,
    IServer server,
    IOptions<MediaOptions> options,
    ILogger<MediaPlacementService> logger) : BackgroundService
{
    private static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);

    /// <summary>The URL other instances send clients to: configured, or this server's first address (a wildcard host replaced by the machine's name).</summary>
    public string Url()
    {
        if (options.Value.InstanceUrl is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost";
        var uri = new Uri(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? Dns.GetHostName() : uri.Host;
        return new UriBuilder(uri.Scheme, host, uri.Port).Uri.ToString().TrimEnd('/');
    }

    /// <summary>Writes this instance's row now if it is not written yet (a group claim needs it).</summary>
    public async Task EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        if (!placements.Registered)
        {
            await placements.HeartbeatAsync(Url(), cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: the switch's factory reads (and validates) the media options.
        var media = services.GetRequiredService<MediaSwitch>();
        var lastBeat = DateTimeOffset.MinValue;
        string? synced = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (database.IsMigrated)
                {
                    if (DateTimeOffset.UtcNow - lastBeat >= MediaPlacements.HeartbeatInterval)
                    {
                        await placements.HeartbeatAsync(Url(), stoppingToken).ConfigureAwait(false);
                        lastBeat = DateTimeOffset.UtcNow;
                    }

                    var (held, groups) = Current(media);
                    var fingerprint = string.Join(',', held.Select(h => h.Id)) + ';' + string.Join(',', groups);
                    if (fingerprint != synced)
                    {
                        await placements.SyncAsync(held, groups, stoppingToken).ConfigureAwait(false);
                        synced = fingerprint;
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.PlacementFailed(logger, e.Message);
                synced = null;
            }

            await Task.Delay(SyncInterval, stoppingToken).ConfigureAwait(false);
        }
    }

    private static (List<(Guid Id, bool IsHub)> Held, List<IPEndPoint> Groups) Current(MediaSwitch media)
    {
        var board = media.Board.Current();
        var held = board.Calls.Select(c => (c.Id, false)).Concat(board.Hubs.Select(h => (h.Id, true))).OrderBy(h => h.Item1).ToList();
        var groups = board.Hubs.Select(h => media.Group(h.Id)?.Binding.Group).OfType<IPEndPoint>().OrderBy(g => g.ToString(), StringComparer.Ordinal).ToList();
        return (held, groups);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record this instance's calls in PostgreSQL (retrying): {Error}")]
        public static partial void PlacementFailed(ILogger logger, string error);
    }
}

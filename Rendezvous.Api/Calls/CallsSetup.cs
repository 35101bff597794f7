using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Media;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Relay;

namespace Rendezvous.Api.Calls;

internal static class CallsSetup
{
    public static IServiceCollection AddCalls(this IServiceCollection services)
    {
        services.AddSingleton(provider => new MediaMetrics(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MediaOptions>>().Value;
            return new MediaSwitch(
                new RtpPortPool(IPAddress.Parse(options.BindAddress), options.RtpPortMin, options.RtpPortMax),
                new MediaSwitchSettings
                {
                    Limits = new SwitchboardLimits { MaxConferenceParties = options.MaxConferenceParties },
                    LatchToFirstSource = options.LatchToFirstSource,
                    MaxPacketsPerSecond = options.MaxPacketsPerSecond,
                    ReceiveThreads = options.ReceiveThreads,
                    SilenceTimeout = TimeSpan.FromSeconds(options.SilenceTimeoutSeconds),
                    MaxGroupPacketsPerSecond = options.MaxGroupPacketsPerSecond,
                    MaxMulticastTtl = options.MaxMulticastTtl,
                    MulticastInterface = options.MulticastInterface is { Length: > 0 } local ? IPAddress.Parse(local) : null,
                },
                provider.GetRequiredService<MediaMetrics>(),
                // Media runs on the wall clock whatever clock the rest of the service is given:
                // the mixer's 20 ms ticks and the reaper are real time.
                TimeProvider.System);
        });
        services.AddSingleton<CallOwners>();
        services.AddSingleton<MediaPlacements>();
        services.AddSingleton<MediaPlacementService>();
        services.AddHostedService(provider => provider.GetRequiredService<MediaPlacementService>());
        return services;
    }
}

/// <summary>
/// Who created each call (its owner); a hub belongs to whoever created it. In memory, like the
/// media itself. Owners of calls and hubs the switch has forgotten are dropped as new ones are
/// added, so this map stays as small as the switch's.
/// </summary>
internal sealed class CallOwners(MediaSwitch media)
{
    private readonly ConcurrentDictionary<Guid, string> _owners = new();
    private int _pruneAt = 64;

    public void Set(Guid id, string owner)
    {
        _owners[id] = owner;
        if (_owners.Count >= Volatile.Read(ref _pruneAt))
        {
            foreach (var known in _owners.Keys)
            {
                if (media.Board.Call(known) is null && media.Board.Hub(known) is null)
                {
                    _owners.TryRemove(known, out _);
                }
            }

            // Amortised: the next sweep waits until the map has doubled again.
            Volatile.Write(ref _pruneAt, Math.Max(64, 2 * _owners.Count));
        }
    }

    public string? Of(Guid id) => _owners.TryGetValue(id, out var owner) ? owner : null;

    /// <summary>How many owners are remembered.</summary>
    public int Count => _owners.Count;
}

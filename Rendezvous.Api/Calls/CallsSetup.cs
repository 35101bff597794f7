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
                    SilenceTimeout = TimeSpan.FromSeconds(options.SilenceTimeoutSeconds),
                },
                provider.GetRequiredService<MediaMetrics>(),
                // Media runs on the wall clock whatever clock the rest of the service is given:
                // the mixer's 20 ms ticks and the reaper are real time.
                TimeProvider.System);
        });
        services.AddSingleton<CallOwners>();
        return services;
    }
}

/// <summary>Who created each call (its owner); a hub belongs to its initiator's owner. In memory, like the media itself.</summary>
internal sealed class CallOwners
{
    private readonly ConcurrentDictionary<Guid, string> _owners = new();

    public void Set(Guid call, string owner) => _owners[call] = owner;

    public string? Of(Guid call) => _owners.TryGetValue(call, out var owner) ? owner : null;

    public void Forget(Guid call) => _owners.TryRemove(call, out _);
}

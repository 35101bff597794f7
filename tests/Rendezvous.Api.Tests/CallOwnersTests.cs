using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Calls;
using Rendezvous.Media;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Relay;

namespace Rendezvous.Api.Tests;

public sealed class CallOwnersTests
{
    [Fact]
    public async Task Owners_of_calls_the_switch_has_forgotten_are_dropped_and_live_ones_kept()
    {
        var metrics = new MediaMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        await using var media = new MediaSwitch(new RtpPortPool(IPAddress.Loopback, 46100, 46103), new MediaSwitchSettings(), metrics, TimeProvider.System);
        var owners = new CallOwners(media);
        var live = media.CreateCall(new IPEndPoint(IPAddress.Loopback, 9), AudioCodec.Pcmu).Value;
        owners.Set(live, "alice");

        // Ids the switch no longer knows (forgotten after their retention) pile up until the next sweep.
        for (var i = 0; i < 62; i++)
        {
            owners.Set(Guid.NewGuid(), "bob");
        }

        Assert.Equal(63, owners.Count);
        owners.Set(Guid.NewGuid(), "bob"); // the 64th entry sweeps
        Assert.Equal(1, owners.Count);
        Assert.Equal("alice", owners.Of(live));
    }
}

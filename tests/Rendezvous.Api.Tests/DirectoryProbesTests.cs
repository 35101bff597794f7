using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Health;
using Rendezvous.Directory;
using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>A flood of readiness requests does not become a flood of LDAP binds.</summary>
public sealed class DirectoryProbesTests(SlapdServer slapd) : IClassFixture<SlapdServer>, IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ManualClock _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
    private int _probes;

    private (DirectoryProbes Probes, MeterListener Listener) Create()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DirectoryTelemetry.MeterName && instrument.Meter.Scope == factory)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _probes));
        listener.Start();
        return (new DirectoryProbes(new DirectoryMetrics(factory), _time), listener);
    }

    private LdapDirectoryOptions Directory() => new() { Name = "local", Url = slapd.Url, BaseDn = SlapdServer.Suffix };

    [Fact]
    public async Task Concurrent_requests_share_one_probe_and_a_later_one_probes_again()
    {
        var (probes, listener) = Create();
        using var _ = listener;
        var directory = Directory();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => probes.ProbeAsync(directory)));
        Assert.All(results, r => Assert.True(r.Reachable, r.Detail));
        Assert.Equal(1, _probes);

        // Within the second, the finished result is reused; after it, the directory is asked again.
        await probes.ProbeAsync(directory);
        Assert.Equal(1, _probes);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        await probes.ProbeAsync(directory);
        Assert.Equal(2, _probes);
    }

    public void Dispose() => _services.Dispose();
}

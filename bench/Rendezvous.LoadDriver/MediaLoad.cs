using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Rendezvous.LoadDriver;

/// <summary>
/// The media mixer load (bench/run-media.sh): hubs of 5 G.711 µ-law legs on a mixing server,
/// each leg a UDP socket of this driver sending a 20 ms packet every 20 ms and receiving what the
/// server mixes for it.
///   media --target rendezvous|janus --api URL [--token-file FILE] --hubs N [--warmup 3] [--duration 10]
///         [--latency-hubs 0] [--port-base 10000] [--pid NAME=PID ...] [--out FILE]
/// Leg i binds 127.0.0.1 port-base + 2i (RTP) and the next port (RTCP).
/// In each hub legs 0 and 1 talk (a 400 Hz tone at about -21 dBFS) and legs 2 to 4 send digital
/// silence, so that every leg sends 50 packets/s: Janus sends a plain-RTP participant nothing
/// until it has heard from it, and a leg that sends is the realistic case for both servers.
/// In the first --latency-hubs hubs leg 0 sends silence with a loud frame every 500 ms instead,
/// the others silence, and legs 1 to 4 time the loud frame's arrival in their mix.
/// Every leg's packets are sent on a drift-free schedule (leg i at start + phase(i) + k × 20 ms,
/// phases spread evenly over the 20 ms), from one thread; receives complete through the sockets'
/// event thread on the thread pool. (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, which would
/// save the thread-pool hop, left every receive pending when the driver was pinned to one core:
/// not used.)
/// </summary>
internal static class MediaLoad
{
    public const int LegsPerHub = 5;
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(Args options, CancellationToken cancellationToken)
    {
        var hubs = options.Int("hubs", 20);
        var latencyHubs = Math.Min(hubs, options.Int("latency-hubs", 0));
        var warmup = TimeSpan.FromSeconds(options.Int("warmup", 3));
        var window = TimeSpan.FromSeconds(options.Int("duration", 10));
        var portBase = options.Int("port-base", 10000);
        var processes = options.All("pid").Select(NamedPid.Parse).ToDictionary(p => p.Name, p => p.Pid, StringComparer.Ordinal);
        processes["driver"] = Environment.ProcessId;
        using var target = MediaTargets.Create(options);

        var legs = new MediaLeg[hubs * LegsPerHub];
        var markers = new MarkerClock[latencyHubs];
        for (var h = 0; h < latencyHubs; h++)
        {
            markers[h] = new MarkerClock();
        }

        for (var i = 0; i < legs.Length; i++)
        {
            var hub = i / LegsPerHub;
            var slot = i % LegsPerHub;
            var role = hub < latencyHubs ? (slot == 0 ? LegRole.Marker : LegRole.Listener) : (slot < 2 ? LegRole.Talker : LegRole.Silent);
            legs[i] = new MediaLeg(portBase + 2 * i, role, hub < latencyHubs ? markers[hub] : null, warmup + window);
        }

        var setup = Stopwatch.StartNew();
        Console.Error.WriteLine($"media: {target.Name}: setting up {hubs} hubs of {LegsPerHub} legs ...");
        IPEndPoint[] servers;
        try
        {
            servers = await target.SetUpAsync(hubs, LegsPerHub, i => legs[i].Port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await target.TearDownAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var setupSeconds = setup.Elapsed.TotalSeconds;
        MediaRun run;
        try
        {
            for (var i = 0; i < legs.Length; i++)
            {
                legs[i].Server = servers[i].Serialize();
            }

            Console.Error.WriteLine($"media: {target.Name}: {legs.Length} legs set up in {setupSeconds:0.0} s; {warmup.TotalSeconds} s warm-up + {window.TotalSeconds} s measured ...");
            run = new MediaEngine(legs, warmup, window, processes, target.ServerStats).Run();
        }
        finally
        {
            foreach (var leg in legs)
            {
                leg.Dispose();
            }

            await target.TearDownAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var result = MediaReport.Summarise(target.Name, hubs, latencyHubs, setupSeconds, window, legs, markers, run);
        var json = JsonSerializer.Serialize(result, Indented);
        Console.WriteLine(json);
        if (options.Optional("out") is { } path)
        {
            await File.WriteAllTextAsync(path, json + "\n", cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}

internal enum LegRole
{
    /// <summary>Sends a steady tone: heard by the others (its own mix is everyone but itself).</summary>
    Talker,

    /// <summary>Sends digital silence.</summary>
    Silent,

    /// <summary>Sends silence with a loud frame every <see cref="MarkerClock.Every"/> packets (latency hubs).</summary>
    Marker,

    /// <summary>Sends silence and times the marker's arrival in its mix (latency hubs).</summary>
    Listener,
}

/// <summary>When the latest marker of one latency hub left the driver, and its serial number.</summary>
internal sealed class MarkerClock
{
    /// <summary>A marker every 25 packets: every 500 ms, longer than any sane mixer delay, so a marker is never confused with the next.</summary>
    public const int Every = 25;

    private long _sentAt;
    private int _serial;

    public int Serial => Volatile.Read(ref _serial);

    public long SentAt => Volatile.Read(ref _sentAt);

    public void Sent(long timestamp)
    {
        Volatile.Write(ref _sentAt, timestamp);
        Interlocked.Increment(ref _serial);
    }
}

/// <summary>What the engine measured besides the per-leg records: CPU and the packets it sent.</summary>
internal sealed record MediaRun(Dictionary<string, double> CpuSeconds, long Sent, long SendErrors, double WindowSeconds, double SenderLateMsP99, JsonElement? StatsBefore, JsonElement? StatsAfter);

using System.Diagnostics;
using System.Text.Json;

namespace Rendezvous.LoadDriver;

/// <summary>Turns the legs' records into the JSON result of one media run.</summary>
internal static class MediaReport
{
    /// <summary>Lateness bins of 10 µs, up to 2 s.</summary>
    private const int BinsPerMs = 100;
    private const int Bins = 2000 * BinsPerMs;

    public static Dictionary<string, object?> Summarise(string target, int hubs, int latencyHubs, double setupSeconds, TimeSpan window, MediaLeg[] legs, MarkerClock[] markers, MediaRun run)
    {
        // Lateness: each leg's schedule is its earliest packet (arrival minus sequence × 20 ms); every
        // other packet is late by its distance from that schedule.
        var bins = new long[Bins + 1];
        long samples = 0;
        double worst = 0;
        foreach (var leg in legs)
        {
            var records = leg.Records.AsSpan(0, leg.RecordCount);
            if (records.IsEmpty)
            {
                continue;
            }

            var schedule = long.MaxValue;
            foreach (var r in records)
            {
                schedule = Math.Min(schedule, r);
            }

            foreach (var r in records)
            {
                var ms = (r - schedule) * 1000.0 / Stopwatch.Frequency;
                worst = Math.Max(worst, ms);
                bins[Math.Min(Bins, (int)(ms * BinsPerMs))]++;
                samples++;
            }
        }

        double? Lateness(double q)
        {
            if (samples == 0)
            {
                return null;
            }

            long seen = 0;
            for (var i = 0; i <= Bins; i++)
            {
                seen += bins[i];
                if (seen >= Math.Ceiling(q * samples))
                {
                    return Math.Round((double)i / BinsPerMs, 2);
                }
            }

            return Math.Round(worst, 2);
        }

        var received = legs.Sum(l => l.Received);
        var lost = legs.Where(l => l.Received > 0).Sum(l => Math.Max(0, l.LastSequence - l.FirstSequence + 1 - l.Received));
        var expected = legs.Length * 50 * window.TotalSeconds;
        var latencies = legs.SelectMany(l => l.Latencies).Order().ToArray();
        double? L(double q) => latencies.Length == 0 ? null : Math.Round(latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Length) - 1, 0, latencies.Length - 1)], 2);
        var cores = run.CpuSeconds.ToDictionary(c => c.Key, c => Math.Round(c.Value / run.WindowSeconds, 3), StringComparer.Ordinal);
        return new Dictionary<string, object?>
        {
            ["target"] = target,
            ["hubs"] = hubs,
            ["legs"] = legs.Length,
            ["latencyHubs"] = latencyHubs,
            ["setupSeconds"] = Math.Round(setupSeconds, 1),
            ["windowSeconds"] = Math.Round(run.WindowSeconds, 2),
            ["sentInRun"] = run.Sent,
            ["sendErrors"] = run.SendErrors,
            ["senderLatenessMsP99"] = run.SenderLateMsP99,
            ["received"] = received,
            ["receivedInRun"] = legs.Sum(l => l.ReceivedAll),
            ["receiveErrors"] = legs.Sum(l => l.Errors),
            ["receiveErrorKinds"] = string.Join(",", legs.Where(l => l.Errors > 0).Select(l => l.LastError.ToString()).Distinct()),
            ["expected"] = (long)expected,
            ["deliveredRatio"] = Math.Round(received / expected, 5),
            ["sequenceLost"] = lost,
            ["legsSilent"] = legs.Count(l => l.Received == 0),
            ["latenessMs"] = new Dictionary<string, double?> { ["p50"] = Lateness(0.50), ["p90"] = Lateness(0.90), ["p99"] = Lateness(0.99), ["p999"] = Lateness(0.999), ["max"] = Math.Round(worst, 2) },
            ["latencyMs"] = new Dictionary<string, object?> { ["markers"] = markers.Sum(m => m.Serial), ["samples"] = latencies.Length, ["min"] = L(0), ["p50"] = L(0.50), ["p99"] = L(0.99), ["max"] = L(1.0) },
            ["cpuSeconds"] = run.CpuSeconds.ToDictionary(c => c.Key, c => Math.Round(c.Value, 2), StringComparer.Ordinal),
            ["cores"] = cores,
            ["mixerTicks"] = MixerTicks(run.StatsBefore, run.StatsAfter, "mixerTicks"),
            ["mixerTickLateness"] = MixerTicks(run.StatsBefore, run.StatsAfter, "mixerTickLateness"),
            ["jitterBuffersAtEnd"] = run.StatsAfter is { } end && end.TryGetProperty("jitterBuffers", out var depths) ? depths : null,
        };
    }

    /// <summary>
    /// The server's mixer ticks in the window, from one of its tick histograms (<paramref name="name"/>:
    /// durations, or how late each tick started) at the start and the end: how many, how many over 5 ms,
    /// and the bound of the bucket holding the 99th percentile (null: over the last bound, 50 ms). Null
    /// when the server has no such statistics.
    /// </summary>
    private static Dictionary<string, object?>? MixerTicks(JsonElement? before, JsonElement? after, string name)
    {
        if (before is not { } b || after is not { } a || !b.TryGetProperty(name, out _) || !a.TryGetProperty(name, out _))
        {
            return null;
        }

        (double? UpTo, long Count)[] Read(JsonElement stats) =>
            [.. stats.GetProperty(name).GetProperty("buckets").EnumerateArray()
                .Select(x => (x.GetProperty("upToMs").ValueKind == JsonValueKind.Null ? (double?)null : x.GetProperty("upToMs").GetDouble(), x.GetProperty("count").GetInt64()))];
        var (first, last) = (Read(b), Read(a));
        var delta = last.Select((x, i) => (x.UpTo, Count: x.Count - first[i].Count)).ToArray();
        var total = delta.Sum(x => x.Count);
        if (total == 0)
        {
            return null; // no tick in the window: nothing to say (null p99 means "over 50 ms" below)
        }

        var over5 = delta.Where(x => x.UpTo is not { } bound || bound > 5).Sum(x => x.Count);
        double? p99 = null;
        long seen = 0;
        foreach (var (upTo, count) in delta)
        {
            seen += count;
            if (seen >= 0.99 * total)
            {
                p99 = upTo;
                break;
            }
        }

        return new Dictionary<string, object?> { ["count"] = total, ["over5Ms"] = over5, ["p99UpToMs"] = p99 };
    }
}

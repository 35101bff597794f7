using System.Diagnostics;

namespace Rendezvous.LoadDriver;

/// <summary>What one request did: whether it succeeded, how many items and bytes came back, and the server's own time if it said.</summary>
internal readonly record struct Outcome(bool Ok, int Items, long Bytes, double ServerMs = double.NaN);

/// <summary>One client: owns its connection and sends one request at a time.</summary>
internal interface IClient : IDisposable
{
    Outcome Send();
}

/// <summary>The samples of one load phase, all of them (no histogram buckets): latencies in Stopwatch ticks.</summary>
internal sealed class PhaseResult(string name, int clients, double seconds, long[] latencies, double[] serverMs, long errors, long items, long bytes)
{
    /// <summary>CPU seconds spent in the measured window, by process (with descendants).</summary>
    public Dictionary<string, double> CpuSeconds { get; init; } = [];

    /// <summary>Latencies (ms, sorted) of requests sent one at a time by a single client before the load.</summary>
    public double[] SerialMs { get; init; } = [];

    /// <summary>Why the loaded phase was not run, when it was not.</summary>
    public string? Skipped { get; init; }

    public string Name { get; } = name;

    public int Clients { get; } = clients;

    public double Seconds { get; } = seconds;

    /// <summary>Sorted ascending.</summary>
    public long[] Latencies { get; } = latencies;

    /// <summary>Sorted ascending; empty when the server gave no Server-Timing.</summary>
    public double[] ServerMs { get; } = serverMs;

    public long Errors { get; } = errors;

    public long Items { get; } = items;

    public long Bytes { get; } = bytes;

    public long Requests => Latencies.Length;

    public double RequestsPerSecond => Requests / Seconds;

    /// <summary>Nearest-rank percentile in milliseconds.</summary>
    public double Percentile(double p) => Latencies.Length == 0 ? double.NaN : Ms(Latencies[Rank(Latencies.Length, p)]);

    public double ServerPercentile(double p) => ServerMs.Length == 0 ? double.NaN : ServerMs[Rank(ServerMs.Length, p)];

    public double MaxMs => Latencies.Length == 0 ? double.NaN : Ms(Latencies[^1]);

    public double MeanMs => Latencies.Length == 0 ? double.NaN : Ms((long)Latencies.Average());

    private static int Rank(int n, double p) => Math.Clamp((int)Math.Ceiling(p / 100 * n) - 1, 0, n - 1);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Closed-loop load: N clients, each on its own thread with its own connection, send one
/// request after another. Requests that start during the warm-up, or end after the measured
/// window, are not counted. Every loop ends by time and by a request cap.
/// </summary>
internal static class LoadRunner
{
    private const int MaxRequestsPerClient = 2_000_000;

    /// <summary>
    /// One client alone: up to <paramref name="count"/> requests (stopping after <paramref name="limit"/>),
    /// after unmeasured ones for <paramref name="warm"/> (at least one; so that a freshly started
    /// service has its hot paths jitted to tier 1 before anything is measured). Latencies in ms, sorted.
    /// </summary>
    public static double[] Serial(IClient client, TimeSpan warm, int count, TimeSpan limit)
    {
        var warmEnd = Stopwatch.GetTimestamp() + (long)(warm.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < MaxRequestsPerClient && (i == 0 || Stopwatch.GetTimestamp() < warmEnd); i++)
        {
            client.Send();
        }

        var result = new List<double>(count);
        var stop = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < count && Stopwatch.GetTimestamp() < stop; i++)
        {
            var started = Stopwatch.GetTimestamp();
            if (!client.Send().Ok)
            {
                throw new InvalidOperationException("a request failed while measuring one client alone");
            }

            result.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        result.Sort();
        return [.. result];
    }

    public static PhaseResult Run(string name, int clients, TimeSpan warmup, TimeSpan duration, Func<int, IClient> connect, IReadOnlyDictionary<string, int> processes)
    {
        var samples = new List<long>[clients];
        var server = new List<double>[clients];
        var errors = new long[clients];
        var items = new long[clients];
        var bytes = new long[clients];
        var failures = new Exception?[clients];
        using var ready = new CountdownEvent(clients);
        using var go = new ManualResetEventSlim();
        long warmEnd = 0, end = 0;
        var threads = new Thread[clients];
        for (var c = 0; c < clients; c++)
        {
            var index = c;
            threads[c] = new Thread(() =>
            {
                var mine = new List<long>(1 << 16);
                var mineServer = new List<double>(1 << 16);
                samples[index] = mine;
                server[index] = mineServer;
                IClient? client = null;
                try
                {
                    client = connect(index);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures[index] = e;
                }
                finally
                {
                    ready.Signal();
                }

                go.Wait();
                if (client is null)
                {
                    return;
                }

                using (client)
                {
                    for (var n = 0; n < MaxRequestsPerClient; n++)
                    {
                        var started = Stopwatch.GetTimestamp();
                        if (started >= Volatile.Read(ref end))
                        {
                            break;
                        }

                        Outcome outcome;
                        try
                        {
                            outcome = client.Send();
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            failures[index] ??= e;
                            outcome = new Outcome(false, 0, 0);
                        }

                        var finished = Stopwatch.GetTimestamp();
                        if (started < Volatile.Read(ref warmEnd) || finished > Volatile.Read(ref end))
                        {
                            continue;
                        }

                        if (!outcome.Ok)
                        {
                            errors[index]++;
                            continue;
                        }

                        mine.Add(finished - started);
                        items[index] += outcome.Items;
                        bytes[index] += outcome.Bytes;
                        if (!double.IsNaN(outcome.ServerMs))
                        {
                            mineServer.Add(outcome.ServerMs);
                        }
                    }
                }
            })
            {
                IsBackground = true,
                Name = $"{name}-{c}",
            };
            threads[c].Start();
        }

        ready.Wait();
        if (Array.Find(failures, f => f is not null) is { } failed)
        {
            go.Set();
            throw new InvalidOperationException($"{name}: a client could not connect: {failed.Message}", failed);
        }

        var now = Stopwatch.GetTimestamp();
        Volatile.Write(ref warmEnd, now + (long)(warmup.TotalSeconds * Stopwatch.Frequency));
        Volatile.Write(ref end, warmEnd + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        go.Set();

        // CPU per process over exactly the measured window.
        SleepUntil(warmEnd);
        var cpuBefore = Cpu.Snapshot(processes);
        SleepUntil(end);
        var cpu = Cpu.Delta(cpuBefore, Cpu.Snapshot(processes));
        foreach (var thread in threads)
        {
            // A request has its own time-out (10 s), so this bound is never reached in a sane run.
            if (!thread.Join(warmup + duration + TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"{name}: a client did not stop in time");
            }
        }

        if (Array.Find(failures, f => f is not null) is { } error)
        {
            Console.Error.WriteLine($"  {name}: first error: {error.GetType().Name}: {error.Message}");
        }

        var latencies = samples.SelectMany(s => s).ToArray();
        Array.Sort(latencies);
        var serverMs = server.SelectMany(s => s).ToArray();
        Array.Sort(serverMs);
        return new PhaseResult(name, clients, duration.TotalSeconds, latencies, serverMs, errors.Sum(), items.Sum(), bytes.Sum()) { CpuSeconds = cpu };
    }

    private static void SleepUntil(long timestamp)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}

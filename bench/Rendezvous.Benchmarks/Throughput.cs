using System.Diagnostics;
using System.Text.Json;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Benchmarks;

/// <summary>
/// Parse throughput measured exactly as bench/sdp-transform/bench.js measures sdp-transform:
/// for each file, warm up for <see cref="WarmupMs"/> ms, size a batch to about
/// <see cref="BatchMs"/> ms from the warm-up rate, time <see cref="Batches"/> batches, and
/// report the median time per parse. Prints JSON on standard output.
/// </summary>
public static class Throughput
{
    public const int WarmupMs = 1000;
    public const int BatchMs = 100;
    public const int Batches = 15;

    private static readonly SdpParseOptions NoValidation = SdpParseOptions.Strict with { Validate = false };

    // Read after the runs so that no parse can be dropped as dead code.
    private static long s_sink;

    public static int Run()
    {
        using var stdout = Console.OpenStandardOutput();
        using var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("runtime", $".NET {Environment.Version}");
        json.WriteString("procedure", $"warm-up {WarmupMs} ms, then {Batches} batches of about {BatchMs} ms; median per parse");
        json.WriteStartArray("results");
        foreach (var file in Corpus.Files)
        {
            var text = Corpus.ReadText(file);
            CorpusCheck.ParseClean(file, text);
            Measure(json, file, text, "rendezvous strict+validate", () => SdpParser.Parse(text).Description!.Media.Count);
            Measure(json, file, text, "rendezvous strict, no validation", () => SdpParser.Parse(text, NoValidation).Description!.Media.Count);
        }

        json.WriteEndArray();
        json.WriteNumber("sink", s_sink);
        json.WriteEndObject();
        json.Flush();
        stdout.WriteByte((byte)'\n');
        return 0;
    }

    private static void Measure(Utf8JsonWriter json, string file, string text, string parser, Func<int> parse)
    {
        // Warm-up: also lets tiered compilation reach its optimised code.
        long sink = 0;
        long warmups = 0;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < WarmupMs)
        {
            for (var i = 0; i < 100; i++)
            {
                sink += parse();
            }

            warmups += 100;
        }

        var warmupUs = Stopwatch.GetElapsedTime(start).TotalMicroseconds / warmups;
        var iterations = Math.Max(1, (int)Math.Round(BatchMs * 1000 / warmupUs));

        var perParseUs = new double[Batches];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var b = 0; b < Batches; b++)
        {
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < iterations; i++)
            {
                sink += parse();
            }

            var t1 = Stopwatch.GetTimestamp();
            perParseUs[b] = (t1 - t0) * 1_000_000.0 / Stopwatch.Frequency / iterations;
        }

        var allocatedPerParse = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / ((long)Batches * iterations);
        s_sink += sink;
        Array.Sort(perParseUs);
        var median = perParseUs[Batches / 2];

        json.WriteStartObject();
        json.WriteString("file", file);
        json.WriteNumber("bytes", text.Length);
        json.WriteString("parser", parser);
        json.WriteNumber("batches", Batches);
        json.WriteNumber("iterations", iterations);
        json.WriteNumber("medianUs", Math.Round(median, 4));
        json.WriteNumber("minUs", Math.Round(perParseUs[0], 4));
        json.WriteNumber("maxUs", Math.Round(perParseUs[^1], 4));
        json.WriteNumber("parsesPerSecond", Math.Round(1_000_000 / median));
        json.WriteNumber("allocatedBytesPerParse", Math.Round(allocatedPerParse, 1));
        json.WriteEndObject();
        json.Flush();
    }
}

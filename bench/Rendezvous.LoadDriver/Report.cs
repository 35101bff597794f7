using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Rendezvous.LoadDriver;

/// <summary>The results tables (Markdown) and the JSON record of a run.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Table(IReadOnlyList<PhaseResult> results, IReadOnlyList<string> notes)
    {
        var text = new StringBuilder();
        foreach (var note in notes)
        {
            text.AppendLine("- " + note);
        }

        text.AppendLine()
            .AppendLine("| phase | clients | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server p50 / p99 ms | 1 client alone: p50 ms |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var alone = r.SerialMs.Length == 0 ? "n/a" : F($"{Median(r.SerialMs):0.00}");
            if (r.Skipped is not null)
            {
                text.AppendLine(F($"| {r.Name} | {r.Clients} | not run | | | | | | | | {alone} |"));
                continue;
            }

            var server = r.ServerMs.Length == 0 ? "n/a" : F($"{r.ServerPercentile(50):0.00} / {r.ServerPercentile(99):0.00}");
            text.AppendLine(F($"| {r.Name} | {r.Clients} | {r.Requests} | {r.RequestsPerSecond:0} | {r.Percentile(50):0.00} | {r.Percentile(90):0.00} | {r.Percentile(99):0.00} | {r.MaxMs:0.00} | {r.Errors} | {server} | {alone} |"));
        }

        foreach (var r in results.Where(r => r.Skipped is not null))
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"- {r.Name}: {r.Skipped}").AppendLine();
        }

        var loaded = results.Where(r => r.Skipped is null && r.Requests > 0).ToList();
        // Whole processes only: each also has a "name.system" part (Cpu.Snapshot), which is not another process.
        var names = loaded.SelectMany(r => r.CpuSeconds.Keys).Where(n => !n.EndsWith(".system", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count > 0)
        {
            text.AppendLine()
                .AppendLine("CPU time per request in the measured window, in ms (all processes with their children; 2 cores = 2000 ms per second):")
                .AppendLine()
                .Append("| phase | ").Append(string.Join(" | ", names)).AppendLine(" | total | cores busy |")
                .Append("|---|").Append(string.Concat(names.Select(_ => "---:|"))).AppendLine("---:|---:|");
            foreach (var r in loaded)
            {
                var cells = names.Select(n => F($"{r.CpuSeconds.GetValueOrDefault(n) * 1000 / r.Requests:0.000}"));
                var total = names.Sum(n => r.CpuSeconds.GetValueOrDefault(n));
                text.AppendLine(F($"| {r.Name} | {string.Join(" | ", cells)} | {total * 1000 / r.Requests:0.000} | {total / r.Seconds:0.00} |"));
            }
        }

        var rest = results.FirstOrDefault(r => r.Name.StartsWith("REST upcoming?", StringComparison.Ordinal));
        if (rest is not null)
        {
            text.AppendLine();
            foreach (var ldap in results.Where(r => r.Name.StartsWith("LDAP", StringComparison.Ordinal)))
            {
                var alone = rest.SerialMs.Length > 0 && ldap.SerialMs.Length > 0
                    ? F($"; one client alone: LDAP p50 / REST p50 = {Median(ldap.SerialMs) / Median(rest.SerialMs):0.00}")
                    : "";
                var underLoad = ldap.Skipped is null && ldap.Requests > 0 && rest.Requests > 0
                    ? F($"{ldap.Percentile(50) / rest.Percentile(50):0.00}; REST req/s / LDAP req/s = {rest.RequestsPerSecond / ldap.RequestsPerSecond:0.00}")
                    : "n/a (not loaded)";
                text.AppendLine($"- {ldap.Name}: under load, LDAP p50 / REST p50 = {underLoad}{alone}");
            }
        }

        return text.ToString();
    }

    public static string Json(IReadOnlyList<PhaseResult> results, IReadOnlyList<string> notes) => JsonSerializer.Serialize(
        new
        {
            notes,
            phases = results.Select(r => new
            {
                name = r.Name,
                clients = r.Clients,
                skipped = r.Skipped,
                seconds = r.Seconds,
                requests = r.Requests,
                requestsPerSecond = Round(r.RequestsPerSecond),
                errors = r.Errors,
                latencyMs = r.Requests == 0 ? null : new
                {
                    mean = Round(r.MeanMs),
                    p50 = Round(r.Percentile(50)),
                    p90 = Round(r.Percentile(90)),
                    p99 = Round(r.Percentile(99)),
                    p999 = Round(r.Percentile(99.9)),
                    max = Round(r.MaxMs),
                },
                serverTimingMs = r.ServerMs.Length == 0 ? null : new
                {
                    p50 = Round(r.ServerPercentile(50)),
                    p90 = Round(r.ServerPercentile(90)),
                    p99 = Round(r.ServerPercentile(99)),
                    max = Round(r.ServerMs[^1]),
                },
                oneClientAloneMs = r.SerialMs.Length == 0 ? null : new
                {
                    requests = r.SerialMs.Length,
                    p50 = Round(Median(r.SerialMs)),
                    min = Round(r.SerialMs[0]),
                    max = Round(r.SerialMs[^1]),
                },
                cpuSeconds = r.CpuSeconds.ToDictionary(c => c.Key, c => Round(c.Value), StringComparer.Ordinal),
                bytesPerResponse = r.Requests == 0 ? 0 : r.Bytes / r.Requests,
                // Counted for LDAP (the entries S.DS.P parsed); REST bodies are not parsed under load (see notes).
                itemsPerResponse = r.Requests == 0 || r.Items == 0 ? null : Round((double)r.Items / r.Requests),
            }),
        },
        Indented) + "\n";

    private static double Median(double[] sorted) => sorted[sorted.Length / 2];

    /// <summary>Three decimals; NaN and infinities (an empty phase) become null.</summary>
    private static double? Round(double value) => double.IsFinite(value) ? Math.Round(value, 3) : null;

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}

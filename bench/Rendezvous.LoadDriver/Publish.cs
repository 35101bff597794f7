using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Rendezvous.LoadDriver;

/// <summary>
/// The publication benchmark (bench/run-publish.sh): how fast the service's publisher drains the
/// outbox into slapd, and what refreshing the TTLs of every live dynamic object costs.
/// </summary>
internal static class Publish
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Waits until the phase is done and reports wall time, objects handled and CPU per process.
    /// drain: the outbox for the directory is empty. refresh: first makes every published entry
    /// due for refresh, then waits until none is due.
    /// </summary>
    public static async Task<int> RunAsync(Args options, CancellationToken cancellationToken)
    {
        var pg = options.Postgres();
        Loopback.RequirePostgres(pg);
        var phase = options.Required("phase");
        var directory = options.Optional("directory") ?? "local";
        var processes = options.All("pid").Select(NamedPid.Parse).ToDictionary(p => p.Name, p => p.Pid, StringComparer.Ordinal);
        await using var dataSource = NpgsqlDataSource.Create(pg);

        long objects;
        string condition;
        if (phase == "refresh")
        {
            await using var due = dataSource.CreateCommand("UPDATE directory.published SET refresh_at = now() WHERE directory = $1 AND state = 'published' AND refresh_at IS NOT NULL");
            due.Parameters.Add(new() { Value = directory });
            objects = await due.ExecuteNonQueryAsync(cancellationToken);
            condition = "SELECT count(*) FROM directory.published WHERE directory = $1 AND refresh_at <= now()";
        }
        else if (phase == "drain")
        {
            objects = await CountAsync(dataSource, "SELECT count(*) FROM directory.outbox WHERE directory = $1", directory, cancellationToken);
            condition = "SELECT count(*) FROM directory.outbox WHERE directory = $1";
        }
        else
        {
            throw new ArgumentException("--phase must be drain or refresh");
        }

        var before = Cpu.Snapshot(processes);
        var clock = Stopwatch.StartNew();
        long left;
        while ((left = await CountAsync(dataSource, condition, directory, cancellationToken)) > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(20))
            {
                throw new TimeoutException($"{phase}: {left} of {objects} still to do after 20 minutes");
            }

            await Task.Delay(200, cancellationToken);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var after = Cpu.Snapshot(processes);
        var cpu = after.ToDictionary(p => p.Key, p => Math.Round(p.Value - before.GetValueOrDefault(p.Key), 2), StringComparer.Ordinal);
        var published = await CountAsync(dataSource, "SELECT count(*) FROM directory.published WHERE directory = $1 AND state = 'published'", directory, cancellationToken);
        var result = new Dictionary<string, object>
        {
            ["phase"] = phase,
            ["objects"] = objects,
            ["seconds"] = Math.Round(seconds, 2),
            ["objectsPerSecond"] = Math.Round(objects / seconds, 0),
            ["cpuSeconds"] = cpu,
            ["cpuMsPerObject"] = cpu.ToDictionary(p => p.Key, p => objects == 0 ? 0 : Math.Round(p.Value * 1000 / objects, 3), StringComparer.Ordinal),
            ["publishedAfter"] = published,
        };
        var json = JsonSerializer.Serialize(result, Indented);
        Console.WriteLine(json);
        if (options.Optional("out") is { } path)
        {
            await File.WriteAllTextAsync(path, json + "\n", cancellationToken);
        }

        return 0;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, string directory, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = directory });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Directory.Catalog;

namespace Rendezvous.LoadDriver;

/// <summary>Writes the generated conferences into PostgreSQL (through the catalog) and into an LDIF file for slapadd.</summary>
internal static class Seeder
{
    public const string Owner = "bench-seed";

    /// <summary>
    /// Stores every conference through <see cref="ConferenceCatalog.CreateAsync"/>, exactly as the
    /// service does on POST, with <paramref name="workers"/> concurrent writers. Returns the wall time.
    /// </summary>
    /// With <paramref name="outboxDirectory"/>, each write also marks the conference for that directory, as the service does.
    public static async Task<TimeSpan> SeedPostgresAsync(string connectionString, IReadOnlyList<SeedConference> conferences, int workers, string? outboxDirectory, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var outbox = outboxDirectory is null ? null : new Rendezvous.Directory.Publishing.PublicationOutbox([outboxDirectory]);
        var catalog = new ConferenceCatalog(dataSource, TimeProvider.System, Options.Create(new CatalogOptions()), window: null, outbox);
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            conferences,
            new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            async (conference, ct) =>
            {
                await catalog.CreateAsync(conference.Id, new ConferenceDraft(conference.Document, conference.Scope), Owner, ct).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                if (n % 10_000 == 0)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  seeded {n} conferences in {clock.Elapsed.TotalSeconds:0.0} s"));
                }
            }).ConfigureAwait(false);
        clock.Stop();
        return clock.Elapsed;
    }

    /// <summary>
    /// VACUUM (ANALYZE) of the catalog's tables, which autovacuum would do by itself shortly after
    /// a bulk load; doing it now makes the plans the benchmark sees the steady-state ones.
    /// Returns the number of stored occurrences.
    /// </summary>
    public static async Task<long> AnalyzeAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var vacuum = dataSource.CreateCommand("VACUUM (ANALYZE) directory.conferences, directory.occurrences"))
        {
            await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM directory.occurrences");
        return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The same conferences as static rtConference entries under ou=Dynamic,o=Intranet (no
    /// dynamicObject class: slapadd loads them offline, and nothing expires during the run).
    /// startTime and stopTime are the first start and last stop; a permanent conference has no
    /// startTime and stopTime 99991231235959Z, so that "stopTime &gt;= now" finds it, as REST does.
    /// </summary>
    public static void WriteLdif(string path, IReadOnlyList<SeedConference> conferences)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        foreach (var c in conferences)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dn: uid={c.Id},ou=Dynamic,o=Intranet"));
            writer.WriteLine("objectClass: top");
            writer.WriteLine("objectClass: rtConference");
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uid: {c.Id}"));
            writer.WriteLine("cn: " + c.Name);
            writer.WriteLine("protocolID: IP Conference");
            writer.WriteLine("conferenceBlob:: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Document.Text)));
            writer.WriteLine("originator: " + c.Originator);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"advertisingScope: {(int)c.Scope}"));
            if (c.Bounds.Start is { } start)
            {
                writer.WriteLine("startTime: " + GeneralizedTime(start));
            }

            writer.WriteLine("stopTime: " + (c.Bounds.Stop is { } stop ? GeneralizedTime(stop) : "99991231235959Z"));
            writer.WriteLine();
        }
    }

    public static string GeneralizedTime(DateTimeOffset value) => value.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
}

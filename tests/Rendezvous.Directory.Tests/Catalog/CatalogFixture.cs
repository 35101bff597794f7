using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Directory.Tests.Catalog;

/// <summary>A catalog on a database of its own, with a clock the test moves.</summary>
internal sealed class TestCatalog : IAsyncDisposable
{
    private TestCatalog(NpgsqlDataSource dataSource, ManualClock clock, CatalogOptions options)
    {
        DataSource = dataSource;
        Clock = clock;
        Options = options;
        Catalog = new ConferenceCatalog(dataSource, clock, Microsoft.Extensions.Options.Options.Create(options));
    }

    public NpgsqlDataSource DataSource { get; }

    public ManualClock Clock { get; }

    public CatalogOptions Options { get; }

    public ConferenceCatalog Catalog { get; }

    public static async Task<TestCatalog> CreateAsync(PostgresServer postgres, DateTimeOffset now, CatalogOptions? options = null) =>
        new(NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync()), new ManualClock(now), options ?? new CatalogOptions());

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

/// <summary>Descriptions for catalog tests, written as SDP text.</summary>
internal static class Conferences
{
    public static ulong Ntp(DateTimeOffset value) => NtpTime.FromDateTimeOffset(value);

    public static ulong Ntp(string utc) => NtpTime.FromDateTimeOffset(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

    public static ConferenceDraft Draft(string name, string times, SdpAdvertisingScope scope = SdpAdvertisingScope.Site, string? information = null, string group = "239.255.1.1") =>
        new(SdpDocument.Parse(
            $"v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns={name}\r\n" + (information is null ? "" : $"i={information}\r\n") +
            $"c=IN IP4 {group}/15\r\n{times}\r\nm=audio 5004 RTP/AVP 0\r\n", SdpParseOptions.Strict with { Validate = false }), scope);

    public static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");
}

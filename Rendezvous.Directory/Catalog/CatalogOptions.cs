using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Directory.Catalog;

/// <summary>The conference catalog: configuration section <c>Rendezvous:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Rendezvous:Catalog";

    /// <summary>How far ahead occurrences are stored; "upcoming" answers windows up to here.</summary>
    [Range(7, 3650)]
    public int HorizonDays { get; set; } = 400;

    /// <summary>How long past occurrences are kept; "upcoming" answers windows from here.</summary>
    [Range(1, 365)]
    public int RetentionDays { get; set; } = 31;

    /// <summary>Most occurrences stored per conference at once; a denser schedule is stored up to this many and extended later.</summary>
    [Range(10, 100_000)]
    public int MaxOccurrencesPerConference { get; set; } = 5000;

    /// <summary>Longest window one "upcoming" request may ask for.</summary>
    [Range(1, 3650)]
    public int MaxWindowDays { get; set; } = 366;

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;

    /// <summary>Most conferences in one iCalendar feed of "upcoming".</summary>
    [Range(1, 100_000)]
    public int MaxCalendarConferences { get; set; } = 1000;

    /// <summary>How often the horizon is extended and old occurrences dropped.</summary>
    [Range(10, 86400)]
    public int MaintenanceIntervalSeconds { get; set; } = 3600;

    /// <summary>
    /// Whether each instance keeps the next days of occurrences in memory to answer "upcoming"
    /// without PostgreSQL (see <see cref="UpcomingWindow"/>; always consistent with the catalog).
    /// </summary>
    public bool MemoryWindowEnabled { get; set; } = true;

    /// <summary>How long an unchanged in-memory window is used before it is read again.</summary>
    [Range(10, 3600)]
    public int MemoryWindowRefreshSeconds { get; set; } = 300;

    /// <summary>Most occurrences kept in memory; a busier window is answered by PostgreSQL alone.</summary>
    [Range(0, 10_000_000)]
    public int MemoryWindowMaxOccurrences { get; set; } = 500_000;

    public TimeSpan Horizon => TimeSpan.FromDays(HorizonDays);

    public TimeSpan Retention => TimeSpan.FromDays(RetentionDays);
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Rendezvous.Directory.Catalog;

namespace Rendezvous.Api.Conferences;

/// <summary>The query string of GET /api/conferences/upcoming, checked parameter by parameter.</summary>
internal static class UpcomingRequest
{
    private const int MaxTextLength = 200;

    /// <summary>
    /// from (default now), to (default from + 7 days), limit, cursor, q, scope. The window must
    /// lie within what the catalog stores: from at most the retention in the past, to at most
    /// the horizon ahead.
    /// </summary>
    public static bool TryParse(IQueryCollection query, DateTimeOffset now, CatalogOptions options, [NotNullWhen(true)] out UpcomingQuery? result, [NotNullWhen(false)] out IResult? problem)
    {
        result = null;
        if (!TryTime(query, "from", out var from, out problem) || !TryTime(query, "to", out var to, out problem))
        {
            return false;
        }

        var start = from ?? now;
        var end = to ?? start + UpcomingDefaults.Window;
        if (end <= start)
        {
            problem = Problems.BadParameter("to", "must be after from");
            return false;
        }

        if (end - start > TimeSpan.FromDays(options.MaxWindowDays))
        {
            problem = Problems.BadParameter("to", $"is more than {options.MaxWindowDays} days after from");
            return false;
        }

        if (start < now - options.Retention)
        {
            problem = Problems.BadParameter("from", $"is more than {options.RetentionDays} days in the past, before the catalog's history");
            return false;
        }

        if (end > now + options.Horizon)
        {
            problem = Problems.BadParameter("to", $"is more than {options.HorizonDays} days ahead, beyond the catalog's horizon");
            return false;
        }

        var limit = options.DefaultPageSize;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > options.MaxPageSize))
        {
            problem = Problems.BadParameter("limit", $"must be a whole number from 1 to {options.MaxPageSize}");
            return false;
        }

        UpcomingCursor? cursor = null;
        if (query.TryGetValue("cursor", out var cursorText) && !UpcomingCursor.TryDecode(cursorText, out cursor))
        {
            problem = Problems.BadParameter("cursor", "is not a cursor this API gave out (use the \"next\" value of the previous page)");
            return false;
        }

        string? text = query["q"];
        if (text is { Length: > MaxTextLength })
        {
            problem = Problems.BadParameter("q", $"is longer than {MaxTextLength} characters");
            return false;
        }

        if (!ConferencesApi.TryScope(query["scope"], out var scope))
        {
            problem = Problems.BadParameter("scope", "must be local, site, region or world");
            return false;
        }

        result = new UpcomingQuery(start, end, limit, cursor, text, scope);
        return true;
    }

    private static bool TryTime(IQueryCollection query, string name, out DateTimeOffset? value, [NotNullWhen(false)] out IResult? problem)
    {
        value = null;
        problem = null;
        if (!query.TryGetValue(name, out var text) || string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        problem = Problems.BadParameter(name, "must be an ISO 8601 date and time, e.g. 2026-12-01T10:00:00Z");
        return false;
    }
}

using System.Security.Cryptography;
using System.Text;
using Rendezvous.Api.Conferences;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sap;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Sap;

/// <summary>Where "upcoming" looks: the catalog (the default), the sessions heard over SAP, or both.</summary>
internal enum UpcomingSource
{
    Catalog,
    Sap,
    All,
}

/// <summary>
/// The occurrences of heard SAP sessions as "upcoming" items, in the catalog's key order, so that they
/// merge into its pages and share its cursors: each session gets a stable made-up id (from a hash of its
/// SAP id) in place of a conference id, and each occurrence a sequence number from its t=, r= and offset
/// indexes. SAP sessions have no advertising scope: a <c>scope</c> filter leaves them out.
/// </summary>
internal static class SapUpcoming
{
    public static bool TryParseSource(string? text, out UpcomingSource source)
    {
        source = UpcomingSource.Catalog;
        return string.IsNullOrEmpty(text) || (Enum.TryParse(text, ignoreCase: true, out source) && Enum.IsDefined(source) && !char.IsAsciiDigit(text[0]));
    }

    /// <summary>The first <paramref name="take"/> occurrences after the query's cursor, in key order, of the sessions that match its text.</summary>
    public static List<(UpcomingCursor Key, UpcomingItemResponse Item)> Occurrences(IEnumerable<SapSession> sessions, UpcomingQuery query, int take)
    {
        var found = new List<(UpcomingCursor Key, UpcomingItemResponse Item)>();
        if (query.Scope is not null)
        {
            return found;
        }

        foreach (var session in sessions.Where(s => Matches(s.Description, query.Text)))
        {
            var id = KeyId(session.Id);
            var join = JoinMedia.From(session.Description);
            // Each session's occurrences come in key order (start, then t=/r=/offset index), so its first
            // "take" after the cursor are all it can contribute to the page.
            found.AddRange(SdpSchedule.Occurrences(session.Description, query.From, query.To)
                .Select(o => (Key: new UpcomingCursor(o.IsPermanent ? DateTime.MinValue : o.Start.UtcDateTime, id, Seq(o)), Occurrence: o))
                .Where(o => query.After is not { } after || UpcomingCursor.Order.Compare(o.Key, after) > 0)
                .Take(take)
                .Select(o => (o.Key, Item(session, o.Occurrence, join))));
        }

        found.Sort((a, b) => UpcomingCursor.Order.Compare(a.Key, b.Key));
        return found.Count > take ? found[..take] : found;
    }

    /// <summary>A stable stand-in conference id for a SAP session (its key in the catalog's order).</summary>
    public static Guid KeyId(string sessionId) => new(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId)).AsSpan(0, 16), bigEndian: true);

    private static UpcomingItemResponse Item(SapSession session, SdpOccurrence occurrence, ValueList<JoinMedia> join) => new(
        null, session.Description.Name, session.Description.Information, null,
        occurrence.IsPermanent ? null : occurrence.Start, occurrence.Stop, occurrence.IsPermanent, join,
        $"/api/sap/sessions/{session.Id}.sdp")
    {
        Source = "sap",
        SapSessionId = session.Id,
    };

    // Occurrences of one session that start together differ in their indexes; these are small (4096 lines at most).
    private static int Seq(SdpOccurrence o) => (o.TimeIndex << 16) | ((o.RepeatIndex ?? 0) << 8) | (o.OffsetIndex ?? 0);

    private static bool Matches(SessionDescription description, string? text) =>
        string.IsNullOrWhiteSpace(text)
        || description.Name.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)
        || description.Information?.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>The heard SAP sessions that are not ours (our own are the catalog's conferences), as "upcoming" occurrences.</summary>
internal sealed class SapUpcomingSessions(SapSessionCache cache, SapAnnouncementStore store)
{
    public async Task<List<(UpcomingCursor Key, UpcomingItemResponse Item)>> OccurrencesAsync(UpcomingQuery query, int take, CancellationToken cancellationToken)
    {
        var sessions = cache.Sessions();
        if (sessions.Count == 0)
        {
            return [];
        }

        var own = await store.IdentitiesAsync(cancellationToken).ConfigureAwait(false);
        return SapUpcoming.Occurrences(sessions.Where(s => !own.Contains(s.Identity)), query, take);
    }
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>One stored occurrence. Permanent sessions run from -infinity; open ones to infinity.</summary>
internal readonly record struct StoredOccurrence(DateTime Start, DateTime Stop)
{
    /// <summary>
    /// Ordinary occurrences last at most this long; longer ones are looked up apart (see
    /// UpcomingAsync). Conference sessions rarely last longer, and the shorter this is, the
    /// less history the ordinary walk reads. Migration 0002 must use the same value.
    /// </summary>
    public static readonly TimeSpan LongRunning = TimeSpan.FromHours(4);

    /// <summary>Whether it lasts more than <see cref="LongRunning"/>: permanent and open-ended ones do.</summary>
    public bool IsLong => Start == DateTime.MinValue || Stop == DateTime.MaxValue || Stop - Start > LongRunning;

    /// <summary>Npgsql writes DateTime.MinValue and MaxValue as PostgreSQL's -infinity and infinity.</summary>
    public static StoredOccurrence From(SdpOccurrence occurrence) => new(
        occurrence.IsPermanent ? DateTime.MinValue : occurrence.Start.UtcDateTime,
        occurrence.Stop?.UtcDateTime ?? DateTime.MaxValue);
}

/// <summary>
/// Which occurrences of a conference to store: those overlapping [from, horizon). The cap
/// (<see cref="CatalogOptions.MaxOccurrencesPerConference"/>) applies to occurrences still to
/// come, and separately to past ones within the retention, so that a dense schedule's past
/// never crowds out its future. <see cref="ExpandedUntil"/> says how far the list is
/// complete, so that maintenance can append from there.
/// </summary>
internal sealed record OccurrencePlan(IReadOnlyList<StoredOccurrence> Occurrences, DateTime ExpandedUntil)
{
    /// <param name="after">Only occurrences starting at or after this time (for appending); null for all in the window.</param>
    /// <param name="alreadyUpcoming">How many stored occurrences have not ended yet, counted against the cap.</param>
    public static OccurrencePlan For(SessionDescription description, DateTimeOffset now, CatalogOptions options, DateTime? after = null, int alreadyUpcoming = 0)
    {
        var horizon = (now + options.Horizon).UtcDateTime;
        var from = after is { } a ? new DateTimeOffset(a, TimeSpan.Zero) : now - options.Retention;
        var room = options.MaxOccurrencesPerConference - alreadyUpcoming;
        var past = 0;
        var upcoming = 0;
        var occurrences = new List<StoredOccurrence>();
        foreach (var occurrence in SdpSchedule.Occurrences(description, from, horizon))
        {
            if (occurrence.IsPermanent)
            {
                // Always on: one occurrence, and nothing ever to extend.
                return new OccurrencePlan([StoredOccurrence.From(occurrence)], DateTime.MaxValue);
            }

            if (after is not null && occurrence.Start.UtcDateTime < after.Value)
            {
                continue; // started before the stored list ends: already stored
            }

            if (occurrence.Stop is { } stop && stop <= now)
            {
                if (past++ < options.MaxOccurrencesPerConference)
                {
                    occurrences.Add(StoredOccurrence.From(occurrence));
                }

                continue;
            }

            if (upcoming++ >= room)
            {
                // The cap is reached: the list is complete up to this occurrence's start. Others
                // starting at that same instant are left for the append too, so that "complete
                // up to S" means every occurrence starting before S, and none at S.
                var until = occurrence.Start.UtcDateTime;
                occurrences.RemoveAll(o => o.Start == until);
                return new OccurrencePlan(occurrences, until);
            }

            occurrences.Add(StoredOccurrence.From(occurrence));
        }

        return new OccurrencePlan(occurrences, horizon);
    }
}

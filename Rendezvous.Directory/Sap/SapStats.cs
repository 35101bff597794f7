using System.Diagnostics.Metrics;

namespace Rendezvous.Directory.Sap;

/// <summary>Why the listener dropped a datagram it received (besides <see cref="SapDecodeError"/>, which <see cref="SapStats"/> counts by name).</summary>
public enum SapDropReason
{
    /// <summary>A decoding error; see <see cref="SapDecodeError"/>.</summary>
    Malformed,

    /// <summary>E = 1: we hold no keys.</summary>
    Encrypted,

    /// <summary>Longer than the listener keeps (<see cref="SapSessionCache.MaxPayloadBytes"/>).</summary>
    TooLarge,

    /// <summary>An announcement whose payload is not SDP even to the lenient parser.</summary>
    NotSdp,

    /// <summary>A deletion of a session the listener does not have.</summary>
    UnknownDeletion,
}

/// <summary>A snapshot of <see cref="SapStats"/>.</summary>
/// <param name="Dropped">Dropped datagrams by reason: each <see cref="SapDecodeError"/> and each <see cref="SapDropReason"/> other than Malformed, in snake case; only reasons that occurred.</param>
public sealed record SapStatsSnapshot(
    long Received, long Announcements, long Deletions, long DroppedTotal, IReadOnlyDictionary<string, long> Dropped,
    long Evicted, long TimedOut, long SentAnnouncements, long SentDeletions, long SendFailures);

/// <summary>
/// SAP counters of this instance: what the listener received (and why it dropped what it dropped)
/// and what the announcer sent. Exported as <c>rendezvous.sap.received</c> and <c>rendezvous.sap.sent</c>
/// on the <see cref="DirectoryTelemetry.MeterName"/> meter, and readable as a snapshot for the API.
/// A fixed set of counters: a flood of bad packets changes numbers, never the memory held.
/// </summary>
public sealed class SapStats
{
    private static readonly string[] ErrorNames = [.. Enum.GetNames<SapDecodeError>().Select(SnakeCase)];
    private static readonly string[] ReasonNames = [.. Enum.GetNames<SapDropReason>().Select(SnakeCase)];

    private readonly long[] _errors = new long[ErrorNames.Length];
    private readonly long[] _reasons = new long[ReasonNames.Length];
    private long _received, _announcements, _deletions, _evicted, _timedOut, _sentAnnouncements, _sentDeletions, _sendFailures;

    public SapStats(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(DirectoryTelemetry.MeterName);
        meter?.CreateObservableCounter("rendezvous.sap.received", ObserveReceived,
            description: "SAP datagrams the listener received, by outcome (announcement, deletion, dropped) and, when dropped, reason.");
        meter?.CreateObservableCounter("rendezvous.sap.sent", ObserveSent,
            description: "SAP packets the announcer sent, by type (announcement, deletion) and outcome (sent, failed); one per interface.");
    }

    public SapStatsSnapshot Snapshot()
    {
        var dropped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < _errors.Length; i++)
        {
            if (Volatile.Read(ref _errors[i]) is > 0 and var n)
            {
                dropped[ErrorNames[i]] = n;
            }
        }

        for (var i = 0; i < _reasons.Length; i++)
        {
            if (i != (int)SapDropReason.Malformed && Volatile.Read(ref _reasons[i]) is > 0 and var n)
            {
                dropped[ReasonNames[i]] = n;
            }
        }

        return new SapStatsSnapshot(
            Volatile.Read(ref _received), Volatile.Read(ref _announcements), Volatile.Read(ref _deletions),
            dropped.Values.Sum(), dropped, Volatile.Read(ref _evicted), Volatile.Read(ref _timedOut),
            Volatile.Read(ref _sentAnnouncements), Volatile.Read(ref _sentDeletions), Volatile.Read(ref _sendFailures));
    }

    internal void Received() => Interlocked.Increment(ref _received);

    internal void Announcement() => Interlocked.Increment(ref _announcements);

    internal void Deletion() => Interlocked.Increment(ref _deletions);

    internal void Dropped(SapDecodeError error) => Interlocked.Increment(ref _errors[(int)error]);

    internal void Dropped(SapDropReason reason) => Interlocked.Increment(ref _reasons[(int)reason]);

    internal void Evicted() => Interlocked.Increment(ref _evicted);

    internal void TimedOut(int count) => Interlocked.Add(ref _timedOut, count);

    internal void Sent(bool deletion)
    {
        if (deletion)
        {
            Interlocked.Increment(ref _sentDeletions);
        }
        else
        {
            Interlocked.Increment(ref _sentAnnouncements);
        }
    }

    internal void SendFailed() => Interlocked.Increment(ref _sendFailures);

    private IEnumerable<Measurement<long>> ObserveReceived()
    {
        var s = Snapshot();
        yield return Outcome("announcement", s.Announcements);
        yield return Outcome("deletion", s.Deletions);
        foreach (var (reason, count) in s.Dropped)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("outcome", "dropped"), new KeyValuePair<string, object?>("reason", reason));
        }

        static Measurement<long> Outcome(string outcome, long value) => new(value, new KeyValuePair<string, object?>("outcome", outcome));
    }

    private IEnumerable<Measurement<long>> ObserveSent()
    {
        var s = Snapshot();
        yield return Sent("announcement", "sent", s.SentAnnouncements);
        yield return Sent("deletion", "sent", s.SentDeletions);
        yield return new Measurement<long>(s.SendFailures, new KeyValuePair<string, object?>("outcome", "failed"));

        static Measurement<long> Sent(string type, string outcome, long value) =>
            new(value, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", outcome));
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

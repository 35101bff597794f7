using System.Diagnostics.Metrics;

namespace Rendezvous.Madcap.Server;

/// <summary>A snapshot of the server's counters (after RFC 3559's MADCAP MIB).</summary>
public sealed record MadcapStatsSnapshot(
    long Received, long Discovers, long Offers, long Requests, long Renews, long Releases, long Informs,
    long Acks, long Naks, long Invalid, long Dropped, long Denied, long ClockSkews, long BadLeaseIdentifiers, long Retransmissions,
    DurationSnapshot ExchangeDuration)
{
    /// <summary>The lease store's group commit (null until its first lease of given addresses); see <see cref="Leases.GroupCommitSnapshot"/>.</summary>
    public Leases.GroupCommitSnapshot? GroupCommit { get; init; }
}

/// <summary>
/// The server's counters, after RFC 3559's MADCAP MIB: exported as the <c>rendezvous.madcap.messages</c>
/// metric (tagged by <c>counter</c>) and readable as a snapshot for <c>/api/madcap/stats</c>. The time
/// from a datagram's arrival to its answer's send is recorded too: in the
/// <c>rendezvous.madcap.exchange.duration</c> histogram (seconds, tagged by message type) and in a
/// <see cref="DurationHistogram"/> for the snapshot.
/// </summary>
public sealed class MadcapStats
{
    private long _received, _discovers, _offers, _requests, _renews, _releases, _informs, _acks, _naks, _invalid, _dropped, _denied, _clockSkews, _badLeaseIds, _retransmissions;

    private readonly DurationHistogram _exchanges = new();
    private readonly Histogram<double>? _exchangeDuration;

    public MadcapStats(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(MadcapTelemetry.MeterName);
        meter?.CreateObservableCounter("rendezvous.madcap.messages", Observe, description: "MADCAP server counters (RFC 3559 MIB), by counter.");
        _exchangeDuration = meter?.CreateHistogram<double>(
            "rendezvous.madcap.exchange.duration", "s", "From a request's arrival to its answer's send, for the requests answered, by message type.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1] });
    }

    /// <summary>Records one answered request: <paramref name="type"/> is its message type, <paramref name="duration"/> from its arrival to its answer's send.</summary>
    public void Exchange(Protocol.MadcapMessageType type, TimeSpan duration)
    {
        _exchanges.Record(duration);
        _exchangeDuration?.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("type", TypeName(type)));
    }

    private static string TypeName(Protocol.MadcapMessageType type) => type switch
    {
        Protocol.MadcapMessageType.Discover => "discover",
        Protocol.MadcapMessageType.Request => "request",
        Protocol.MadcapMessageType.Renew => "renew",
        Protocol.MadcapMessageType.Release => "release",
        Protocol.MadcapMessageType.GetInfo => "getinfo",
        _ => "other",
    };

    public MadcapStatsSnapshot Snapshot() => new(
        Volatile.Read(ref _received), Volatile.Read(ref _discovers), Volatile.Read(ref _offers), Volatile.Read(ref _requests),
        Volatile.Read(ref _renews), Volatile.Read(ref _releases), Volatile.Read(ref _informs), Volatile.Read(ref _acks),
        Volatile.Read(ref _naks), Volatile.Read(ref _invalid), Volatile.Read(ref _dropped), Volatile.Read(ref _denied),
        Volatile.Read(ref _clockSkews), Volatile.Read(ref _badLeaseIds), Volatile.Read(ref _retransmissions), _exchanges.Snapshot());

    internal void Received() => Interlocked.Increment(ref _received);

    internal void Discover() => Interlocked.Increment(ref _discovers);

    internal void Offer() => Interlocked.Increment(ref _offers);

    internal void Request() => Interlocked.Increment(ref _requests);

    internal void Renew() => Interlocked.Increment(ref _renews);

    internal void Release() => Interlocked.Increment(ref _releases);

    internal void Inform() => Interlocked.Increment(ref _informs);

    internal void Ack() => Interlocked.Increment(ref _acks);

    internal void Nak() => Interlocked.Increment(ref _naks);

    internal void Invalid() => Interlocked.Increment(ref _invalid);

    internal void Dropped() => Interlocked.Increment(ref _dropped);

    internal void Denied() => Interlocked.Increment(ref _denied);

    internal void ClockSkew() => Interlocked.Increment(ref _clockSkews);

    internal void BadLeaseIdentifier() => Interlocked.Increment(ref _badLeaseIds);

    internal void Retransmission() => Interlocked.Increment(ref _retransmissions);

    private IEnumerable<Measurement<long>> Observe()
    {
        var s = Snapshot();
        (string Name, long Value)[] counters =
        [
            ("received", s.Received), ("discovers", s.Discovers), ("offers", s.Offers), ("requests", s.Requests), ("renews", s.Renews),
            ("releases", s.Releases), ("informs", s.Informs), ("acks", s.Acks), ("naks", s.Naks), ("invalid", s.Invalid),
            ("dropped", s.Dropped), ("denied", s.Denied), ("clock_skews", s.ClockSkews), ("bad_lease_ids", s.BadLeaseIdentifiers),
            ("retransmissions", s.Retransmissions),
        ];
        return counters.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("counter", c.Name)));
    }
}

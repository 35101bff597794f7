using System.Diagnostics.Metrics;

namespace Rendezvous.Media.Relay;

/// <summary>The relay's counters (meter <see cref="MediaTelemetry.MeterName"/>).</summary>
public sealed class MediaMetrics
{
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _tickDuration;
    private readonly KeyValuePair<string, object?>[][] _reasons;
    private volatile Func<JitterBufferDepths>? _jitterBuffers;

    public MediaMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MediaTelemetry.MeterName);
        _received = meter.CreateCounter<long>("rendezvous.rtp.received", "{packet}", "RTP packets accepted from remote parties");
        _sent = meter.CreateCounter<long>("rendezvous.rtp.sent", "{packet}", "RTP packets sent to remote parties");
        _dropped = meter.CreateCounter<long>("rendezvous.rtp.dropped", "{packet}", "Inbound RTP and RTCP packets dropped, by reason");
        _reasons = [.. Enum.GetValues<RtpDropReason>().Select(r => new[] { new KeyValuePair<string, object?>("reason", ReasonName(r)) })];
        _tickDuration = meter.CreateHistogram("rendezvous.mixer.tick.duration", "s", "Time one 20 ms mixer tick took to mix every call hub and send the mixes",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05] });
        meter.CreateObservableGauge("rendezvous.mixer.jitter_buffer.depth.max", () => Observe(d => d.MaxFrames), "{frame}",
            "The deepest jitter buffer of all mixed legs now (frames from the playout point to the newest buffered frame)");
        meter.CreateObservableGauge("rendezvous.mixer.jitter_buffer.depth.mean", () => Observe(d => d.MeanFrames), "{frame}",
            "The mean depth of the jitter buffers of all mixed legs now");
    }

    /// <summary>Records how long one mixer tick took (no allocation: no tags).</summary>
    public void TickDuration(TimeSpan elapsed) => _tickDuration.Record(elapsed.TotalSeconds);

    /// <summary>Where the jitter buffer gauges read from (the media switch); the last one set wins.</summary>
    public void ObserveJitterBuffers(Func<JitterBufferDepths>? read) => _jitterBuffers = read;

    private IEnumerable<Measurement<double>> Observe(Func<JitterBufferDepths, double> pick) =>
        _jitterBuffers?.Invoke() is { Buffers: > 0 } depths ? [new Measurement<double>(pick(depths))] : [];

    public void Received() => _received.Add(1);

    public void Sent() => _sent.Add(1);

    public void Dropped(RtpDropReason reason) => _dropped.Add(1, _reasons[(int)reason]);

    private static string ReasonName(RtpDropReason reason) => reason switch
    {
        RtpDropReason.ForeignSource => "foreign_source",
        RtpDropReason.RateLimited => "rate_limited",
        RtpDropReason.Malformed => "malformed",
        _ => "payload_type",
    };
}

/// <summary>The depths of every mixed leg's jitter buffer at one moment, in frames.</summary>
public readonly record struct JitterBufferDepths(int Buffers, double MeanFrames, int MaxFrames);

using System.Diagnostics.Metrics;

namespace Rendezvous.Media.Relay;

/// <summary>The relay's counters (meter <see cref="MediaTelemetry.MeterName"/>).</summary>
public sealed class MediaMetrics
{
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _tickDuration;
    private readonly Histogram<double> _tickLateness;
    private readonly TickCounts _durations = new();
    private readonly TickCounts _lateness = new();
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
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TickBoundsSeconds });
        _tickLateness = meter.CreateHistogram("rendezvous.mixer.tick.lateness", "s", "How long after it was due each 20 ms mixer tick started",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TickBoundsSeconds });
        meter.CreateObservableGauge("rendezvous.mixer.jitter_buffer.depth.max", () => Observe(d => d.MaxFrames), "{frame}",
            "The deepest jitter buffer of all mixed legs now (frames from the playout point to the newest buffered frame)");
        meter.CreateObservableGauge("rendezvous.mixer.jitter_buffer.depth.mean", () => Observe(d => d.MeanFrames), "{frame}",
            "The mean depth of the jitter buffers of all mixed legs now");
    }

    /// <summary>The tick histogram's bucket bounds, in seconds (the exported histogram's, and <see cref="Ticks"/>'s).</summary>
    private static readonly double[] TickBoundsSeconds = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05];

    /// <summary>Records how long one mixer tick took (no allocation: no tags).</summary>
    public void TickDuration(TimeSpan elapsed)
    {
        _tickDuration.Record(elapsed.TotalSeconds);
        _durations.Add(elapsed.TotalSeconds);
    }

    /// <summary>Records how long after it was due one mixer tick started.</summary>
    public void TickLateness(TimeSpan late)
    {
        _tickLateness.Record(late.TotalSeconds);
        _lateness.Add(late.TotalSeconds);
    }

    /// <summary>
    /// Every mixer tick since the start, counted in the exported histogram's buckets, so that a load
    /// driver can read the ticks of any interval (the difference of two readings) without an OTLP
    /// collector; for instance whether more than 1 % of them took over 5 ms.
    /// </summary>
    public MixerTicks Ticks() => _durations.Read();

    /// <summary>Every mixer tick since the start, counted by how late it started, in the same buckets as <see cref="Ticks"/>.</summary>
    public MixerTicks LateTicks() => _lateness.Read();

    /// <summary>The mixed legs' jitter buffer depths now, or none when no leg is mixed.</summary>
    public JitterBufferDepths JitterBuffers() => _jitterBuffers?.Invoke() ?? default;

    /// <summary>Where the jitter buffer gauges read from (the media switch); the last one set wins.</summary>
    public void ObserveJitterBuffers(Func<JitterBufferDepths>? read) => _jitterBuffers = read;

    private IEnumerable<Measurement<double>> Observe(Func<JitterBufferDepths, double> pick) =>
        _jitterBuffers?.Invoke() is { Buffers: > 0 } depths ? [new Measurement<double>(pick(depths))] : [];

    public void Received() => _received.Add(1);

    public void Sent() => _sent.Add(1);

    public void Dropped(RtpDropReason reason) => _dropped.Add(1, _reasons[(int)reason]);

    /// <summary>Counts of durations in <see cref="TickBoundsSeconds"/>'s buckets, the last for longer ones; one interlocked increment each.</summary>
    private sealed class TickCounts
    {
        private readonly long[] _counts = new long[TickBoundsSeconds.Length + 1];

        public void Add(double seconds)
        {
            var bucket = 0;
            while (bucket < TickBoundsSeconds.Length && seconds > TickBoundsSeconds[bucket])
            {
                bucket++;
            }

            Interlocked.Increment(ref _counts[bucket]);
        }

        public MixerTicks Read()
        {
            var buckets = new MixerTickBucket[_counts.Length];
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                var count = Volatile.Read(ref _counts[i]);
                total += count;
                buckets[i] = new MixerTickBucket(i < TickBoundsSeconds.Length ? TickBoundsSeconds[i] * 1000 : null, count);
            }

            return new MixerTicks(total, buckets);
        }
    }

    private static string ReasonName(RtpDropReason reason) => reason switch
    {
        RtpDropReason.ForeignSource => "foreign_source",
        RtpDropReason.RateLimited => "rate_limited",
        RtpDropReason.Malformed => "malformed",
        _ => "payload_type",
    };
}

/// <summary>Mixer ticks that took at most <see cref="UpToMs"/> (null: longer than the last bound) and more than the previous bucket's bound.</summary>
public sealed record MixerTickBucket(double? UpToMs, long Count);

/// <summary>Every mixer tick since the start: how many, and in which buckets.</summary>
public sealed record MixerTicks(long Count, IReadOnlyList<MixerTickBucket> Buckets);

/// <summary>The depths of every mixed leg's jitter buffer at one moment, in frames.</summary>
public readonly record struct JitterBufferDepths(int Buffers, double MeanFrames, int MaxFrames);

using System.Diagnostics.Metrics;

namespace Rendezvous.Media.Relay;

/// <summary>The relay's counters (meter <see cref="MediaTelemetry.MeterName"/>).</summary>
public sealed class MediaMetrics
{
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;
    private readonly KeyValuePair<string, object?>[][] _reasons;

    public MediaMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MediaTelemetry.MeterName);
        _received = meter.CreateCounter<long>("rendezvous.rtp.received", "{packet}", "RTP packets accepted from remote parties");
        _sent = meter.CreateCounter<long>("rendezvous.rtp.sent", "{packet}", "RTP packets sent to remote parties");
        _dropped = meter.CreateCounter<long>("rendezvous.rtp.dropped", "{packet}", "Inbound RTP and RTCP packets dropped, by reason");
        _reasons = [.. Enum.GetValues<RtpDropReason>().Select(r => new[] { new KeyValuePair<string, object?>("reason", ReasonName(r)) })];
    }

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

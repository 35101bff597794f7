using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// Reception statistics for one RTP source, as RFC 3550 appendix A.3 (packets expected and lost, fraction
/// lost per reporting interval) and A.8 (interarrival jitter) compute them, turned into a report block.
/// The clock rate is the source's payload format's (8000 for PCMU/PCMA, 48000 for Opus, ...). Not thread-safe.
/// </summary>
/// <remarks>
/// Times are readings of one monotonic clock the caller owns (for example
/// <see cref="TimeProvider.GetElapsedTime(long)"/> since a fixed start), never wall-clock time. Only packets
/// the sequence check counts (<see cref="RtpSequenceVerdict.InOrder"/>, <see cref="RtpSequenceVerdict.Late"/>,
/// <see cref="RtpSequenceVerdict.Restarted"/>) move the jitter; the first of them, and the first after a
/// restart, only sets the reference transit time.
/// </remarks>
public sealed class RtpReceiveStatistics
{
    private RtpSequenceState _sequence;
    private bool _hasTransit;
    private int _transit;

    // A.8: the jitter estimate scaled by 16, so the 1/16 gain needs no division.
    private long _jitter16;

    private uint _lastSenderReport;
    private TimeSpan _lastSenderReportArrival;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a clock rate of 0 or less, or a negative <paramref name="minSequential"/>.</summary>
    public RtpReceiveStatistics(uint ssrc, int clockRate, int minSequential = RtpSequenceState.DefaultMinSequential)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        Ssrc = ssrc;
        ClockRate = clockRate;
        _sequence = new RtpSequenceState(minSequential);
    }

    /// <summary>The source these statistics are about (SSRC_n of the report block).</summary>
    public uint Ssrc { get; }

    /// <summary>RTP timestamp units per second.</summary>
    public int ClockRate { get; }

    /// <summary>A copy of the sequence state (validity, highest sequence number, counts).</summary>
    public RtpSequenceState Sequence => _sequence;

    /// <summary>A.8: the interarrival jitter in RTP timestamp units, as the report block carries it.</summary>
    public uint Jitter => (uint)(_jitter16 >> 4);

    /// <summary><see cref="Jitter"/> as a duration at <see cref="ClockRate"/>.</summary>
    public TimeSpan JitterTime => TimeSpan.FromTicks(_jitter16 * TimeSpan.TicksPerSecond / 16 / ClockRate);

    /// <summary>Records a packet of this source that arrived at <paramref name="arrival"/> (monotonic clock).</summary>
    public RtpSequenceVerdict OnPacket(ushort sequenceNumber, uint rtpTimestamp, TimeSpan arrival) =>
        OnPacket(sequenceNumber, rtpTimestamp, ToTimestampUnits(arrival));

    /// <summary>
    /// Records a packet of this source; <paramref name="arrival"/> is its arrival time already in RTP timestamp
    /// units (any origin, wrapping modulo 2^32). Returns what the sequence check (A.1) made of it.
    /// </summary>
    public RtpSequenceVerdict OnPacket(ushort sequenceNumber, uint rtpTimestamp, uint arrival)
    {
        var verdict = _sequence.Update(sequenceNumber);
        switch (verdict)
        {
            case RtpSequenceVerdict.Probation or RtpSequenceVerdict.Rejected:
                return verdict;
            case RtpSequenceVerdict.Restarted:
                _hasTransit = false;
                break;
        }

        // A.8: transit = arrival - timestamp; D = transit - previous transit; J += (|D| - J) / 16.
        var transit = (int)(arrival - rtpTimestamp);
        if (_hasTransit)
        {
            var d = Math.Abs((long)transit - _transit);
            _jitter16 += d - ((_jitter16 + 8) >> 4);
        }

        _transit = transit;
        _hasTransit = true;
        return verdict;
    }

    /// <summary>
    /// Records an SR from this source, received at <paramref name="arrival"/> (monotonic clock), for the LSR
    /// and DLSR of the next report block (section 6.4.1).
    /// </summary>
    public void OnSenderReport(NtpTimestamp ntpTimestamp, TimeSpan arrival)
    {
        _lastSenderReport = ntpTimestamp.Middle32;
        _lastSenderReportArrival = arrival;
    }

    /// <summary>
    /// A report block about this source as of <paramref name="now"/> (monotonic clock), closing the loss
    /// interval (A.3): call it once per report sent. False (and the interval left open) while the source is
    /// not valid yet (no packet, or still on probation). LSR and DLSR are 0 until an SR has been recorded.
    /// </summary>
    public bool TryCreateReportBlock(TimeSpan now, out RtcpReportBlock block)
    {
        if (!_sequence.IsValid)
        {
            block = default;
            return false;
        }

        var delay = _lastSenderReport == 0 ? 0 : NtpTimestamp.ToShortFormat(now - _lastSenderReportArrival);
        block = new RtcpReportBlock(
            Ssrc,
            _sequence.TakeFractionLost(),
            _sequence.CumulativeLost,
            (uint)_sequence.ExtendedHighestSequence, // 6.4.1: the low 32 bits
            Jitter,
            _lastSenderReport,
            delay);
        return true;
    }

    /// <summary>A monotonic time in RTP timestamp units at <see cref="ClockRate"/>, modulo 2^32.</summary>
    public uint ToTimestampUnits(TimeSpan time) => (uint)(ulong)(long)((Int128)time.Ticks * ClockRate / TimeSpan.TicksPerSecond);
}

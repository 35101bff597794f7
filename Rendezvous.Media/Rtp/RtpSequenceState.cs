namespace Rendezvous.Media.Rtp;

/// <summary>What <see cref="RtpSequenceState.Update"/> made of one sequence number (RFC 3550 appendix A.1).</summary>
public enum RtpSequenceVerdict
{
    /// <summary>The source is still on probation (fewer than MIN_SEQUENTIAL packets in sequence): not counted.</summary>
    Probation,

    /// <summary>Newer than the highest so far, with a gap below MAX_DROPOUT (3000): counted.</summary>
    InOrder,

    /// <summary>Not newer than the highest: a duplicate or a packet reordered by up to MAX_MISORDER (100); counted, as A.1 does.</summary>
    Late,

    /// <summary>A very large jump; dropped. If the next packet follows it, the sender is taken to have restarted.</summary>
    Rejected,

    /// <summary>The packet after a <see cref="Rejected"/> one followed it: the state restarted from it (init_seq); counted.</summary>
    Restarted,
}

/// <summary>
/// Per-source sequence-number state of RFC 3550 appendix A.1 (extended highest sequence number with wrap
/// cycles, probation, restart detection) and the loss counters of appendix A.3. A mutable struct: keep it
/// in a field and call its methods on that field, never on a copy. Not thread-safe.
/// </summary>
/// <remarks>
/// The first <see cref="Update"/> starts probation: the source becomes valid after <c>minSequential</c>
/// packets in sequence (default 2, as in A.1). A.1 counts duplicates as received, so the cumulative
/// loss can go below 0, which the RTCP report block allows (section 6.4.1).
/// </remarks>
public struct RtpSequenceState
{
    /// <summary>A.1: MAX_DROPOUT, the largest forward gap still taken as in order.</summary>
    public const int MaxDropout = 3000;

    /// <summary>A.1: MAX_MISORDER, how far back a packet may come and still be a late one.</summary>
    public const int MaxMisorder = 100;

    /// <summary>A.1: MIN_SEQUENTIAL.</summary>
    public const int DefaultMinSequential = 2;

    // RFC 3550 section 6.4.1: cumulative lost is a signed 24-bit field and is clamped to it.
    private const int MaxCumulativeLost = 0x7FFFFF;
    private const int MinCumulativeLost = -0x800000;

    private readonly int _minSequential;
    private readonly bool _configured;
    private bool _started;
    private ushort _maxSeq;
    private long _cycles;
    private ushort _baseSeq;
    private int _badSeq;
    private int _probation;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;

    /// <summary>A state that validates a source after <paramref name="minSequential"/> sequential packets (0 or 1: at once).</summary>
    public RtpSequenceState(int minSequential)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minSequential);
        _minSequential = minSequential;
        _configured = true;
    }

    private readonly int MinSequential => _configured ? _minSequential : DefaultMinSequential;

    /// <summary>False until the first packet, and during probation.</summary>
    public readonly bool IsValid => _started && _probation == 0;

    /// <summary>The highest sequence number seen (A.1 max_seq).</summary>
    public readonly ushort HighestSequence => _maxSeq;

    /// <summary>The first sequence number of the valid stream (A.1 base_seq).</summary>
    public readonly ushort BaseSequence => _baseSeq;

    /// <summary>How many times the sequence number wrapped (A.1 cycles / 65536).</summary>
    public readonly long Cycles => _cycles;

    /// <summary>Cycles and highest sequence number together, unwrapped.</summary>
    public readonly long ExtendedHighestSequence => (_cycles << 16) + _maxSeq;

    /// <summary>Packets counted since the source became valid or last restarted (duplicates included, as in A.1).</summary>
    public readonly long Received => _received;

    /// <summary>A.3: extended highest - base + 1; 0 while not valid.</summary>
    public readonly long Expected => IsValid ? ExtendedHighestSequence - _baseSeq + 1 : 0;

    /// <summary>A.3: expected - received, clamped to the 24-bit signed field of the report block.</summary>
    public readonly int CumulativeLost => (int)Math.Clamp(Expected - _received, MinCumulativeLost, MaxCumulativeLost);

    /// <summary>A.1 update_seq (with init_seq on the first packet and on a restart).</summary>
    public RtpSequenceVerdict Update(ushort sequenceNumber)
    {
        if (!_started)
        {
            // A.1: "initialize with init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL".
            _started = true;
            Restart(sequenceNumber);
            if (MinSequential <= 1)
            {
                _received = 1;
                return RtpSequenceVerdict.InOrder;
            }

            _maxSeq = (ushort)(sequenceNumber - 1);
            _probation = MinSequential;
        }

        var delta = (ushort)(sequenceNumber - _maxSeq);
        if (_probation > 0)
        {
            // A.1: the source is not valid until MIN_SEQUENTIAL packets in sequence have arrived.
            if (delta == 1)
            {
                _probation--;
                _maxSeq = sequenceNumber;
                if (_probation == 0)
                {
                    Restart(sequenceNumber);
                    _received++;
                    return RtpSequenceVerdict.InOrder;
                }
            }
            else
            {
                _probation = MinSequential - 1;
                _maxSeq = sequenceNumber;
            }

            return RtpSequenceVerdict.Probation;
        }

        RtpSequenceVerdict verdict;
        if (delta == 0)
        {
            // A.1 takes a repeat of the highest through the in-order branch; nothing moves.
            verdict = RtpSequenceVerdict.Late;
        }
        else if (delta < MaxDropout)
        {
            // A.1: in order, with a permissible gap; a smaller number means it wrapped.
            if (sequenceNumber < _maxSeq)
            {
                _cycles++;
            }

            _maxSeq = sequenceNumber;
            verdict = RtpSequenceVerdict.InOrder;
        }
        else if (delta <= RtpSequence.Modulus - MaxMisorder)
        {
            // A.1: a very large jump. Two in a row: the sender restarted, re-sync on this packet.
            if (sequenceNumber != _badSeq)
            {
                _badSeq = (sequenceNumber + 1) & (RtpSequence.Modulus - 1);
                return RtpSequenceVerdict.Rejected;
            }

            Restart(sequenceNumber);
            verdict = RtpSequenceVerdict.Restarted;
        }
        else
        {
            // A.1: a duplicate or reordered packet.
            verdict = RtpSequenceVerdict.Late;
        }

        _received++;
        return verdict;
    }

    /// <summary>
    /// A.3: closes a reporting interval and returns its fraction lost (loss in the interval * 256 / expected
    /// in the interval; 0 when nothing was expected or more arrived than expected). Call once per report sent.
    /// </summary>
    public byte TakeFractionLost()
    {
        var expected = Expected;
        var expectedInterval = expected - _expectedPrior;
        _expectedPrior = expected;
        var receivedInterval = _received - _receivedPrior;
        _receivedPrior = _received;
        var lostInterval = expectedInterval - receivedInterval;
        // An in-order packet raises both counts, so the loss stays below what was expected; Min is a guard.
        return expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
    }

    /// <summary>A.1 init_seq.</summary>
    private void Restart(ushort sequenceNumber)
    {
        _baseSeq = sequenceNumber;
        _maxSeq = sequenceNumber;
        _badSeq = RtpSequence.Modulus + 1;
        _cycles = 0;
        _received = 0;
        _receivedPrior = 0;
        _expectedPrior = 0;
    }
}

namespace Rendezvous.Media.Mixing;

/// <summary>
/// The playout buffer of one inbound leg: RTP frames in (any order, any arrival time), one frame out per
/// playout tick. Frames are placed by RTP timestamp in a ring of preallocated slots, so nothing is allocated
/// after construction, and the ring is exactly as long as <see cref="JitterBufferOptions.MaxDelay"/>: the
/// buffer cannot grow past its ceiling.
/// </summary>
/// <remarks>
/// <para>The target delay follows the RFC 3550 appendix A.8 interarrival jitter estimate times
/// <see cref="JitterBufferOptions.JitterMultiplier"/>, clamped to the configured floor and ceiling, with
/// hysteresis: it rises as soon as the estimate asks for more than half a frame above it, and falls one frame
/// at a time, only after the estimate has asked for less for <see cref="JitterBufferOptions.TargetHold"/>.</para>
/// <para>The level (frames from the playout point to the newest frame) is smoothed over about
/// <see cref="JitterBufferOptions.DriftWindow"/> (<see cref="AverageLevel"/>). When the smoothed level falls
/// more than half a frame below the target, one frame is repeated; when it reaches a frame and a half above the
/// target, one is dropped. The band is two frames wide, so a correction (exactly one frame) lands well inside it
/// and the buffer does not swing back and forth; its edges are on half frames, so a steady level (a whole number)
/// never sits on one, where a single late packet would trip a correction. Corrections are at least a drift window
/// apart: a sender clock off by 200 ppm needs one every 100 s, and any drift up to one frame per window is
/// followed. That one mechanism corrects a sender clock that runs fast or slow and moves the level to a new
/// target (<see cref="DriftDrops"/>, <see cref="DriftInsertions"/>). Next to the ceiling the ring itself drops
/// the oldest frames (<see cref="OverflowDrops"/>), so the band's lower edge stays a frame and a half under it.</para>
/// <para>Frames are expected every <see cref="JitterBufferOptions.FrameDuration"/> of timestamp from the
/// first packet on; a packet off that grid (another ptime) goes in the slot its timestamp falls in.</para>
/// <para>Not thread-safe: the owner of the leg serialises <see cref="Push"/> (receive thread) and
/// <see cref="Pop(out ReadOnlySpan{byte})"/> (mixer tick) with one lock of its own, as <see cref="InboundAudio"/> does.</para>
/// </remarks>
public sealed class JitterBuffer
{
    /// <summary>How far above the target (frames) the jitter estimate must ask before the target rises.</summary>
    private const double RaiseMargin = 0.5;

    /// <summary>How far above the target (frames) the smoothed level may go before a frame is dropped.</summary>
    private const double BandAbove = 1.5;

    /// <summary>How far below the target (frames) the smoothed level may go before a frame is repeated.</summary>
    private const double BandBelow = 0.5;

    private readonly Slot[] _slots;
    private readonly byte[] _payloads;
    private readonly int _maxPayload;
    private readonly int _samplesPerFrame;
    private readonly int _clockRate;
    private readonly int _minFrames;
    private readonly int _resyncUnits;
    private readonly int _driftWindowTicks;
    private readonly double _jitterMultiplier;
    private readonly TimeSpan _targetHold;
    private readonly TimeSpan _frameDuration;

    private bool _synced;
    private bool _playing;
    private uint _ssrc;
    private uint _playoutTimestamp;
    private long _playoutFrame;
    private uint _newestTimestamp;
    private bool _hasTransit;
    private int _lastTransit;
    private double _jitter;
    private TimeSpan _targetHeldSince;
    private int _waitTicks;
    private int _consecutiveMissing;
    private double _averageLevel;
    private int _ticksSinceCorrection;
    // The slot Pop(out) just played (-1: it played none), and the one the caller kept to repeat (KeepPlayed).
    private int _playedSlot = -1;
    private int _playedLength;
    private int _keptSlot = -1;
    private int _keptLength;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="options"/> cannot describe a buffer.</summary>
    public JitterBuffer(JitterBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _samplesPerFrame = options.SamplesPerFrame;
        _clockRate = options.ClockRate;
        _frameDuration = options.FrameDuration;
        Capacity = (int)(options.MaxDelay.Ticks / options.FrameDuration.Ticks);
        _minFrames = Math.Clamp((int)Math.Ceiling((double)options.MinDelay.Ticks / options.FrameDuration.Ticks), 1, Capacity);
        _resyncUnits = (int)Math.Min(int.MaxValue / 2, options.ResyncThreshold.Ticks * _clockRate / TimeSpan.TicksPerSecond);
        _driftWindowTicks = (int)(options.DriftWindow.Ticks / options.FrameDuration.Ticks);
        _jitterMultiplier = options.JitterMultiplier;
        _targetHold = options.TargetHold;
        _maxPayload = options.MaxPayloadLength;
        _slots = new Slot[Capacity];
        _payloads = new byte[Capacity * _maxPayload];
        TargetFrames = _minFrames;
    }

    /// <summary>The ceiling in frames: the most the buffer ever holds.</summary>
    public int Capacity { get; }

    /// <summary>Packets offered with an acceptable length (including the late and duplicate ones).</summary>
    public long Received { get; private set; }

    /// <summary>Packets that arrived after their playout time.</summary>
    public long Late { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>Empty or oversized payloads.</summary>
    public long Rejected { get; private set; }

    /// <summary>Buffered frames dropped to keep the buffer within its ceiling (a burst, or a jump ahead).</summary>
    public long OverflowDrops { get; private set; }

    /// <summary>Ticks answered <see cref="JitterPopResult.Missing"/> because the frame was lost.</summary>
    public long Concealed { get; private set; }

    /// <summary>Restarts after an SSRC change or a timestamp jump (the first packet is not counted).</summary>
    public long Resyncs { get; private set; }

    /// <summary>
    /// Drift corrections that dropped a frame: the smoothed level reached a frame and a half above the target
    /// (the sender's clock runs fast, the target fell, or a burst left a backlog). At most one per drift window.
    /// </summary>
    public long DriftDrops { get; private set; }

    /// <summary>
    /// Drift corrections that repeated a frame (<see cref="Pop(out ReadOnlySpan{byte})"/> answered <see cref="JitterPopResult.Missing"/> and
    /// held the playout point): the smoothed level fell more than half a frame below the target (the sender's
    /// clock runs slow, or the target rose). At most one per drift window.
    /// </summary>
    public long DriftInsertions { get; private set; }

    /// <summary>RFC 3550 A.8 interarrival jitter, in RTP timestamp units.</summary>
    public double Jitter => _jitter;

    /// <summary>The adaptive target level, in frames (floor ≤ target ≤ <see cref="Capacity"/>), with the hysteresis described on the class.</summary>
    public int TargetFrames { get; private set; }

    public TimeSpan TargetDelay => _frameDuration * TargetFrames;

    /// <summary>Frames from the playout point to the newest buffered frame, at most <see cref="Capacity"/>.</summary>
    public int Level
    {
        get
        {
            var ahead = (int)(_newestTimestamp - _playoutTimestamp);
            return !_synced || ahead < 0 ? 0 : (ahead / _samplesPerFrame) + 1;
        }
    }

    /// <summary>
    /// The level the drift corrections steer: <see cref="Level"/> averaged exponentially over about a drift
    /// window of playout ticks (ticks with nothing buffered are left out), shifted by one at each correction,
    /// and started from the level when playout (re)starts. After warm-up it stays from half a frame below
    /// <see cref="TargetFrames"/> to a frame and a half above it.
    /// </summary>
    public double AverageLevel => _averageLevel;

    /// <summary><see cref="AverageLevel"/> in time: the smoothed depth of the buffer.</summary>
    public TimeSpan AverageDelay => _frameDuration * _averageLevel;

    /// <summary>The delay a frame arriving now would wait: the level in time.</summary>
    public TimeSpan CurrentDelay => _frameDuration * Level;

    /// <summary>The SSRC being played, once a packet has arrived.</summary>
    public uint? Ssrc => _synced ? _ssrc : null;

    /// <summary>
    /// Buffers a copy of <paramref name="payload"/>. <paramref name="arrival"/> is a monotonic time (for
    /// instance <see cref="TimeProvider.GetElapsedTime(long)"/> since the leg started). Never throws on packet
    /// content: a bad payload is <see cref="JitterPushResult.Rejected"/> and counted.
    /// </summary>
    public JitterPushResult Push(uint ssrc, ushort sequenceNumber, uint timestamp, ReadOnlySpan<byte> payload, TimeSpan arrival)
    {
        if (payload.IsEmpty || payload.Length > _maxPayload)
        {
            Rejected++;
            return JitterPushResult.Rejected;
        }

        Received++;
        var result = JitterPushResult.Accepted;
        var ahead = (int)(timestamp - _playoutTimestamp);
        if (!_synced || ssrc != _ssrc || ahead > _resyncUnits || ahead < -_resyncUnits)
        {
            Resyncs += _synced ? 1 : 0;
            Resync(ssrc, timestamp);
            result = JitterPushResult.Resynchronized;
        }
        else if (!_playing && ahead >= 0 && Level == 0)
        {
            // Nothing buffered and not playing (a stream that paused): start again from this frame.
            _playoutTimestamp = timestamp;
            _newestTimestamp = timestamp;
        }
        else if (ahead < 0)
        {
            // Before the playout point: still playable only while buffering (reordered start of a stream).
            var back = (-ahead + _samplesPerFrame - 1) / _samplesPerFrame;
            if (_playing || Level + back > Capacity)
            {
                Late++;
                return JitterPushResult.Late;
            }

            _playoutFrame -= back;
            _playoutTimestamp -= (uint)(back * _samplesPerFrame);
        }

        var offset = (int)(timestamp - _playoutTimestamp) / _samplesPerFrame;
        if (offset >= Capacity)
        {
            // The ceiling: make room by dropping the oldest frames (RFC 3550 gives no bound; we do).
            Advance(offset - Capacity + 1, countDrops: true);
            offset = Capacity - 1;
        }

        ref var slot = ref _slots[SlotIndex(offset)];
        if (slot.Filled && slot.Timestamp == timestamp)
        {
            Duplicates++;
            return JitterPushResult.Duplicate;
        }

        if (SlotIndex(offset) == _keptSlot)
        {
            _keptSlot = -1; // its payload is overwritten now
        }

        if (SlotIndex(offset) == _playedSlot)
        {
            _playedSlot = -1;
        }

        payload.CopyTo(_payloads.AsSpan(SlotIndex(offset) * _maxPayload, _maxPayload));
        slot = new Slot(true, timestamp, sequenceNumber, payload.Length);
        if ((int)(timestamp - _newestTimestamp) > 0)
        {
            _newestTimestamp = timestamp;
        }

        UpdateJitter(timestamp, arrival);
        return result;
    }

    /// <summary>
    /// The frame due at this tick. On <see cref="JitterPopResult.Frame"/> the payload is copied to
    /// <paramref name="destination"/> and its length returned in <paramref name="length"/>; a destination
    /// shorter than the payload gets the payload's first octets (size it with
    /// <see cref="JitterBufferOptions.MaxPayloadLength"/>). Call exactly once per tick.
    /// </summary>
    public JitterPopResult Pop(Span<byte> destination, out int length)
    {
        var result = Pop(out var payload);
        length = Math.Min(payload.Length, destination.Length);
        payload[..length].CopyTo(destination);
        return result;
    }

    /// <summary>
    /// The frame due at this tick, without a copy: on <see cref="JitterPopResult.Frame"/>,
    /// <paramref name="payload"/> is the buffered payload where it lies, valid until the next
    /// <see cref="Push"/> or <see cref="Reset"/>; otherwise empty. Call exactly once per tick.
    /// </summary>
    public JitterPopResult Pop(out ReadOnlySpan<byte> payload)
    {
        payload = default;
        _playedSlot = -1;
        if (!_synced)
        {
            return JitterPopResult.Silence;
        }

        var level = Level;
        if (!_playing)
        {
            // Prefill to the target, or give up waiting after as many ticks (a slow start still plays).
            if (level == 0 || (level < TargetFrames && ++_waitTicks < TargetFrames))
            {
                return JitterPopResult.Silence;
            }

            _playing = true;
            _averageLevel = level;
            _ticksSinceCorrection = 0;
        }

        if (level > 0)
        {
            // An empty buffer (a gap, a stopped sender) says nothing about the depth: left out.
            _averageLevel += (level - _averageLevel) / _driftWindowTicks;
        }

        if (++_ticksSinceCorrection >= _driftWindowTicks)
        {
            if (_averageLevel >= TargetFrames + BandAbove && level > 1)
            {
                DriftDrops++;
                _averageLevel--;
                _ticksSinceCorrection = 0;
                Advance(1, countDrops: false);
            }
            else if (_averageLevel < Math.Min(TargetFrames, Capacity - 1) - BandBelow && level > 0)
            {
                // Hold the playout point for a tick: the caller repeats (conceals) the last frame. (The edge stays a
                // frame and a half under the ceiling, where the ring drops the oldest frames itself.)
                DriftInsertions++;
                _averageLevel++;
                _ticksSinceCorrection = 0;
                return JitterPopResult.Missing;
            }
        }

        ref var slot = ref _slots[SlotIndex(0)];
        if (slot.Filled && slot.Timestamp == _playoutTimestamp)
        {
            (_playedSlot, _playedLength) = (SlotIndex(0), slot.Length);
            payload = _payloads.AsSpan(_playedSlot * _maxPayload, slot.Length);
            Advance(1, countDrops: false);
            _consecutiveMissing = 0;
            return JitterPopResult.Frame;
        }

        Advance(1, countDrops: false);
        Concealed++;
        if (++_consecutiveMissing >= Capacity && Level == 0)
        {
            // The sender stopped (or went silent): stop concealing and prefill again when it resumes.
            _playing = false;
            _waitTicks = 0;
        }

        return JitterPopResult.Missing;
    }

    /// <summary>
    /// Keeps the frame <see cref="Pop(out ReadOnlySpan{byte})"/> just played as the one <see cref="TryGetKept"/>
    /// gives (a loss concealer's last good frame: its caller keeps only frames that decoded whole). Nothing
    /// is copied; the payload stays where it lies. No effect when that pop played no frame.
    /// </summary>
    public void KeepPlayed()
    {
        if (_playedSlot >= 0)
        {
            (_keptSlot, _keptLength) = (_playedSlot, _playedLength);
        }
    }

    /// <summary>
    /// The payload last kept with <see cref="KeepPlayed"/>, while the buffer still holds it: until a later packet
    /// takes its slot (one a whole <see cref="Capacity"/> ahead of it), or <see cref="Reset"/>.
    /// </summary>
    public bool TryGetKept(out ReadOnlySpan<byte> payload)
    {
        payload = _keptSlot < 0 ? default : _payloads.AsSpan(_keptSlot * _maxPayload, _keptLength);
        return _keptSlot >= 0;
    }

    /// <summary>Forgets every frame and the jitter estimate; the next packet starts a new stream.</summary>
    public void Reset()
    {
        (_playedSlot, _keptSlot) = (-1, -1);
        Array.Clear(_slots);
        _synced = false;
        _playing = false;
        _hasTransit = false;
        _jitter = 0;
        _averageLevel = 0;
        TargetFrames = _minFrames;
    }

    private void Resync(uint ssrc, uint timestamp)
    {
        Array.Clear(_slots);
        _synced = true;
        _playing = false;
        _ssrc = ssrc;
        _playoutTimestamp = timestamp;
        _newestTimestamp = timestamp;
        _playoutFrame = 0;
        _hasTransit = false;
        _waitTicks = 0;
        _consecutiveMissing = 0;
    }

    /// <summary>Moves the playout point on by <paramref name="frames"/>, clearing the slots it passes.</summary>
    private void Advance(int frames, bool countDrops)
    {
        for (var i = 0; i < Math.Min(frames, Capacity); i++)
        {
            ref var slot = ref _slots[SlotIndex(i)];
            if (countDrops && slot.Filled)
            {
                OverflowDrops++;
            }

            slot = default;
        }

        _playoutFrame += frames;
        _playoutTimestamp += (uint)(frames * _samplesPerFrame);
        if ((int)(_newestTimestamp - _playoutTimestamp) < -_samplesPerFrame)
        {
            _newestTimestamp = _playoutTimestamp - (uint)_samplesPerFrame;
        }
    }

    private int SlotIndex(int offset)
    {
        var index = (_playoutFrame + offset) % Capacity;
        return (int)(index < 0 ? index + Capacity : index);
    }

    /// <summary>RFC 3550 appendix A.8: J += (|D(i-1,i)| - J) / 16, with arrival in timestamp units.</summary>
    private void UpdateJitter(uint timestamp, TimeSpan arrival)
    {
        var ticks = arrival.Ticks;
        var arrivalUnits = ((ticks / TimeSpan.TicksPerSecond) * _clockRate) + ((ticks % TimeSpan.TicksPerSecond) * _clockRate / TimeSpan.TicksPerSecond);
        var transit = unchecked((int)((uint)arrivalUnits - timestamp));
        if (_hasTransit)
        {
            var d = Math.Abs((long)unchecked(transit - _lastTransit));
            _jitter += (d - _jitter) / 16;
            UpdateTarget(_jitterMultiplier * _jitter / _samplesPerFrame, arrival);
        }
        else
        {
            _targetHeldSince = arrival;
        }

        _hasTransit = true;
        _lastTransit = transit;
    }

    /// <summary>
    /// The target with hysteresis: up at once when <paramref name="wanted"/> (frames) is more than half a frame
    /// above it; down one frame when nothing has asked for the current target for <see cref="JitterBufferOptions.TargetHold"/>.
    /// </summary>
    private void UpdateTarget(double wanted, TimeSpan arrival)
    {
        if (wanted > TargetFrames + RaiseMargin)
        {
            TargetFrames = Math.Min((int)Math.Ceiling(wanted - RaiseMargin), Capacity);
            _targetHeldSince = arrival;
        }
        else if (wanted > TargetFrames - 1 || TargetFrames == _minFrames)
        {
            _targetHeldSince = arrival;
        }
        else if (arrival - _targetHeldSince >= _targetHold)
        {
            TargetFrames--;
            _targetHeldSince = arrival;
        }
    }

    private readonly record struct Slot(bool Filled, uint Timestamp, ushort SequenceNumber, int Length);
}

namespace Rendezvous.Media.Mixing;

/// <summary>
/// How one inbound leg's <see cref="JitterBuffer"/> is sized and how it adapts. Nothing assumes 8 kHz:
/// the frame length in RTP timestamp units is <see cref="FrameDuration"/> at <see cref="ClockRate"/>.
/// </summary>
public sealed record JitterBufferOptions
{
    /// <summary>RTP timestamp units per second of the leg's payload format.</summary>
    public int ClockRate { get; init; } = 8000;

    /// <summary>The playout tick, and the duration of every frame the sender sends (its ptime).</summary>
    public TimeSpan FrameDuration { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The floor of the adaptive target delay (at least one frame).</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>The ceiling: the buffer never holds more than this much audio; older frames are dropped first.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The target delay is this many times the RFC 3550 A.8 interarrival jitter, then clamped.</summary>
    public double JitterMultiplier { get; init; } = 3;

    /// <summary>The largest payload a slot holds, in octets; longer payloads are rejected.</summary>
    public int MaxPayloadLength { get; init; } = 320;

    /// <summary>A timestamp this far from the playout point (either way) resynchronises the buffer.</summary>
    public TimeSpan ResyncThreshold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The time constant of the smoothed buffer level that drift corrections follow, and the least time between
    /// two corrections: when the smoothed level falls more than half a frame below the target, one frame is
    /// repeated; when it reaches a frame and a half above, one is dropped. One frame per window at most, so drift
    /// up to a frame per window (1 % with 20 ms frames) is followed; 200 ppm needs one correction every 100 s.
    /// </summary>
    public TimeSpan DriftWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the jitter estimate must ask for at least a frame less than the target before the target falls
    /// by one frame. It rises at once (when the estimate asks for more than half a frame above it).
    /// </summary>
    public TimeSpan TargetHold { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>RTP timestamp units in one frame: 160 for 20 ms at 8000 Hz.</summary>
    public int SamplesPerFrame => (int)(FrameDuration.Ticks * ClockRate / TimeSpan.TicksPerSecond);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value that cannot describe a buffer.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ClockRate);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FrameDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SamplesPerFrame);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, FrameDuration);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinDelay, MaxDelay);
        ArgumentOutOfRangeException.ThrowIfNegative(JitterMultiplier);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPayloadLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(ResyncThreshold, MaxDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(DriftWindow, FrameDuration);
        ArgumentOutOfRangeException.ThrowIfLessThan(TargetHold, TimeSpan.Zero);
    }
}

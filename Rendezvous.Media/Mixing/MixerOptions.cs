namespace Rendezvous.Media.Mixing;

/// <summary>How an <see cref="AudioMixer"/> (one call hub) is sized and when it calls someone a talker.</summary>
public sealed record MixerOptions
{
    /// <summary>Linear samples per second; every participant's codec must have this clock rate.</summary>
    public int ClockRate { get; init; } = 8000;

    /// <summary>The tick: each participant gives and receives one frame of this duration per tick.</summary>
    public TimeSpan FrameDuration { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Every per-participant array is this long, allocated once at construction.</summary>
    public int MaxParticipants { get; init; } = 32;

    /// <summary>Frames whose mean absolute sample is below this are silent: left out of the sum.</summary>
    public int SilenceThreshold { get; init; } = 16;

    /// <summary>Mean absolute sample (after gain) above which a frame counts as speech for talker detection.</summary>
    public int TalkingThreshold { get; init; } = 600;

    /// <summary>How long speech must last before a "talking" event.</summary>
    public TimeSpan TalkingStartAfter { get; init; } = TimeSpan.FromMilliseconds(80);

    /// <summary>How long quiet must last before a "stopped talking" event.</summary>
    public TimeSpan TalkingStopAfter { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Samples per frame: 160 for 20 ms at 8000 Hz.</summary>
    public int SamplesPerFrame => (int)(FrameDuration.Ticks * ClockRate / TimeSpan.TicksPerSecond);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value that cannot describe a mixer.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ClockRate);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FrameDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SamplesPerFrame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxParticipants);
        ArgumentOutOfRangeException.ThrowIfNegative(SilenceThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(TalkingThreshold);
        ArgumentOutOfRangeException.ThrowIfLessThan(TalkingStartAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(TalkingStopAfter, TimeSpan.Zero);
    }

    /// <summary>Whole ticks in <paramref name="duration"/>, at least one.</summary>
    internal int Ticks(TimeSpan duration) => Math.Max(1, (int)Math.Ceiling((double)duration.Ticks / FrameDuration.Ticks));
}

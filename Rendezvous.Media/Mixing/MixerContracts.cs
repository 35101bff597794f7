namespace Rendezvous.Media.Mixing;

/// <summary>Where a participant's audio comes from, read once per tick by <see cref="AudioMixer.Mix"/>.</summary>
public interface IMixerSource
{
    /// <summary>
    /// Writes this tick's 16-bit linear frame into <paramref name="frame"/> and returns the samples written:
    /// 0 for none (the participant is silent this tick), <c>frame.Length</c> for a frame. Any other count is a
    /// frame of the wrong length: the mixer rejects it, counts it and treats the participant as silent.
    /// Called on the mixer's tick thread, outside the mixer's lock; it must not block for long or allocate.
    /// </summary>
    int ReadFrame(Span<short> frame);
}

/// <summary>Where one participant's mix goes (its leg): given with the participant, so a delivery looks nothing up.</summary>
public interface IMixerOutput
{
    /// <summary>
    /// What the participant hears this tick, encoded in its codec: <paramref name="samples"/> samples in
    /// <paramref name="payload"/>. Called on the tick thread, outside the mixer's lock. The span is reused by
    /// the next delivery: copy it (or send it) before returning. Listeners who hear the same full mix in the
    /// same codec get the same bytes. It must not mix (call <see cref="AudioMixer.Mix"/>) on this thread: the
    /// tick's buffers are the thread's (<see cref="MixScratch"/>).
    /// </summary>
    void Deliver(ReadOnlySpan<byte> payload, int samples);
}

/// <summary>What a mixer reports about its participants; called on the tick thread, outside the mixer's lock.</summary>
public interface IMixerSink
{
    /// <summary>Talker detection: <paramref name="participant"/> started or stopped talking (with hysteresis).</summary>
    void TalkingChanged(Guid participant, bool talking);
}

/// <summary>One step of a periodic mixer: what <see cref="MixerClock"/> calls once per tick.</summary>
public interface IMixStep
{
    /// <summary>Mixes one tick. Must not throw on media content; a throw is counted by the clock.</summary>
    void Mix();
}

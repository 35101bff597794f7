using Rendezvous.Media.Codecs;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Mixing;

/// <summary>
/// One inbound G.711 leg as a mixer input: RTP packets go into a <see cref="JitterBuffer"/> from the receive
/// thread; each mixer tick pops one frame, decodes it to linear where it lies in the buffer, and conceals a
/// missing one with a <see cref="LossConcealer"/> by decoding the last good payload again (the buffer keeps it
/// where it lies). Thread-safe: this object's own lock serialises <see cref="Push(in RtpPacket, TimeSpan)"/>
/// and <see cref="ReadFrame"/>, held for one packet or one frame at a time.
/// </summary>
public sealed class InboundAudio : IMixerSource
{
    private readonly Lock _lock = new();
    private readonly MixerCodec _codec;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for a codec other than PCMU/PCMA at <paramref name="options"/>'
    /// clock rate, <see cref="ArgumentOutOfRangeException"/> for options that cannot describe a buffer.
    /// </summary>
    public InboundAudio(AudioCodec codec, JitterBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _codec = MixerCodecs.Resolve(codec, options.ClockRate);
        Codec = codec;
        Buffer = new JitterBuffer(options);
        Concealer = new LossConcealer();
    }

    public AudioCodec Codec { get; }

    /// <summary>The leg's buffer, for its counters: read them under no lock (they may be a tick stale).</summary>
    public JitterBuffer Buffer { get; }

    public LossConcealer Concealer { get; }

    /// <summary>Packets of another payload type (telephone-event, comfort noise): ignored here and counted.</summary>
    public long OtherPayloadTypes { get; private set; }

    /// <summary>Buffers a decoded RTP packet of this leg's payload type; any other payload type is counted and ignored.</summary>
    public JitterPushResult? Push(in RtpPacket packet, TimeSpan arrival)
    {
        lock (_lock)
        {
            if (packet.PayloadType != Codec.PayloadType)
            {
                OtherPayloadTypes++;
                return null;
            }

            return Buffer.Push(packet.Ssrc, packet.SequenceNumber, packet.Timestamp, packet.Payload, arrival);
        }
    }

    /// <summary>This tick's frame: decoded, concealed, or 0 (silence) when the leg is not playing.</summary>
    public int ReadFrame(Span<short> frame)
    {
        lock (_lock)
        {
            switch (Buffer.Pop(out var payload))
            {
                case JitterPopResult.Frame:
                    // Decoded where it lies in the buffer (this lock keeps the next push out).
                    if (MixerCodecs.Decode(_codec, payload, frame) != frame.Length)
                    {
                        // A packet of another ptime: not this frame; conceal rather than play a partial frame.
                        return Conceal(frame);
                    }

                    Buffer.KeepPlayed(); // the frame a missing one repeats
                    Concealer.Played();
                    return frame.Length;
                case JitterPopResult.Missing:
                    return Conceal(frame);
                default:
                    return 0;
            }
        }
    }

    /// <summary>
    /// Under the lock, for a missing frame: the last good frame decoded again from the buffer and attenuated,
    /// or silence (0) when the concealer says so or the buffer no longer holds that payload.
    /// </summary>
    private int Conceal(Span<short> frame)
    {
        var halvings = Concealer.NextRepeat();
        if (halvings == 0 || !Buffer.TryGetKept(out var last) || MixerCodecs.Decode(_codec, last, frame) != frame.Length)
        {
            frame.Clear();
            return 0;
        }

        LossConcealer.Attenuate(frame, halvings);
        return frame.Length;
    }
}

using Rendezvous.Media.Mixing;

namespace Rendezvous.Benchmarks;

/// <summary>What both mixer benchmarks feed and drain: the talkers' tone frame, and a sink that keeps nothing.</summary>
internal static class MixerFixtures
{
    /// <summary>One 20 ms frame at 8 kHz of a sine at <paramref name="hertz"/>, about -11 dBFS; all zeros for 0 Hz.</summary>
    public static short[] Tone(double hertz)
    {
        var frame = new short[160];
        for (var i = 0; i < frame.Length && hertz > 0; i++)
        {
            frame[i] = (short)(9000 * Math.Sin(2 * Math.PI * hertz * i / 8000));
        }

        return frame;
    }

    /// <summary>Every participant's output, and the mixer's sink: counts the octets delivered, so the deliveries are not optimised away, and drops them.</summary>
    public sealed class DiscardingSink : IMixerSink, IMixerOutput
    {
        public long Octets { get; private set; }

        public void Deliver(ReadOnlySpan<byte> payload, int samples) => Octets += payload.Length;

        public void TalkingChanged(Guid participant, bool talking)
        {
        }
    }
}

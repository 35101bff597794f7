namespace Rendezvous.Media.Mixing;

/// <summary>
/// The buffers one mixer tick works in (every participant's frame, the sum, the mix-minus, the encodes),
/// one set per mixing thread. Every hub a clock mixes reuses the same memory, which stays in the core's
/// cache from one hub to the next; a thousand hubs each with buffers of its own touch a thousand sets per
/// tick, each of them cold.
/// </summary>
/// <remarks>Grown, never shrunk, to the most participants and the longest frame this thread has mixed; a
/// mixer uses the start of each buffer. Allocates only when a tick needs more than any before it.</remarks>
internal sealed class MixScratch
{
    [ThreadStatic]
    private static MixScratch? t_current;

    private MixScratch(int participants, int frame)
    {
        (Participants, Frame) = (participants, frame);
        Inputs = new short[participants * frame];
        Contributes = new bool[participants];
        Energy = new int[participants];
        Sum = new int[frame];
        Pcm = new short[frame];
        Personal = new byte[frame];
        Shared = new byte[MixerCodecs.Count * frame];
    }

    public int Participants { get; }

    public int Frame { get; }

    /// <summary>Participant i's frame at [i × frame, (i + 1) × frame).</summary>
    public short[] Inputs { get; }

    public bool[] Contributes { get; }

    public int[] Energy { get; }

    public int[] Sum { get; }

    public short[] Pcm { get; }

    public byte[] Personal { get; }

    /// <summary>The full mix encoded in codec c at [c × frame, (c + 1) × frame).</summary>
    public byte[] Shared { get; }

    public bool[] SharedReady { get; } = new bool[MixerCodecs.Count];

    /// <summary>This thread's buffers, grown to hold <paramref name="participants"/> frames of <paramref name="frame"/> samples.</summary>
    public static MixScratch For(int participants, int frame)
    {
        var current = t_current;
        if (current is null || current.Participants < participants || current.Frame < frame)
        {
            current = t_current = new MixScratch(Math.Max(participants, current?.Participants ?? 0), Math.Max(frame, current?.Frame ?? 0));
        }

        return current;
    }
}

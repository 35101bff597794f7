namespace Rendezvous.Media.Mixing;

/// <summary>
/// Simple packet loss concealment on 16-bit linear frames: a missing frame is the last good frame again,
/// halved for each further missing frame, and silence once <see cref="RepeatLimit"/> frames are missing in a
/// row. Preallocated; not thread-safe (it belongs to one leg, like its <see cref="JitterBuffer"/>).
/// </summary>
public sealed class LossConcealer
{
    private readonly short[] _last;
    private int _missing;
    private bool _hasLast;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a frame length or repeat limit below 1.</summary>
    public LossConcealer(int samplesPerFrame, int repeatLimit = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerFrame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeatLimit);
        _last = new short[samplesPerFrame];
        RepeatLimit = repeatLimit;
    }

    /// <summary>How many missing frames in a row are filled from the last good one before silence.</summary>
    public int RepeatLimit { get; }

    /// <summary>Frames filled by <see cref="Conceal"/> (repeats and silences).</summary>
    public long Concealed { get; private set; }

    /// <summary>Frames of the wrong length given to <see cref="Remember"/>: ignored and counted.</summary>
    public long Rejected { get; private set; }

    /// <summary>Keeps a copy of a good frame. A frame of the wrong length is ignored and counted, never thrown on.</summary>
    public void Remember(ReadOnlySpan<short> frame)
    {
        if (frame.Length != _last.Length)
        {
            Rejected++;
            return;
        }

        frame.CopyTo(_last);
        _hasLast = true;
        _missing = 0;
    }

    /// <summary>
    /// Fills <paramref name="frame"/> (its first frame-length samples) for a missing frame. Returns true when it
    /// wrote a repeat, false when it wrote silence (nothing to repeat, or past <see cref="RepeatLimit"/>).
    /// </summary>
    public bool Conceal(Span<short> frame)
    {
        Concealed++;
        var target = frame[..Math.Min(frame.Length, _last.Length)];
        if (!_hasLast || ++_missing > RepeatLimit)
        {
            target.Clear();
            return false;
        }

        // Attenuate by 6 dB per missing frame so a long gap fades instead of buzzing.
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = (short)(_last[i] >> _missing);
        }

        return true;
    }

    /// <summary>Forgets the last frame (a new stream).</summary>
    public void Reset()
    {
        _hasLast = false;
        _missing = 0;
    }
}

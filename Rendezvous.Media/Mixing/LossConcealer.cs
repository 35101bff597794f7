namespace Rendezvous.Media.Mixing;

/// <summary>
/// Simple packet loss concealment: a missing frame is the last good frame again, halved for each further
/// missing frame, and silence once <see cref="RepeatLimit"/> frames are missing in a row. It keeps no copy of
/// the frame: the caller reproduces the last good frame when one is missing (<see cref="InboundAudio"/>
/// decodes its payload again from the jitter buffer), so a good frame costs nothing here. Not thread-safe
/// (it belongs to one leg, like its <see cref="JitterBuffer"/>).
/// </summary>
public sealed class LossConcealer
{
    private int _missing;
    private bool _hasLast;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a repeat limit below 1.</summary>
    public LossConcealer(int repeatLimit = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeatLimit);
        RepeatLimit = repeatLimit;
    }

    /// <summary>How many missing frames in a row are filled from the last good one before silence.</summary>
    public int RepeatLimit { get; }

    /// <summary>Missing frames handled by <see cref="NextRepeat"/> (repeats and silences).</summary>
    public long Concealed { get; private set; }

    /// <summary>A good frame was played: the next missing frames repeat it.</summary>
    public void Played()
    {
        _hasLast = true;
        _missing = 0;
    }

    /// <summary>
    /// For one missing frame: how many times to halve the last good frame (1 for the first missing frame in a
    /// row, 2 for the second...), or 0 when the frame must be silence (nothing to repeat, or past
    /// <see cref="RepeatLimit"/>).
    /// </summary>
    public int NextRepeat()
    {
        Concealed++;
        return !_hasLast || ++_missing > RepeatLimit ? 0 : _missing;
    }

    /// <summary>Halves every sample <paramref name="halvings"/> times: 6 dB per missing frame, so a long gap fades instead of buzzing.</summary>
    public static void Attenuate(Span<short> frame, int halvings)
    {
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (short)(frame[i] >> halvings);
        }
    }

    /// <summary>Forgets the last frame (a new stream).</summary>
    public void Reset()
    {
        _hasLast = false;
        _missing = 0;
    }
}

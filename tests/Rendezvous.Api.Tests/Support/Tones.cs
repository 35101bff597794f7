namespace Rendezvous.Api.Tests.Support;

/// <summary>Who is heard in a recording: 8 kHz mono 16-bit WAV files read back, and Goertzel filters at the parties' tones.</summary>
internal static class Tones
{
    /// <summary>The samples of a canonical WAV file (a 44-byte header, mono 16-bit PCM).</summary>
    public static async Task<short[]> ReadWavAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var data = bytes.AsSpan(Math.Min(44, bytes.Length));
        var samples = new short[data.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BitConverter.ToInt16(data.Slice(i * 2, 2));
        }

        return samples;
    }

    /// <summary>
    /// The tone's share of the signal's power (0 to about 1): the median over 100 ms windows of the
    /// Goertzel power at the tone. Windows, because a jitter buffer may repeat or drop a frame to
    /// follow a sender's clock; the tone's phase then jumps, which over seconds would cancel in
    /// one long Goertzel sum although the tone is plainly there.
    /// </summary>
    public static double Share(short[] samples, int frequency)
    {
        const int window = 800;
        var shares = Enumerable.Range(0, samples.Length / window).Select(w => WindowShare(samples.AsSpan(w * window, window), frequency)).Order().ToArray();
        return shares.Length == 0 ? 0 : shares[shares.Length / 2];
    }

    /// <summary>Each tone's share, for assertion messages.</summary>
    public static string Describe(short[] samples, params int[] frequencies) =>
        string.Join(", ", frequencies.Select(f => $"{f} Hz {Share(samples, f):P1}")) + $" ({samples.Length} samples)";

    private static double WindowShare(ReadOnlySpan<short> samples, int frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / 8000.0);
        double s1 = 0, s2 = 0, total = 0;
        foreach (var x in samples)
        {
            var s0 = x + coefficient * s1 - s2;
            (s2, s1) = (s1, s0);
            total += (double)x * x;
        }

        var power = s1 * s1 + s2 * s2 - coefficient * s1 * s2; // |X(f)|^2
        return total == 0 ? 0 : 2 * power / (samples.Length * total);
    }
}

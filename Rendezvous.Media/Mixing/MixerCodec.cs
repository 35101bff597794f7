using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Mixing;

/// <summary>The output encodings the mixer knows (G.711 for now); each has one shared full-mix buffer per tick.</summary>
internal enum MixerCodec
{
    Pcmu,
    Pcma,
}

internal static class MixerCodecs
{
    public const int Count = 2;

    /// <summary>Throws <see cref="ArgumentException"/> for a codec the mixer cannot encode or a clock rate other than the mixer's.</summary>
    public static MixerCodec Resolve(AudioCodec codec, int clockRate)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (codec.Matches("PCMU", clockRate))
        {
            return MixerCodec.Pcmu;
        }

        if (codec.Matches("PCMA", clockRate))
        {
            return MixerCodec.Pcma;
        }

        throw new ArgumentException($"The mixer encodes PCMU or PCMA at {clockRate} Hz, not {codec.RtpMap}.", nameof(codec));
    }

    /// <summary>One octet per sample: <paramref name="codes"/> must be as long as <paramref name="samples"/>.</summary>
    public static void Encode(MixerCodec codec, ReadOnlySpan<short> samples, Span<byte> codes)
    {
        if (codec == MixerCodec.Pcma)
        {
            ALaw.Encode(samples, codes);
        }
        else
        {
            MuLaw.Encode(samples, codes);
        }
    }

    /// <summary>One octet per sample; returns the samples decoded.</summary>
    public static int Decode(MixerCodec codec, ReadOnlySpan<byte> codes, Span<short> samples)
    {
        var count = Math.Min(codes.Length, samples.Length);
        if (codec == MixerCodec.Pcma)
        {
            ALaw.Decode(codes[..count], samples);
        }
        else
        {
            MuLaw.Decode(codes[..count], samples);
        }

        return count;
    }
}

using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Relay;

/// <summary>How a relayed payload is converted between two legs' codecs (G.711 today; anything else is not relayed).</summary>
internal enum Transcoding
{
    None,
    MuLawToALaw,
    ALawToMuLaw,
    Unsupported,
}

internal static class TranscodingExtensions
{
    extension(Transcoding)
    {
        public static Transcoding For(AudioCodec from, AudioCodec to) => (from.EncodingName.ToUpperInvariant(), to.EncodingName.ToUpperInvariant(), from.ClockRate == to.ClockRate) switch
        {
            ("PCMU", "PCMA", true) => Transcoding.MuLawToALaw,
            ("PCMA", "PCMU", true) => Transcoding.ALawToMuLaw,
            _ => Transcoding.Unsupported,
        };
    }

    public static void Apply(this Transcoding transcoding, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (transcoding == Transcoding.MuLawToALaw)
        {
            G711Transcoder.MuLawToALaw(source, destination);
        }
        else
        {
            G711Transcoder.ALawToMuLaw(source, destination);
        }
    }
}

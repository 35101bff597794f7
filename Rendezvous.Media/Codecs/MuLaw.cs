using System.Numerics;

namespace Rendezvous.Media.Codecs;

/// <summary>
/// ITU-T G.711 mu-law (PCMU, RFC 3551 section 4.5.14) between 8-bit codes and 16-bit linear samples.
/// </summary>
/// <remarks>
/// Linear samples use the usual 16-bit scaling: G.711's 14-bit mu-law values shifted left by 2, so codes
/// decode to -32124..32124 (0x00 is -32124, 0x80 is 32124, 0xFF and 0x7F are both 0). Encoding applies
/// G.711's decision thresholds to the top 14 bits, taking negative samples by one's complement as ITU-T
/// G.191's reference software does: 0 to 3 give 0xFF, -1 to -4 give 0x7F, and every decoded value encodes
/// back to its own code except 0x7F (0 encodes as 0xFF).
/// </remarks>
public static class MuLaw
{
    // G.711 mu-law works on magnitude + 33 (the bias that makes segment ends powers of two).
    private const int Bias = 33;
    private const int MaxBiased = 0x1FFF;

    // Mu-law looks at the top 14 bits only (and ~x >> 2 == ~(x >> 2)), so the code is a function of x >> 2.
    private const int IgnoredBits = 2;

    private static readonly short[] DecodeTable = BuildDecodeTable();
    private static readonly byte[] EncodeTable = G711.BuildEncodeTable(IgnoredBits, Compute);

    /// <summary>The linear value of a code (256-entry table).</summary>
    public static short Decode(byte code) => DecodeTable[code];

    /// <summary>The code whose G.711 decision interval holds <paramref name="sample"/>; samples past the last threshold give 0x80 or 0x00.</summary>
    public static byte Encode(short sample) => EncodeTable[(ushort)sample >> IgnoredBits];

    /// <summary>G.711's segment computation, which <see cref="EncodeTable"/> holds for every input.</summary>
    private static byte Compute(short sample)
    {
        // One's complement for negatives: the two halves mirror around -0.5.
        var magnitude = sample < 0 ? ~sample : sample;
        var biased = Math.Min((magnitude >> 2) + Bias, MaxBiased);

        // Segment s holds biased values in [2^(s+5), 2^(s+6)); the 4-bit step within it follows the leading one.
        var segment = BitOperations.Log2((uint)biased) - 5;
        var step = (biased >> (segment + 1)) & 0x0F;

        // Codes are sent inverted; the sign bit is 1 for non-negative samples.
        return (byte)(((segment << 4) | step) ^ (sample < 0 ? 0x7F : 0xFF));
    }

    /// <summary>Decodes <paramref name="codes"/> into the first codes.Length samples; throws <see cref="ArgumentException"/> when <paramref name="samples"/> is shorter.</summary>
    public static void Decode(ReadOnlySpan<byte> codes, Span<short> samples) => G711.Decode(DecodeTable, codes, samples);

    /// <summary>Encodes <paramref name="samples"/> into the first samples.Length codes; throws <see cref="ArgumentException"/> when <paramref name="codes"/> is shorter.</summary>
    public static void Encode(ReadOnlySpan<short> samples, Span<byte> codes) => G711.Encode(EncodeTable, IgnoredBits, samples, codes);

    private static short[] BuildDecodeTable()
    {
        var table = new short[256];
        for (var code = 0; code < 256; code++)
        {
            // Undo the inversion. In 14-bit units the level is (2 * step + 33) * 2^segment - 33, the middle
            // of its decision interval; times 4 for 16 bits.
            var inverted = ~code & 0xFF;
            var segment = (inverted >> 4) & 0x07;
            var step = inverted & 0x0F;
            var magnitude = (((2 * step) + Bias) << (segment + 2)) - (4 * Bias);
            table[code] = (short)((code & 0x80) != 0 ? magnitude : -magnitude);
        }

        return table;
    }
}

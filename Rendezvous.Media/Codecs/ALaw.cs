using System.Numerics;

namespace Rendezvous.Media.Codecs;

/// <summary>
/// ITU-T G.711 A-law (PCMA, RFC 3551 section 4.5.14) between 8-bit codes and 16-bit linear samples.
/// </summary>
/// <remarks>
/// Linear samples use the usual 16-bit scaling: G.711's 13-bit A-law values shifted left by 3, so codes
/// decode to ±8..±32256 (0xD5 is 8, 0x55 is -8, 0xAA is 32256, 0x2A is -32256); A-law has no zero level.
/// Encoding applies G.711's decision thresholds to the top 12 bits of the magnitude, taking negative samples
/// by one's complement as ITU-T G.191's reference software does (0 to 15 give 0xD5, -1 to -16 give 0x55),
/// and every decoded value encodes back to its own code.
/// </remarks>
public static class ALaw
{
    // G.711 A-law sends the code with its even bits inverted.
    private const int EvenBits = 0x55;

    // A-law looks at the top 12 bits of the magnitude only (and ~x >> 4 == ~(x >> 4)), so the code is a function of x >> 4.
    private const int IgnoredBits = 4;

    private static readonly short[] DecodeTable = BuildDecodeTable();
    private static readonly byte[] EncodeTable = G711.BuildEncodeTable(IgnoredBits, Compute);

    /// <summary>The linear value of a code (256-entry table).</summary>
    public static short Decode(byte code) => DecodeTable[code];

    /// <summary>The code whose G.711 decision interval holds <paramref name="sample"/>; the top intervals reach the ends of the 16-bit range (0xAA, 0x2A).</summary>
    public static byte Encode(short sample) => EncodeTable[(ushort)sample >> IgnoredBits];

    /// <summary>G.711's segment computation, which <see cref="EncodeTable"/> holds for every input.</summary>
    private static byte Compute(short sample)
    {
        // One's complement for negatives: the two halves mirror around -0.5. 12 bits of magnitude remain.
        var magnitude = (sample < 0 ? ~sample : sample) >> 4;

        // Segment 0 and 1 both have steps of 1 here; segment s >= 1 holds [2^(s+3), 2^(s+4)).
        int code;
        if (magnitude < 16)
        {
            code = magnitude;
        }
        else
        {
            var top = BitOperations.Log2((uint)magnitude);
            code = ((top - 3) << 4) | ((magnitude >> (top - 4)) & 0x0F);
        }

        // The sign bit is 1 for non-negative samples.
        return (byte)((code | (sample < 0 ? 0 : 0x80)) ^ EvenBits);
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
            // In 13-bit units the level is 2 * step + 1 in segment 0 and (2 * step + 33) * 2^(segment - 1)
            // above, the middle of its decision interval; times 8 for 16 bits.
            var plain = code ^ EvenBits;
            var segment = (plain >> 4) & 0x07;
            var step = plain & 0x0F;
            var magnitude = segment == 0 ? ((2 * step) + 1) << 3 : ((2 * step) + 33) << (segment + 2);
            table[code] = (short)((plain & 0x80) != 0 ? magnitude : -magnitude);
        }

        return table;
    }
}

namespace Rendezvous.Media.Codecs;

/// <summary>What the two G.711 laws share: table-driven bulk conversion.</summary>
internal static class G711
{
    /// <summary>
    /// A table from <c>(ushort)sample &gt;&gt; ignoredBits</c> to the code, filled by the law's exact computation
    /// (valid because each law ignores the low bits of the sample, for negatives as well).
    /// </summary>
    public static byte[] BuildEncodeTable(int ignoredBits, Func<short, byte> compute)
    {
        var table = new byte[65536 >> ignoredBits];
        for (var index = 0; index < table.Length; index++)
        {
            table[index] = compute((short)(index << ignoredBits));
        }

        return table;
    }

    public static void Decode(short[] table, ReadOnlySpan<byte> codes, Span<short> samples)
    {
        CheckLength(codes.Length, samples.Length, nameof(samples));
        for (var i = 0; i < codes.Length; i++)
        {
            samples[i] = table[codes[i]];
        }
    }

    public static void Encode(byte[] table, int ignoredBits, ReadOnlySpan<short> samples, Span<byte> codes)
    {
        CheckLength(samples.Length, codes.Length, nameof(codes));
        for (var i = 0; i < samples.Length; i++)
        {
            codes[i] = table[(ushort)samples[i] >> ignoredBits];
        }
    }

    public static void CheckLength(int sourceLength, int destinationLength, string destinationName)
    {
        if (destinationLength < sourceLength)
        {
            throw new ArgumentException($"The destination holds {destinationLength} values, fewer than the {sourceLength} to convert.", destinationName);
        }
    }
}

namespace Rendezvous.Media.Codecs;

/// <summary>
/// PCMU to PCMA and back through the linear value (decode with one law, encode with the other), by
/// 256-entry tables. Neither direction is lossless: the laws have different levels.
/// </summary>
public static class G711Transcoder
{
    private static readonly byte[] MuLawToALawTable = Build(MuLaw.Decode, ALaw.Encode);
    private static readonly byte[] ALawToMuLawTable = Build(ALaw.Decode, MuLaw.Encode);

    public static byte MuLawToALaw(byte code) => MuLawToALawTable[code];

    public static byte ALawToMuLaw(byte code) => ALawToMuLawTable[code];

    /// <summary>Transcodes into the first source.Length octets; throws <see cref="ArgumentException"/> when <paramref name="destination"/> is shorter. The spans may be the same memory.</summary>
    public static void MuLawToALaw(ReadOnlySpan<byte> source, Span<byte> destination) => Map(MuLawToALawTable, source, destination);

    /// <summary>Transcodes into the first source.Length octets; throws <see cref="ArgumentException"/> when <paramref name="destination"/> is shorter. The spans may be the same memory.</summary>
    public static void ALawToMuLaw(ReadOnlySpan<byte> source, Span<byte> destination) => Map(ALawToMuLawTable, source, destination);

    private static void Map(byte[] table, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        G711.CheckLength(source.Length, destination.Length, nameof(destination));
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static byte[] Build(Func<byte, short> decode, Func<short, byte> encode)
    {
        var table = new byte[256];
        for (var code = 0; code < 256; code++)
        {
            table[code] = encode(decode((byte)code));
        }

        return table;
    }
}

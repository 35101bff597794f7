namespace Rendezvous.Media.Tests;

internal static class MediaSamples
{
    /// <summary>Hex with any white space in between, as the RFC figures are drawn.</summary>
    public static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}

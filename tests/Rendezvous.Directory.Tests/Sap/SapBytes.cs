using System.IO.Compression;
using System.Text;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>Builds datagrams by hand from RFC 2974's layout, and the session descriptions they carry.</summary>
internal static class SapBytes
{
    /// <summary>A small multicast session description (RFC 8866 style).</summary>
    public const string SampleSdp =
        "v=0\r\n"
        + "o=alice 2890844526 2890842807 IN IP4 192.0.2.10\r\n"
        + "s=SAP codec test\r\n"
        + "c=IN IP4 233.252.0.1/127\r\n"
        + "t=0 0\r\n"
        + "m=audio 49170 RTP/AVP 0\r\n";

    public const string OriginLine = "o=alice 2890844526 2890842807 IN IP4 192.0.2.10\r\n";

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>The payload type as it goes on the wire: the MIME type and one NUL.</summary>
    public static byte[] SdpType => Ascii("application/sdp\0");

    public static byte[] Zlib(byte[] content)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(content);
        }

        return output.ToArray();
    }

    public static string Hex(byte[] bytes) => bytes.Length > 400 ? Convert.ToHexString(bytes, 0, 400) + "..." : Convert.ToHexString(bytes);
}

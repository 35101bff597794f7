using System.Text;
using System.Text.Unicode;

namespace Rendezvous.Directory.Sdp;

/// <summary>
/// Parses SDP (RFC 8866; RFC 4566 and RFC 2327 descriptions parse too) in one pass.
/// <see cref="Parse(string, SdpParseOptions?)"/> never throws for bad input: every problem
/// comes back as a diagnostic with its line, field and what was expected.
/// </summary>
public static class SdpParser
{
    /// <summary>Parses <paramref name="text"/>; the result holds the description when there were no errors.</summary>
    public static SdpParseResult Parse(string text, SdpParseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new SdpReader(text, options ?? SdpParseOptions.Strict);
        try
        {
            return reader.Run();
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>
    /// Parses UTF-8 bytes (RFC 8866 section 5: SDP text is UTF-8 unless a charset attribute
    /// says otherwise). Bytes that are not UTF-8 are reported with their offset.
    /// </summary>
    public static SdpParseResult Parse(ReadOnlySpan<byte> utf8, SdpParseOptions? options = null) => Parse(utf8, options, out _);

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, SdpParseOptions?)"/>, also giving the decoded text (null when the bytes were refused before decoding).</summary>
    internal static SdpParseResult Parse(ReadOnlySpan<byte> utf8, SdpParseOptions? options, out string? text)
    {
        text = null;
        options ??= SdpParseOptions.Strict;
        if (utf8.Length > options.MaxLength)
        {
            return Failed(new SdpDiagnostic(SdpSeverity.Error, 0, "sdp", $"is {utf8.Length} bytes long", $"at most {options.MaxLength} bytes"));
        }

        if (!Utf8.IsValid(utf8))
        {
            var offset = FirstInvalidUtf8(utf8);
            var line = utf8[..offset].Count((byte)'\n') + 1;
            return Failed(new SdpDiagnostic(SdpSeverity.Error, line, "sdp", $"has a byte that is not UTF-8 (0x{utf8[offset]:X2})", "UTF-8 text", offset));
        }

        text = Encoding.UTF8.GetString(utf8);
        return Parse(text, options);
    }

    /// <summary>Parses, and throws <see cref="SdpParseException"/> (and nothing else) when the input is not a valid description.</summary>
    public static SessionDescription ParseOrThrow(string text, SdpParseOptions? options = null)
    {
        var result = Parse(text, options);
        return result.Description ?? throw new SdpParseException(result.Diagnostics);
    }

    private static SdpParseResult Failed(SdpDiagnostic diagnostic) => new(null, [diagnostic]);

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var scratch = new char[Math.Min(utf8.Length, 4096)];
        var offset = 0;
        while (offset < utf8.Length)
        {
            var status = Utf8.ToUtf16(utf8[offset..], scratch, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status is System.Buffers.OperationStatus.InvalidData or System.Buffers.OperationStatus.NeedMoreData)
            {
                return offset;
            }

            if (status == System.Buffers.OperationStatus.Done)
            {
                break;
            }
        }

        return Math.Min(offset, utf8.Length - 1);
    }
}

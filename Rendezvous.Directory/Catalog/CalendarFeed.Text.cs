using System.Globalization;
using System.Text;

namespace Rendezvous.Directory.Catalog;

/// <summary>Content lines and value formats of RFC 5545 (sections 3.1 and 3.3).</summary>
public static partial class CalendarFeed
{
    /// <summary>RFC 5545 section 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.</summary>
    private const int MaxLineOctets = 75;

    /// <summary>RFC 5545 section 3.3.5, form #2: a date with UTC time, whole seconds (a fraction is dropped).</summary>
    internal static string FormatUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// RFC 5545 section 3.3.6: a positive exact duration as dur-time, e.g. PT1H, PT1H30M, PT1H0M5S, PT45S.
    /// Hours, minutes and seconds only, never days or weeks: those are nominal (they follow local days), and these
    /// durations are exact. The grammar allows no gap (dur-hour is 1*DIGIT "H" [dur-minute]), hence PT1H0M5S.
    /// </summary>
    internal static string FormatDuration(long seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        var (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        var text = new StringBuilder("PT");
        if (hours > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}H");
        }

        if (minutes > 0 || (hours > 0 && rest > 0))
        {
            text.Append(CultureInfo.InvariantCulture, $"{minutes}M");
        }

        if (rest > 0 || seconds == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{rest}S");
        }

        return text.ToString();
    }

    private static DateTimeOffset FloorToSecond(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The whole second at or after <paramref name="value"/>; the last whole second of the calendar when there is none.</summary>
    private static DateTimeOffset CeilingToSecond(DateTimeOffset value)
    {
        var floor = FloorToSecond(value);
        return floor.UtcTicks == value.UtcTicks || floor.UtcTicks > DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerSecond
            ? floor
            : floor.AddSeconds(1);
    }

    /// <summary>
    /// RFC 5545 section 3.3.13: a URI (RFC 3986) as written, so only an absolute URI with a scheme; null for anything
    /// else (a bare path, spaces, line breaks), which the feed then leaves out. Non-ASCII is percent-encoded.
    /// </summary>
    private static string? UriValue(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return null;
        }

        // Uri also takes "/path" as a file URI on Unix: require the scheme to be written.
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && url.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase)
            ? uri.AbsoluteUri
            : null;
    }

    /// <summary>
    /// RFC 5545 section 3.3.11: TEXT with backslash, semicolon and comma escaped and every line break (CRLF, LF or
    /// CR) as \n. Other control characters are not allowed in TEXT (section 3.1: CONTROL, all but HTAB) and are
    /// dropped. Unpaired surrogates become U+FFFD when the line is written.
    /// </summary>
    internal static string EscapeText(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\' or ';' or ',':
                    text.Append('\\').Append(c); // RFC 5545 section 3.3.11: ESCAPED-CHAR "\\" / "\;" / "\,"
                    break;
                case '\r' or '\n':
                    text.Append("\\n"); // RFC 5545 section 3.3.11: a line break is "\n"
                    if (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n')
                    {
                        i++; // CRLF is one line break
                    }

                    break;
                case '\t':
                    text.Append(c); // RFC 5545 section 3.1: HTAB is the one control character allowed
                    break;
                case < ' ' or '\u007f':
                    break; // RFC 5545 section 3.1: CONTROL characters are not allowed in a value
                default:
                    text.Append(c);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>Writes content lines (RFC 5545 section 3.1): CRLF ends, folded at 75 UTF-8 octets.</summary>
    private sealed class ContentWriter
    {
        private readonly StringBuilder _text = new();

        /// <summary>A property whose value is a TEXT (escaped, RFC 5545 section 3.3.11).</summary>
        public void Text(string name, string value) => Line(name, EscapeText(value));

        /// <summary>
        /// name ":" value CRLF (RFC 5545 section 3.1), folded: before a character that would take the line past 75
        /// octets, CRLF and one space, which counts towards the next line's 75. A multi-octet UTF-8 character is never
        /// split, since the fold only goes between characters (runes).
        /// </summary>
        public void Line(string name, string value)
        {
            var octets = 0;
            Span<char> utf16 = stackalloc char[2];
            foreach (var rune in string.Concat(name, ":", value).EnumerateRunes())
            {
                var size = rune.Utf8SequenceLength;
                if (octets + size > MaxLineOctets)
                {
                    _text.Append("\r\n "); // RFC 5545 section 3.1: fold with CRLF followed by a single space
                    octets = 1;
                }

                _text.Append(utf16[..rune.EncodeToUtf16(utf16)]); // an unpaired surrogate enumerates as U+FFFD
                octets += size;
            }

            _text.Append("\r\n"); // RFC 5545 section 3.1: every content line ends in CRLF
        }

        public override string ToString() => _text.ToString();
    }
}

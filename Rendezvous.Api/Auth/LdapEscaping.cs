using System.Globalization;
using System.Text;

namespace Rendezvous.Api.Auth;

/// <summary>
/// Escaping of untrusted text (a user name from an Authorization header) before it is put
/// into a distinguished name or a search filter, so that it is only ever a value and never
/// structure: no extra RDN, no wildcard, no extra filter component.
/// </summary>
internal static class LdapEscaping
{
    /// <summary>
    /// Escapes <paramref name="value"/> as a whole DN attribute value (RFC 4514 section 2.4).
    /// The specials '"', '+', ',', ';', '&lt;', '&gt;', '\' get a backslash; so does '=', which
    /// RFC 4514 allows to escape ("special" includes EQUALS) and some parsers require; a
    /// leading '#' or space and a trailing space are escaped; control characters (NUL among
    /// them) become \XX per UTF-8 byte.
    /// </summary>
    public static string EscapeDnValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"' or '+' or ',' or ';' or '<' or '>' or '\\' or '=':
                    escaped.Append('\\').Append(c);
                    break;
                case '#' when i == 0:
                    escaped.Append("\\#");
                    break;
                case ' ' when i == 0 || i == value.Length - 1:
                    escaped.Append("\\ ");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        AppendHex(escaped, c);
                    }
                    else
                    {
                        escaped.Append(c);
                    }

                    break;
            }
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Escapes <paramref name="value"/> as an assertion value in a string filter (RFC 4515
    /// section 3): '*', '(', ')', '\' and NUL become \2a, \28, \29, \5c and \00, and other
    /// control characters \XX per UTF-8 byte, so the value matches only itself.
    /// </summary>
    public static string EscapeFilterValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is '*' or '(' or ')' or '\\' || char.IsControl(c))
            {
                AppendHex(escaped, c);
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private static void AppendHex(StringBuilder escaped, char c)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var length = Encoding.UTF8.GetBytes([c], utf8);
        foreach (var b in utf8[..length])
        {
            escaped.Append('\\').Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }
    }
}

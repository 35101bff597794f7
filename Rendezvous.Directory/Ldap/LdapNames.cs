using System.Globalization;
using System.Text;

namespace Rendezvous.Directory.Ldap;

/// <summary>Escaping of names into DNs (RFC 4514) and search filters (RFC 4515).</summary>
public static class LdapNames
{
    /// <summary>
    /// An attribute value as it appears in an RDN (RFC 4514 section 2.4), safe for untrusted
    /// text such as a user name from an Authorization header: it is only ever a value, never
    /// structure. The specials <c>" + , ; &lt; &gt; \</c> get a backslash, and so does '=',
    /// which RFC 4514 allows to escape and some parsers require. A leading '#' or space and a
    /// trailing space are escaped, and control characters (NUL among them) become \XX per UTF-8
    /// byte. Other characters, non-ASCII included, stay as they are (the DN goes out as UTF-8).
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
    /// A value for an equality or substring filter (RFC 4515 section 3): <c>* ( ) \</c> and
    /// NUL become \2a \28 \29 \5c \00, and other control characters \XX per UTF-8 byte, so
    /// the value matches only itself.
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

    /// <summary>
    /// A prefix filter <c>(attribute=prefix*)</c> as TAPI's name search does. Only a trailing
    /// '*' in <paramref name="prefix"/> is a wildcard (and is implied); every other character
    /// matches itself. A null or empty prefix (or just "*") gives a presence filter.
    /// </summary>
    public static string PrefixFilter(string attribute, string? prefix)
    {
        var literal = (prefix ?? "").EndsWith('*') ? prefix![..^1] : prefix ?? "";
        return $"({attribute}={EscapeFilterValue(literal)}*)";
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

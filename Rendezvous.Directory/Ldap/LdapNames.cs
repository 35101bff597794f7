using System.Globalization;
using System.Text;

namespace Rendezvous.Directory.Ldap;

/// <summary>Escaping of names into DNs (RFC 4514) and search filters (RFC 4515).</summary>
public static class LdapNames
{
    /// <summary>
    /// An attribute value as it appears in an RDN (RFC 4514 section 2.4): the specials
    /// <c>" + , ; &lt; &gt; \</c>, a leading space or '#', a trailing space and NUL are escaped.
    /// Other characters, non-ASCII included, stay as they are (the DN goes out as UTF-8).
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
                case '\0':
                    escaped.Append("\\00");
                    break;
                case ' ' when i == 0 || i == value.Length - 1:
                    escaped.Append("\\ ");
                    break;
                case '#' when i == 0:
                    escaped.Append("\\#");
                    break;
                default:
                    escaped.Append(c);
                    break;
            }
        }

        return escaped.ToString();
    }

    /// <summary>
    /// A value for an equality or substring filter (RFC 4515 section 3): <c>* ( ) \</c> and
    /// NUL become \2a \28 \29 \5c \00, so they match literally.
    /// </summary>
    public static string EscapeFilterValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is '*' or '(' or ')' or '\\' or '\0')
            {
                escaped.Append('\\').Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
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
}

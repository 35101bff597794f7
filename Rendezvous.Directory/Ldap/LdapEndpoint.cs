using System.Diagnostics.CodeAnalysis;

namespace Rendezvous.Directory.Ldap;

/// <summary>A parsed ldap:// or ldaps:// URL.</summary>
public sealed record LdapEndpoint(string Host, int Port, bool UseSsl)
{
    public const int DefaultPort = 389;
    public const int DefaultSslPort = 636;

    /// <summary>host:port as libldap reads it in a URL (IPv6 literals keep their brackets).</summary>
    public string HostAndPort => $"{Host}:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses a list of URLs separated by spaces (libldap's convention: tried in order until
    /// one answers). All must share one scheme, because the connection is set up for one.
    /// </summary>
    public static bool TryParseList(string urls, [NotNullWhen(true)] out IReadOnlyList<LdapEndpoint>? endpoints, [NotNullWhen(false)] out string? error)
    {
        endpoints = null;
        var parts = (urls ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = "no URL given; expected ldap://host[:port] or ldaps://host[:port], several separated by spaces";
            return false;
        }

        var parsed = new List<LdapEndpoint>(parts.Length);
        foreach (var part in parts)
        {
            if (!TryParse(part, out var endpoint, out var partError))
            {
                error = parts.Length == 1 ? partError : $"'{part}': {partError}";
                return false;
            }

            if (parsed.Count > 0 && parsed[0].UseSsl != endpoint.UseSsl)
            {
                error = "all URLs must have the same scheme (all ldap:// or all ldaps://)";
                return false;
            }

            parsed.Add(endpoint);
        }

        endpoints = parsed;
        error = null;
        return true;
    }

    public static bool TryParse(string url, [NotNullWhen(true)] out LdapEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            error = $"'{url}' is not an absolute URL; expected ldap://host[:port] or ldaps://host[:port]";
            return false;
        }

        var ssl = uri.Scheme switch
        {
            "ldap" => false,
            "ldaps" => true,
            _ => (bool?)null,
        };
        if (ssl is null)
        {
            error = $"scheme '{uri.Scheme}' is not supported; expected ldap or ldaps";
            return false;
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            error = "the URL names no host";
            return false;
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0)
        {
            error = "the URL must not carry a path or query; set BaseDn instead";
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? (ssl.Value ? DefaultSslPort : DefaultPort) : uri.Port;
        // IPv6 literals keep their brackets: libldap reads the host as part of a URL.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        endpoint = new LdapEndpoint(host, port, ssl.Value);
        error = null;
        return true;
    }
}

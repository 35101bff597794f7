using System.DirectoryServices.Protocols;
using System.Net;

namespace Rendezvous.Directory.Ldap;

/// <summary>Opens connections to a configured directory: its URLs in order, its TLS mode and trust anchors, its credentials.</summary>
public static class LdapConnectionFactory
{
    /// <summary>
    /// Connects and binds with the directory's configured credentials.
    /// Throws <see cref="LdapException"/> when no URL answers, TLS cannot be set up (an
    /// untrusted certificate shows as "The LDAP server is unavailable", error 81, for LDAPS
    /// and as error 91 for StartTLS), or the server refuses the bind.
    /// </summary>
    public static LdapConnection Open(LdapDirectoryOptions directory)
    {
        var connection = Connect(directory);
        try
        {
            if (directory.Bind.Mode == LdapBindMode.Simple)
            {
                connection.AuthType = AuthType.Basic;
                connection.Bind(new NetworkCredential(directory.Bind.Dn, directory.Bind.ResolvePassword()));
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects with the directory's URLs and TLS settings and binds anonymously, so the
    /// transport is in place (StartTLS done) before the caller binds with credentials of its
    /// own (<c>AuthType = Basic</c>, then <c>Bind(credential)</c>): for logins as a user.
    /// </summary>
    public static LdapConnection Connect(LdapDirectoryOptions directory)
    {
        if (!LdapEndpoint.TryParseList(directory.Url, out var endpoints, out var error))
        {
            throw new ArgumentException(error, nameof(directory));
        }

        // libldap tries the URIs in order (LDAP_OPT_URI "ldap://a:1 ldap://b:2"); S.DS.P
        // builds that list from host:port strings and adds no port of its own to them.
        var servers = endpoints.Select(e => e.HostAndPort).ToArray();
        var connection = new LdapConnection(new LdapDirectoryIdentifier(servers, 0, fullyQualifiedDnsHostName: false, connectionless: false))
        {
            Timeout = TimeSpan.FromSeconds(directory.TimeoutSeconds),
        };
        try
        {
            // libldap defaults to LDAPv2, whose binds fail with "A protocol error occurred".
            connection.SessionOptions.ProtocolVersion = 3;
            var mode = directory.EffectiveTlsMode;
            connection.SessionOptions.SecureSocketLayer = mode == LdapTlsMode.Ldaps;
            if (mode != LdapTlsMode.None)
            {
                LdapTrustAnchors.Apply(connection, directory.Tls);
            }

            // StartTLS before the first bind ignores the configured host and port (pitfall 2):
            // bind anonymously first, which connects, then start TLS.
            connection.AuthType = AuthType.Anonymous;
            connection.Bind();
            if (mode == LdapTlsMode.StartTls)
            {
                connection.SessionOptions.StartTransportLayerSecurity(null);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}

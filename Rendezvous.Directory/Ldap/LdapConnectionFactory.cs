using System.DirectoryServices.Protocols;
using System.Net;

namespace Rendezvous.Directory.Ldap;

/// <summary>Opens bound connections to a configured directory.</summary>
public static class LdapConnectionFactory
{
    /// <summary>
    /// Connects and binds with the directory's configured credentials.
    /// Throws <see cref="LdapException"/> when the server cannot be reached or refuses the bind.
    /// </summary>
    public static LdapConnection Open(LdapDirectoryOptions directory)
    {
        if (!LdapEndpoint.TryParse(directory.Url, out var endpoint, out var error))
        {
            throw new ArgumentException(error, nameof(directory));
        }

        var timeout = TimeSpan.FromSeconds(directory.TimeoutSeconds);
        var connection = new LdapConnection(new LdapDirectoryIdentifier(endpoint.Host, endpoint.Port, fullyQualifiedDnsHostName: true, connectionless: false))
        {
            Timeout = timeout,
        };
        try
        {
            // libldap defaults to LDAPv2, whose binds fail with "A protocol error occurred".
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.SecureSocketLayer = endpoint.UseSsl;
            if (directory.Bind.Mode == LdapBindMode.Simple)
            {
                connection.AuthType = AuthType.Basic;
                connection.Bind(new NetworkCredential(directory.Bind.Dn, directory.Bind.ResolvePassword()));
            }
            else
            {
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
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

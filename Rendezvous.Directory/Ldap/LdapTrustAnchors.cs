using System.Collections.Concurrent;
using System.DirectoryServices.Protocols;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rendezvous.Directory.Ldap;

/// <summary>
/// Per-connection TLS trust for libldap through System.DirectoryServices.Protocols.
/// ENGINEERING-NOTES pitfall 3: a VerifyServerCertificate callback does not make an
/// untrusted certificate acceptable on Linux; LDAPTLS_CACERT works but is process-wide.
/// What works per connection is LDAP_OPT_X_TLS_CACERTDIR (TrustedCertificatesDirectory)
/// followed by LDAP_OPT_X_TLS_NEWCTX (StartNewTlsSessionContext).
/// </summary>
internal static class LdapTrustAnchors
{
    // ldap.h: LDAP_OPT_X_TLS_REQUIRE_CERT and LDAP_OPT_X_TLS_NEVER.
    private const int TlsRequireCertOption = 0x6006;
    private const int TlsNever = 0;

    private static readonly ConcurrentDictionary<string, Lazy<string>> Directories = new(StringComparer.Ordinal);

    /// <summary>Applies the CA file and the verification setting to a connection that has not connected yet.</summary>
    public static void Apply(LdapConnection connection, LdapTlsOptions tls)
    {
        if (OperatingSystem.IsWindows())
        {
            // Wldap32 takes trust from the Windows certificate store, not from libldap options.
            if (tls.CaFile is not null || !tls.VerifyServer)
            {
                throw new PlatformNotSupportedException("Tls:CaFile and Tls:VerifyServer=false are for libldap (Linux); on Windows install the CA in the certificate store.");
            }

            return;
        }

        if (tls.CaFile is not null)
        {
            connection.SessionOptions.TrustedCertificatesDirectory = DirectoryFor(tls.CaFile);
        }

        if (!tls.VerifyServer)
        {
            SetRequireCertNever(connection);
        }

        if (tls.CaFile is not null || !tls.VerifyServer)
        {
            // The options above only take effect in a new TLS context.
            connection.SessionOptions.StartNewTlsSessionContext();
        }
    }

    /// <summary>
    /// A private directory holding each certificate of the PEM file in a file of its own.
    /// Debian's libldap is built with GnuTLS, which loads every file in the directory
    /// ("TLS: loaded N CA certificates from directory" in its debug log), so no
    /// <c>openssl rehash</c> links are needed. (An OpenSSL-built libldap looks certificates up
    /// by OpenSSL's subject-name hash, which this does not compute.) Keyed by the file's
    /// content, so an edited CA file gets a new directory.
    /// </summary>
    internal static string DirectoryFor(string caFile)
    {
        var pem = File.ReadAllBytes(caFile);
        var key = Convert.ToHexStringLower(SHA256.HashData(pem));
        return Directories.GetOrAdd(key, k => new Lazy<string>(() => Prepare(k, caFile))).Value;
    }

    private static string Prepare(string key, string caFile)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(caFile);
        if (certificates.Count == 0)
        {
            throw new InvalidOperationException($"'{caFile}' holds no PEM certificate.");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory($"rendezvous-ldap-ca-{key[..12]}-").FullName;
        var index = 0;
        foreach (var certificate in certificates)
        {
            using (certificate)
            {
                File.WriteAllText(Path.Combine(directory, $"ca-{index++}.pem"), certificate.ExportCertificatePem());
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temporary folder; harmless.
            }
        };
        return directory;
    }

    /// <summary>
    /// LDAP_OPT_X_TLS_REQUIRE_CERT = never on this connection only. S.DS.P has no public
    /// setter for it, so this reaches its internal option helper; it fails loudly if a
    /// later S.DS.P renames it.
    /// </summary>
    private static void SetRequireCertNever(LdapConnection connection)
    {
        var setter = typeof(LdapSessionOptions).GetMethod("SetIntValueHelper", BindingFlags.NonPublic | BindingFlags.Instance);
        var optionType = setter?.GetParameters() is [{ ParameterType.IsEnum: true } first, { ParameterType: var second }] && second == typeof(int) ? first.ParameterType : null;
        if (setter is null || optionType is null)
        {
            throw new PlatformNotSupportedException("Tls:VerifyServer=false is not supported by this System.DirectoryServices.Protocols (its internal option setter changed).");
        }

        try
        {
            setter.Invoke(connection.SessionOptions, [Enum.ToObject(optionType, TlsRequireCertOption), TlsNever]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rendezvous.Directory.Ldap;

/// <summary>How the connection to a directory is protected.</summary>
public enum LdapTlsMode
{
    /// <summary>Plain LDAP (or LDAPS when the URLs say ldaps://).</summary>
    None,

    /// <summary>TLS from the first byte (RFC 8314 style "implicit TLS", port 636); implied by ldaps:// URLs.</summary>
    Ldaps,

    /// <summary>Plain LDAP, then the StartTLS extended operation (RFC 4511 section 4.14) before any credential is sent.</summary>
    StartTls,
}

/// <summary>Configuration section <c>Rendezvous:Directories:N:Tls</c>.</summary>
public sealed class LdapTlsOptions : IValidatableObject
{
    /// <summary>None by default; ldaps:// URLs imply <see cref="LdapTlsMode.Ldaps"/>.</summary>
    public LdapTlsMode Mode { get; set; } = LdapTlsMode.None;

    /// <summary>
    /// PEM file with the certificate authorities that sign the directory's certificate (the
    /// trust anchors). When unset, libldap's own configuration applies (on Debian the system
    /// store /etc/ssl/certs/ca-certificates.crt).
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Whether to check the server's certificate chain and name. Only turn off for a lab directory.</summary>
    public bool VerifyServer { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CaFile is null)
        {
            yield break;
        }

        if (!File.Exists(CaFile))
        {
            yield return new ValidationResult($"file '{CaFile}' does not exist", [nameof(CaFile)]);
            yield break;
        }

        string? problem = null;
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(CaFile);
            if (certificates.Count == 0)
            {
                problem = $"'{CaFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
            }

            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
        catch (CryptographicException e)
        {
            problem = $"'{CaFile}' is not a PEM certificate file: {e.Message}";
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(CaFile)]);
        }
    }
}

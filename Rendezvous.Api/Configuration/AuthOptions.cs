using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Api.Configuration;

/// <summary>Authentication: configuration section <c>Rendezvous:Auth</c>.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Auth";

    /// <summary>Shortest bootstrap token accepted: 32 characters, e.g. 16 random bytes in hex.</summary>
    public const int MinimumTokenLength = 32;

    /// <summary>
    /// A bearer token that authenticates as the administrator. Meant for bootstrapping a
    /// deployment; per-user identities come on top of it.
    /// </summary>
    public string? BootstrapAdminToken { get; set; }

    /// <summary>A file holding the bootstrap token instead (a container secret).</summary>
    public string? BootstrapAdminTokenFile { get; set; }

    /// <summary>Whether reads (GET) are open to anonymous callers. Writes always need authentication.</summary>
    public bool AnonymousReads { get; set; } = true;

    /// <summary>HTTP Basic authentication by an LDAP bind (<c>Rendezvous:Auth:Ldap</c>); null, and Basic refused, when the section is absent.</summary>
    public LdapAuthOptions? Ldap { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BootstrapAdminToken is not null && BootstrapAdminTokenFile is not null)
        {
            yield return new ValidationResult("set BootstrapAdminToken or BootstrapAdminTokenFile, not both", [nameof(BootstrapAdminTokenFile)]);
            yield break;
        }

        if (BootstrapAdminTokenFile is not null && !File.Exists(BootstrapAdminTokenFile))
        {
            yield return new ValidationResult($"file '{BootstrapAdminTokenFile}' does not exist", [nameof(BootstrapAdminTokenFile)]);
            yield break;
        }

        var token = ResolveBootstrapAdminToken();
        if (token is not null && (token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace)))
        {
            // Never echo the token itself.
            var key = BootstrapAdminTokenFile is null ? nameof(BootstrapAdminToken) : nameof(BootstrapAdminTokenFile);
            yield return new ValidationResult($"the token must be at least {MinimumTokenLength} characters with no white space", [key]);
        }
    }

    /// <summary>The configured bootstrap token, from the value or the file; null when neither is set.</summary>
    public string? ResolveBootstrapAdminToken() =>
        BootstrapAdminTokenFile is null ? BootstrapAdminToken : File.ReadAllText(BootstrapAdminTokenFile).TrimEnd('\r', '\n');
}

using System.Collections.ObjectModel;
using System.ComponentModel.DataAnnotations;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Ldap;

/// <summary>Which object classes a directory speaks (see DESIGN.md, "Directory flavours").</summary>
public enum DirectoryFlavour
{
    /// <summary>ILS ([MS-TAIL]): rtConference / rtPerson under ou=Dynamic.</summary>
    Ils,

    /// <summary>Active Directory: msTAPI-RtConference / msTAPI-RtPerson.</summary>
    Ntds,
}

/// <summary>How Rendezvous authenticates to a directory.</summary>
public enum LdapBindMode
{
    Anonymous,
    Simple,
}

/// <summary>All configured directories: configuration section <c>Rendezvous:Directories</c>, a list (0, 1, ...).</summary>
public sealed class LdapDirectoryOptionsCollection : Collection<LdapDirectoryOptions>
{
    public const string Section = "Rendezvous:Directories";
}

/// <summary>One LDAP directory that conferences are published to and discovered in.</summary>
public sealed class LdapDirectoryOptions : IValidatableObject
{
    /// <summary>Short name used in the REST API, in health reports and in logs.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")]
    public string Name { get; set; } = "";

    /// <summary>
    /// ldap://host[:port] or ldaps://host[:port]; several space-separated URLs (libldap's
    /// convention) are tried in order until one answers. All must have the same scheme.
    /// </summary>
    [Required]
    public string Url { get; set; } = "";

    /// <summary>Transport security: LDAPS, StartTLS, trust anchors.</summary>
    public LdapTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// The advertising scopes of the conferences this directory receives; empty means all,
    /// including conferences that have no scope.
    /// </summary>
    public List<SdpAdvertisingScope> Scopes { get; set; } = [];

    /// <summary>
    /// The RDN sequence, relative to <see cref="BaseDn"/>, of the container that holds the
    /// conference and user objects. Null gives the flavour's layout: <c>ou=Dynamic</c> for
    /// ILS ([MS-TAIL]), "" (directly under the base, the TAPI partition itself) for NTDS.
    /// </summary>
    public string? Container { get; set; }

    public DirectoryFlavour Flavour { get; set; } = DirectoryFlavour.Ils;

    /// <summary>Where Rendezvous's objects live, e.g. <c>o=Intranet</c>.</summary>
    [Required]
    public string BaseDn { get; set; } = "";

    public LdapBindOptions Bind { get; set; } = new();

    /// <summary>Time allowed for connecting and for each operation.</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>Default TTL of dynamic objects (RFC 2589); TAPI's minimum is 300 s, RFC 2589's maximum 31557600 s.</summary>
    [Range(300, 31557600)]
    public int DefaultTtlSeconds { get; set; } = 3600;

    /// <summary>The DN under which objects are published and searched (one level).</summary>
    public string ObjectContainerDn
    {
        get
        {
            var container = Container ?? DefaultContainer(Flavour);
            return container.Length == 0 ? BaseDn : $"{container},{BaseDn}";
        }
    }

    /// <summary>The container a flavour uses when <see cref="Container"/> is not set.</summary>
    public static string DefaultContainer(DirectoryFlavour flavour) => flavour == DirectoryFlavour.Ils ? "ou=Dynamic" : "";

    /// <summary>The TLS mode in effect: ldaps:// URLs imply <see cref="LdapTlsMode.Ldaps"/>.</summary>
    public LdapTlsMode EffectiveTlsMode =>
        LdapEndpoint.TryParseList(Url, out var endpoints, out _) && endpoints[0].UseSsl ? LdapTlsMode.Ldaps : Tls.Mode;

    /// <summary>
    /// Whether a conference with this advertising scope is published here. A conference
    /// without a scope goes only to directories that receive every scope.
    /// </summary>
    public bool Receives(SdpAdvertisingScope? scope) =>
        Scopes.Count == 0 || (scope is { } s && Scopes.Contains(s));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Url))
        {
            if (!LdapEndpoint.TryParseList(Url, out var endpoints, out var error))
            {
                yield return new ValidationResult(error, [nameof(Url)]);
            }
            else if (endpoints[0].UseSsl && Tls.Mode == LdapTlsMode.StartTls)
            {
                yield return new ValidationResult("StartTLS cannot be used with ldaps:// URLs (they are TLS already); use ldap:// URLs or Mode=Ldaps",
                    [$"{nameof(Tls)}:{nameof(LdapTlsOptions.Mode)}"]);
            }
            else if (!endpoints[0].UseSsl && Tls.Mode == LdapTlsMode.Ldaps)
            {
                yield return new ValidationResult("Mode=Ldaps needs ldaps:// URLs (port 636 by default); ldap:// URLs with TLS mean Mode=StartTls",
                    [$"{nameof(Tls)}:{nameof(LdapTlsOptions.Mode)}"]);
            }
        }

        if (!string.IsNullOrWhiteSpace(BaseDn) && !BaseDn.Contains('=', StringComparison.Ordinal))
        {
            yield return new ValidationResult("must be a distinguished name such as o=Intranet", [nameof(BaseDn)]);
        }

        if (!string.IsNullOrEmpty(Container) && !Container.Contains('=', StringComparison.Ordinal))
        {
            yield return new ValidationResult("must be an RDN sequence relative to BaseDn, such as ou=Dynamic, or empty", [nameof(Container)]);
        }

        foreach (var scope in Scopes)
        {
            if (!Enum.IsDefined(scope))
            {
                yield return new ValidationResult($"'{scope}' is not an advertising scope; expected Local, Site, Region or World", [nameof(Scopes)]);
            }
        }
    }
}

/// <summary>Credentials for binding. The password comes from <see cref="Password"/> or from a file (a container secret).</summary>
public sealed class LdapBindOptions : IValidatableObject
{
    public LdapBindMode Mode { get; set; } = LdapBindMode.Anonymous;

    public string? Dn { get; set; }

    public string? Password { get; set; }

    public string? PasswordFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == LdapBindMode.Anonymous)
        {
            if (Dn is not null || Password is not null || PasswordFile is not null)
            {
                yield return new ValidationResult("Dn and passwords are only used with Mode=Simple", [nameof(Mode)]);
            }

            yield break;
        }

        if (string.IsNullOrWhiteSpace(Dn))
        {
            yield return new ValidationResult("is required when Mode=Simple", [nameof(Dn)]);
        }

        if ((Password is null) == (PasswordFile is null))
        {
            yield return new ValidationResult("set exactly one of Password and PasswordFile when Mode=Simple", [nameof(Password)]);
        }
        else if (PasswordFile is not null && !File.Exists(PasswordFile))
        {
            yield return new ValidationResult($"file '{PasswordFile}' does not exist", [nameof(PasswordFile)]);
        }
        else if (string.IsNullOrEmpty(ResolvePassword()))
        {
            // RFC 4513 section 5.1.2: a simple bind with an empty password is an
            // unauthenticated bind, which some servers accept as anonymous.
            yield return new ValidationResult("is empty; a simple bind needs a password", [PasswordFile is null ? nameof(Password) : nameof(PasswordFile)]);
        }
    }

    /// <summary>The password to bind with, read from the file each time so a rotated secret is picked up.</summary>
    public string? ResolvePassword() =>
        PasswordFile is null ? Password : File.ReadAllText(PasswordFile).TrimEnd('\r', '\n');
}

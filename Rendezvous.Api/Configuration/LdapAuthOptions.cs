using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Api.Configuration;

/// <summary>
/// HTTP Basic authentication checked by an LDAP bind: configuration section
/// <c>Rendezvous:Auth:Ldap</c>. Off unless the section is present. Users are found either
/// by a DN template (<see cref="UserDnTemplate"/>) or by a search with the directory's own
/// bind (<see cref="UserSearchBase"/> and <see cref="UserSearchFilter"/>); set exactly one.
/// </summary>
public sealed class LdapAuthOptions : IValidatableObject
{
    public const string Placeholder = "{0}";

    /// <summary>The <c>Name</c> of an entry in <c>Rendezvous:Directories</c> whose server checks the passwords.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>
    /// The user's DN with <c>{0}</c> for the user name, e.g. <c>uid={0},ou=People,o=Intranet</c>.
    /// The user name is escaped as a DN attribute value (RFC 4514 section 2.4), so <c>{0}</c>
    /// must be a whole attribute value.
    /// </summary>
    public string? UserDnTemplate { get; set; }

    /// <summary>Search-then-bind: where to look for the user, e.g. <c>ou=People,o=Intranet</c> (whole subtree).</summary>
    public string? UserSearchBase { get; set; }

    /// <summary>Search-then-bind: the filter, with <c>{0}</c> for the user name escaped per RFC 4515 section 3. Exactly one entry must match.</summary>
    public string UserSearchFilter { get; set; } = "(uid={0})";

    /// <summary>Optional: members of this group (its <c>member</c> or <c>uniqueMember</c> values) are administrators.</summary>
    public string? AdminGroupDn { get; set; }

    /// <summary>How long a successful bind is remembered, so that a client does not cost a bind per request. 0 turns the cache off.</summary>
    [Range(0, 3600)]
    public int CacheSeconds { get; set; } = 60;

    /// <summary>True in search-then-bind mode.</summary>
    public bool SearchesForUsers => UserSearchBase is not null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((UserDnTemplate is null) == (UserSearchBase is null))
        {
            yield return new ValidationResult("set exactly one of UserDnTemplate (bind with a DN built from the user name) and UserSearchBase (search for the user, then bind)", [nameof(UserDnTemplate)]);
        }

        if (UserDnTemplate is not null && TemplateProblem(UserDnTemplate) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(UserDnTemplate)]);
        }

        if (UserSearchBase is not null && !UserSearchBase.Contains('=', StringComparison.Ordinal))
        {
            yield return new ValidationResult("must be a distinguished name such as ou=People,o=Intranet", [nameof(UserSearchBase)]);
        }

        if (UserSearchBase is not null
            && !(UserSearchFilter.StartsWith('(') && UserSearchFilter.EndsWith(')') && UserSearchFilter.Contains(Placeholder, StringComparison.Ordinal)))
        {
            yield return new ValidationResult("must be an LDAP filter in parentheses with {0} for the user name, e.g. (uid={0})", [nameof(UserSearchFilter)]);
        }

        if (AdminGroupDn is not null && !AdminGroupDn.Contains('=', StringComparison.Ordinal))
        {
            yield return new ValidationResult("must be a distinguished name such as cn=rendezvous-admins,ou=Groups,o=Intranet", [nameof(AdminGroupDn)]);
        }
    }

    /// <summary>
    /// <c>{0}</c> must appear once and be a whole attribute value (after '=', before ',' or '+'
    /// or the end): RFC 4514 escapes a leading '#' or space and a trailing space only at the
    /// edges of a value, so a placeholder inside a value could not be escaped correctly.
    /// </summary>
    private static string? TemplateProblem(string template)
    {
        var at = template.IndexOf(Placeholder, StringComparison.Ordinal);
        if (at < 0 || template.IndexOf(Placeholder, at + 1, StringComparison.Ordinal) >= 0)
        {
            return "must contain {0} exactly once, e.g. uid={0},ou=People,o=Intranet";
        }

        var end = at + Placeholder.Length;
        if (at == 0 || template[at - 1] != '=' || (end < template.Length && template[end] is not (',' or '+')))
        {
            return "{0} must be a whole attribute value, e.g. uid={0},ou=People,o=Intranet";
        }

        return null;
    }
}

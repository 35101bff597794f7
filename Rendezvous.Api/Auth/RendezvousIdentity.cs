using System.Security.Claims;

namespace Rendezvous.Api.Auth;

/// <summary>
/// The claims every Rendezvous identity carries, whatever authenticated it (the bootstrap
/// token, an issued token, or an LDAP bind). Ownership of published objects is
/// keyed on <see cref="SubjectClaim"/>.
/// </summary>
public static class RendezvousClaims
{
    /// <summary>Stable owner key, e.g. "bootstrap-admin" or "ldap:uid=alice,ou=People,o=Intranet".</summary>
    public const string SubjectClaim = "sub";

    public const string NameClaim = "name";

    public const string RoleClaim = "role";

    public const string AdminRole = "admin";

    /// <summary>How the caller proved who it is: "bootstrap-token", "issued-token" or "ldap-bind".</summary>
    public const string MethodClaim = "amr";
}

/// <summary>The caller as the application sees it.</summary>
/// <param name="Subject">The owner key stored with everything the caller publishes.</param>
/// <param name="Name">A display name.</param>
/// <param name="IsAdmin">Whether the caller may change what others published.</param>
/// <param name="Method">How the caller authenticated.</param>
public sealed record CallerIdentity(string Subject, string Name, bool IsAdmin, string Method)
{
    /// <summary>Reads the identity from an authenticated principal; null for an anonymous caller.</summary>
    public static CallerIdentity? From(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue(RendezvousClaims.SubjectClaim);
        if (principal.Identity?.IsAuthenticated != true || subject is null)
        {
            return null;
        }

        return new CallerIdentity(
            subject,
            principal.FindFirstValue(RendezvousClaims.NameClaim) ?? subject,
            principal.IsInRole(RendezvousClaims.AdminRole),
            principal.FindFirstValue(RendezvousClaims.MethodClaim) ?? "unknown");
    }

    /// <summary>Builds the principal an authenticator hands to ASP.NET Core.</summary>
    public ClaimsPrincipal ToPrincipal(string authenticationScheme)
    {
        List<Claim> claims =
        [
            new(RendezvousClaims.SubjectClaim, Subject),
            new(RendezvousClaims.NameClaim, Name),
            new(RendezvousClaims.MethodClaim, Method),
        ];
        if (IsAdmin)
        {
            claims.Add(new Claim(RendezvousClaims.RoleClaim, RendezvousClaims.AdminRole));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationScheme, RendezvousClaims.NameClaim, RendezvousClaims.RoleClaim));
    }
}

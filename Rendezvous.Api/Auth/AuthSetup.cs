using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;

namespace Rendezvous.Api.Auth;

/// <summary>Authorization policies used on endpoints.</summary>
public static class RendezvousPolicies
{
    /// <summary>Any authenticated caller: needed for every write.</summary>
    public const string Writer = "writer";

    /// <summary>An administrator: may change what others published.</summary>
    public const string Admin = "admin";

    /// <summary>Reads: anyone, unless <c>Rendezvous:Auth:AnonymousReads</c> is false.</summary>
    public const string Reader = "reader";
}

/// <summary>Met by an authenticated caller, or by anyone while anonymous reads are allowed.</summary>
internal sealed class ReaderRequirement : IAuthorizationRequirement;

internal sealed class ReaderHandler(IOptionsMonitor<AuthOptions> options) : AuthorizationHandler<ReaderRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ReaderRequirement requirement)
    {
        if (options.CurrentValue.AnonymousReads || context.User.Identity?.IsAuthenticated == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

internal static class AuthSetup
{
    /// <summary>
    /// The default scheme: forwards each request to <see cref="BasicAuthenticationHandler"/>
    /// when its Authorization header says Basic, otherwise to <see cref="BearerTokenHandler"/>,
    /// so every endpoint and policy accepts either without naming a scheme.
    /// </summary>
    public const string DefaultScheme = "BearerOrBasic";

    public static IServiceCollection AddRendezvousAuth(this IServiceCollection services)
    {
        // The bootstrap token is asked first: it needs no database.
        services.AddSingleton<BootstrapAdminTokenValidator>();
        services.AddSingleton<IBearerTokenValidator>(sp => sp.GetRequiredService<BootstrapAdminTokenValidator>());
        services.AddSingleton<TokenStore>();
        services.AddSingleton<IBearerTokenValidator, IssuedTokenValidator>();

        services.AddSingleton<LdapCredentialCache>();
        services.AddSingleton<LdapBasicAuthenticator>();
        services.AddSingleton<IValidateOptions<AuthOptions>, LdapAuthDirectoryReference>();
        services.AddHostedService<LdapAuthStartupCheck>();

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Bearer token or HTTP Basic", options => options.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, configureOptions: null)
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(RendezvousPolicies.Writer, policy => policy.RequireAuthenticatedUser().RequireClaim(RendezvousClaims.SubjectClaim))
            .AddPolicy(RendezvousPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(RendezvousClaims.AdminRole))
            .AddPolicy(RendezvousPolicies.Reader, policy => policy.AddRequirements(new ReaderRequirement()));
        services.AddSingleton<IAuthorizationHandler, ReaderHandler>();
        return services;
    }

    /// <summary>Basic for "Authorization: Basic ..." (the scheme name is case-insensitive, RFC 9110 section 11.1); Bearer for anything else, including no header.</summary>
    internal static string SelectScheme(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString().AsSpan().TrimStart();
        var scheme = BasicAuthenticationHandler.SchemeName;
        return header.Length > scheme.Length && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header[scheme.Length] == ' '
            ? BasicAuthenticationHandler.SchemeName
            : BearerTokenHandler.SchemeName;
    }
}

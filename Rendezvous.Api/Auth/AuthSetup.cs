using Microsoft.AspNetCore.Authentication;

namespace Rendezvous.Api.Auth;

/// <summary>Authorization policies used on endpoints.</summary>
public static class RendezvousPolicies
{
    /// <summary>Any authenticated caller: needed for every write.</summary>
    public const string Writer = "writer";

    /// <summary>An administrator: may change what others published.</summary>
    public const string Admin = "admin";
}

internal static class AuthSetup
{
    public static IServiceCollection AddRendezvousAuth(this IServiceCollection services)
    {
        services.AddSingleton<BootstrapAdminTokenValidator>();
        services.AddSingleton<IBearerTokenValidator>(sp => sp.GetRequiredService<BootstrapAdminTokenValidator>());

        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(RendezvousPolicies.Writer, policy => policy.RequireAuthenticatedUser().RequireClaim(RendezvousClaims.SubjectClaim))
            .AddPolicy(RendezvousPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(RendezvousClaims.AdminRole));
        return services;
    }
}

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
    public static IServiceCollection AddRendezvousAuth(this IServiceCollection services)
    {
        services.AddSingleton<BootstrapAdminTokenValidator>();
        services.AddSingleton<IBearerTokenValidator>(sp => sp.GetRequiredService<BootstrapAdminTokenValidator>());

        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(RendezvousPolicies.Writer, policy => policy.RequireAuthenticatedUser().RequireClaim(RendezvousClaims.SubjectClaim))
            .AddPolicy(RendezvousPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(RendezvousClaims.AdminRole))
            .AddPolicy(RendezvousPolicies.Reader, policy => policy.AddRequirements(new ReaderRequirement()));
        services.AddSingleton<IAuthorizationHandler, ReaderHandler>();
        return services;
    }
}

using Microsoft.AspNetCore.Http.HttpResults;

namespace Rendezvous.Api.Auth;

internal static class AuthApi
{
    public sealed record WhoAmI(string Subject, string Name, bool IsAdmin, string Method);

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/auth").WithTags("Auth");

        group.MapGet("/whoami", Results<Ok<WhoAmI>, UnauthorizedHttpResult> (HttpContext context) =>
            CallerIdentity.From(context.User) is { } caller
                ? TypedResults.Ok(new WhoAmI(caller.Subject, caller.Name, caller.IsAdmin, caller.Method))
                : TypedResults.Unauthorized())
            .RequireAuthorization(RendezvousPolicies.Writer)
            .WithName("WhoAmI")
            .WithSummary("The authenticated caller: the owner key under which its writes are recorded.");
        endpoints.MapTokensApi();
        return endpoints;
    }
}

using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> authentication. No header means an anonymous
/// caller (reads are open); a token no validator knows is a failure. Challenges and
/// refusals are answered with RFC 7807 problem details.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IEnumerable<IBearerTokenValidator> validators,
    ApiMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !string.Equals(value.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(value.Parameter))
        {
            metrics.AuthenticationFailed("malformed");
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }

        foreach (var validator in validators)
        {
            var identity = await validator.ValidateAsync(value.Parameter, Context.RequestAborted).ConfigureAwait(false);
            if (identity is not null)
            {
                return AuthenticateResult.Success(new AuthenticationTicket(identity.ToPrincipal(SchemeName), SchemeName));
            }
        }

        // The token itself is never logged.
        metrics.AuthenticationFailed("unknown-token");
        Log.UnknownBearerToken(Logger, Request.Path);
        return AuthenticateResult.Fail("The bearer token is not valid.");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The result of this request's authentication, cached by the base class.
        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure;
        Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer realm=\"rendezvous\""
            : "Bearer realm=\"rendezvous\", error=\"invalid_token\"";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            failure?.Message ?? "This operation needs an authenticated caller: send 'Authorization: Bearer <token>'.").ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "The authenticated caller may not do this.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}

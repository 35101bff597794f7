using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Rendezvous.Api.Configuration;

namespace Rendezvous.Api.Auth;

/// <summary>
/// What the Bearer and Basic handlers share: one challenge that advertises every scheme
/// the service accepts (RFC 9110 section 11.6.1), RFC 7807 problem details for 401 and
/// 403, and 503 with Retry-After when the credentials could not be checked at all.
/// </summary>
internal abstract class RendezvousAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string Realm = "rendezvous";

    /// <summary>Seconds a client is asked to wait when a credential store is down.</summary>
    public const int RetryAfterSeconds = 5;

    private const string BearerChallenge = $"Bearer realm=\"{Realm}\"";

    // RFC 7617 section 2.1: the server accepts UTF-8 user names and passwords.
    private const string BasicChallenge = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";

    /// <summary>Whether HTTP Basic is configured (<c>Rendezvous:Auth:Ldap</c>). Only then is it advertised: a browser would otherwise prompt for a password that can never work.</summary>
    protected bool BasicEnabled => auth.CurrentValue.Ldap is not null;

    /// <summary>True when this handler's own credentials were refused, so that its challenge carries an error.</summary>
    protected virtual bool BearerTokenRefused(Exception? failure) => false;

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The result of this request's authentication, cached by the base class.
        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure;
        if (failure is CredentialsUnavailableException)
        {
            Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status503ServiceUnavailable, "Credentials cannot be checked right now", failure.Message).ConfigureAwait(false);
            return;
        }

        string[] challenges = BasicEnabled
            ? [BearerTokenRefused(failure) ? $"{BearerChallenge}, error=\"invalid_token\"" : BearerChallenge, BasicChallenge]
            : [BearerTokenRefused(failure) ? $"{BearerChallenge}, error=\"invalid_token\"" : BearerChallenge];
        Response.Headers.WWWAuthenticate = new StringValues(challenges);
        var hint = BasicEnabled
            ? "This operation needs an authenticated caller: send 'Authorization: Bearer <token>', or 'Authorization: Basic' with a directory user name and password."
            : "This operation needs an authenticated caller: send 'Authorization: Bearer <token>'.";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required", failure?.Message ?? hint).ConfigureAwait(false);
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

using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> authentication. No header means an anonymous
/// caller (reads are open); a token no validator knows is a failure; a validator that
/// cannot reach its store makes it 503. Challenges and refusals are answered with RFC 7807
/// problem details (see <see cref="RendezvousAuthenticationHandler"/>).
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth,
    IEnumerable<IBearerTokenValidator> validators,
    ApiMetrics metrics)
    : RendezvousAuthenticationHandler(options, loggerFactory, encoder, auth)
{
    public const string SchemeName = "Bearer";

    protected override bool BearerTokenRefused(Exception? failure) => failure is not null;

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
            return AuthenticateResult.Fail(BasicEnabled
                ? "The Authorization header must be 'Bearer <token>' or 'Basic <credentials>'."
                : "The Authorization header must be 'Bearer <token>'.");
        }

        foreach (var validator in validators)
        {
            CallerIdentity? identity;
            try
            {
                identity = await validator.ValidateAsync(value.Parameter, Context.RequestAborted).ConfigureAwait(false);
            }
            catch (CredentialsUnavailableException e)
            {
                metrics.AuthenticationFailed("token-store-unavailable");
                return AuthenticateResult.Fail(e);
            }

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
}

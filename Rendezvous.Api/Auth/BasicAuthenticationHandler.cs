using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Api.Auth;

/// <summary>
/// <c>Authorization: Basic</c> (RFC 7617) checked by an LDAP bind
/// (<see cref="LdapBasicAuthenticator"/>). A wrong password, an unknown user and an empty
/// password get the same answer; a directory that cannot be asked gets 503. Neither the
/// password nor the header is ever logged.
/// </summary>
internal sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth,
    LdapBasicAuthenticator authenticator,
    ApiMetrics metrics)
    : RendezvousAuthenticationHandler(options, loggerFactory, encoder, auth)
{
    public const string SchemeName = "Basic";

    /// <summary>The one answer to every refused user name and password, whatever the reason.</summary>
    public const string RefusedDetail = "The user name or password is not valid.";

    // RFC 7617 section 2.1: user-pass is UTF-8 here (the challenge says charset="UTF-8");
    // bytes that are not UTF-8 are refused rather than replaced.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!authenticator.IsEnabled)
        {
            metrics.AuthenticationFailed("basic-disabled");
            return AuthenticateResult.Fail("HTTP Basic authentication is not enabled on this service: send 'Authorization: Bearer <token>'.");
        }

        if (!TryReadCredentials(header, out var userName, out var password))
        {
            metrics.AuthenticationFailed("malformed");
            return AuthenticateResult.Fail("The Authorization header must be 'Basic ' followed by base64 of 'user-name:password' in UTF-8.");
        }

        var result = await authenticator.AuthenticateAsync(userName, password, Context.RequestAborted).ConfigureAwait(false);
        switch (result.Status)
        {
            case LdapLoginStatus.Authenticated:
                return AuthenticateResult.Success(new AuthenticationTicket(result.Identity!.ToPrincipal(SchemeName), SchemeName));
            case LdapLoginStatus.Unavailable:
                metrics.AuthenticationFailed("ldap-unavailable");
                return AuthenticateResult.Fail(new CredentialsUnavailableException("The directory that checks passwords cannot be reached; try again shortly, or use a bearer token."));
            default:
                // The reason goes to the log only: the caller must not learn whether the
                // user exists. The user name is not logged either (people type passwords into it).
                metrics.AuthenticationFailed("ldap-refused");
                Log.BasicCredentialsRefused(Logger, Request.Path, result.Reason);
                return AuthenticateResult.Fail(RefusedDetail);
        }
    }

    private static bool TryReadCredentials(string header, out string userName, out string password)
    {
        userName = password = "";
        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !string.Equals(value.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(value.Parameter))
        {
            return false;
        }

        var bytes = new byte[(value.Parameter.Length * 3 / 4) + 3];
        try
        {
            if (!Convert.TryFromBase64String(value.Parameter, bytes, out var length))
            {
                return false;
            }

            string text;
            try
            {
                text = StrictUtf8.GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            // RFC 7617 section 2: the user-id cannot contain a colon; the password may.
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }

            userName = text[..colon];
            password = text[(colon + 1)..];
            return true;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }
}

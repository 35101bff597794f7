namespace Rendezvous.Api.Auth;

/// <summary>
/// One way of turning a bearer token into an identity. The bearer handler asks each
/// registered validator in turn; the first that recognises the token wins. New kinds of
/// token are added as further validators, as <see cref="IssuedTokenValidator"/> is.
/// </summary>
public interface IBearerTokenValidator
{
    /// <summary>
    /// Returns the identity the token stands for, or null when this validator does not know
    /// the token (or knows it as expired or revoked). Throws
    /// <see cref="CredentialsUnavailableException"/> when its store cannot be asked, which the
    /// caller gets as 503 rather than 401.
    /// </summary>
    ValueTask<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken);
}

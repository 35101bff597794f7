namespace Rendezvous.Api.Auth;

/// <summary>
/// One way of turning a bearer token into an identity. The bearer handler asks each
/// registered validator in turn; the first that recognises the token wins. New kinds of
/// token (issued per user, stored in PostgreSQL) are added as further validators.
/// </summary>
public interface IBearerTokenValidator
{
    /// <summary>Returns the identity the token stands for, or null when this validator does not know the token.</summary>
    ValueTask<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken);
}

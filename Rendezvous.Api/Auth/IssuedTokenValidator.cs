using Npgsql;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Api.Auth;

/// <summary>
/// Accepts tokens issued through <c>/api/tokens</c>: well-formed (<see cref="IssuedTokenFormat"/>),
/// known by their hash, not revoked and not expired. Nothing is cached, so a revocation
/// takes effect on the next request, on every instance. Tokens are never logged; their ids are.
/// </summary>
internal sealed class IssuedTokenValidator(TokenStore store, TimeProvider time, ApiMetrics metrics, ILogger<IssuedTokenValidator> logger) : IBearerTokenValidator
{
    public const string Method = "issued-token";

    /// <summary>last_used_at is written at most this often per token.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public async ValueTask<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        // Other kinds of token (the bootstrap token, anything else) are not ours, and never cost a query.
        if (!IssuedTokenFormat.IsWellFormed(token))
        {
            return null;
        }

        IssuedToken? issued;
        try
        {
            issued = await store.FindBySha256Async(IssuedTokenFormat.Hash(token), cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            // PostgreSQL down, or its schema not migrated yet (undefined table).
            Log.TokenStoreUnavailable(logger, e);
            throw new CredentialsUnavailableException("The token store cannot be reached; try again shortly.", e);
        }

        if (issued is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (issued.RevokedAt is not null || issued.ExpiresAt <= now)
        {
            metrics.AuthenticationFailed(issued.RevokedAt is null ? "expired-token" : "revoked-token");
            Log.IssuedTokenRefused(logger, issued.Id, issued.StatusAt(now));
            return null;
        }

        if (issued.LastUsedAt is not { } lastUsed || now - lastUsed >= TouchInterval)
        {
            try
            {
                await store.TouchAsync(issued.Id, now, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                // Bookkeeping only: the token was found valid, so the request goes on.
                Log.TokenTouchFailed(logger, e, issued.Id);
            }
        }

        return new CallerIdentity(issued.Subject, issued.Name, issued.IsAdmin, Method);
    }
}

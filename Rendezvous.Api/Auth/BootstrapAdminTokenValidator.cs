using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;

namespace Rendezvous.Api.Auth;

/// <summary>Accepts the configured bootstrap token (<c>Rendezvous:Auth:BootstrapAdminToken</c>) as the administrator.</summary>
internal sealed class BootstrapAdminTokenValidator : IBearerTokenValidator
{
    public const string Subject = "bootstrap-admin";

    private static readonly CallerIdentity Admin = new(Subject, "Bootstrap administrator", IsAdmin: true, Method: "bootstrap-token");

    // Only the hash is kept: comparing fixed-length digests in constant time hides both
    // the token and its length from timing.
    private readonly byte[]? _tokenHash;

    public BootstrapAdminTokenValidator(IOptions<AuthOptions> options)
    {
        var token = options.Value.ResolveBootstrapAdminToken();
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public bool IsConfigured => _tokenHash is not null;

    public ValueTask<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (_tokenHash is null)
        {
            return ValueTask.FromResult<CallerIdentity?>(null);
        }

        var candidate = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(candidate, _tokenHash) ? Admin : null);
    }
}

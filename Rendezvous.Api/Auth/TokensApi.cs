using Microsoft.AspNetCore.Http.HttpResults;


namespace Rendezvous.Api.Auth;

/// <summary>An issued token as listed: never the secret, never its hash.</summary>
/// <param name="Status">"active", "expired" or "revoked".</param>
public sealed record TokenResponse(
    Guid Id,
    string Name,
    string Subject,
    bool IsAdmin,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    string Status);

/// <summary>A newly issued token: the only time the secret is ever shown.</summary>
/// <param name="Token">The bearer token; send it as <c>Authorization: Bearer &lt;token&gt;</c>. It cannot be shown again.</param>
public sealed record IssuedTokenResponse(
    Guid Id,
    string Name,
    string Subject,
    bool IsAdmin,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    string Token);

public sealed record TokenListResponse(IReadOnlyList<TokenResponse> Tokens);

/// <summary>/api/tokens: administrators issue, list and revoke bearer tokens for automation.</summary>
internal static class TokensApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";
    private const string LogCategory = "Rendezvous.Api.Auth.TokensApi";

    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/tokens")
            .WithTags("Tokens")
            .RequireAuthorization(RendezvousPolicies.Admin);

        group.MapPost("/", IssueAsync)
            .WithName("IssueToken")
            .WithSummary("Issues a bearer token acting as a subject; the token is in this response only.");
        group.MapGet("/", ListAsync)
            .WithName("ListTokens")
            .WithSummary("Every issued token with its status; never the secrets.");
        group.MapGet("/{id:guid}", GetAsync)
            .WithName("GetToken")
            .WithSummary("One issued token; never its secret.");
        group.MapDelete("/{id:guid}", RevokeAsync)
            .WithName("RevokeToken")
            .WithSummary("Revokes a token: it stops working at once. Revoking a revoked token is not an error.");
        return endpoints;
    }

    private static async Task<IResult> IssueAsync(HttpContext http, TokenStore store, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (!RequestBodies.IsJson(request))
        {
            return TypedResults.Problem(
                title: "Unsupported content type.", detail: $"Send application/json, not '{request.ContentType ?? "(none)"}'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, type: TypeBase + "unsupported-media-type");
        }

        var body = await RequestBodies.ReadLimitedAsync(request, TokenRequest.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem(
                title: "The body is too large.", detail: $"At most {TokenRequest.MaxBodyBytes} bytes are accepted.",
                statusCode: StatusCodes.Status413PayloadTooLarge, type: TypeBase + "too-large");
        }

        var now = time.GetUtcNow();
        if (TokenRequest.TryParse(body, now, out var errors) is not { } parsed)
        {
            return TypedResults.ValidationProblem(errors, title: "The token request is not valid.", type: TypeBase + "invalid-token-request");
        }

        var caller = CallerIdentity.From(http.User)!;
        var secret = IssuedTokenFormat.NewToken();
        var issued = new IssuedToken(Guid.CreateVersion7(now), parsed.Name, parsed.Subject, parsed.IsAdmin, caller.Subject, now, parsed.ExpiresAt, null, null);
        await store.InsertAsync(issued, IssuedTokenFormat.Hash(secret), cancellationToken).ConfigureAwait(false);
        Log.TokenIssued(loggers.CreateLogger(LogCategory), issued.Id, issued.Subject, issued.IsAdmin, issued.CreatedBy);

        // RFC 9111 section 5.2.2.5: the secret must not be kept by any cache on the way.
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/tokens/{issued.Id}", new IssuedTokenResponse(
            issued.Id, issued.Name, issued.Subject, issued.IsAdmin, issued.CreatedBy, issued.CreatedAt, issued.ExpiresAt, secret));
    }

    private static async Task<Ok<TokenListResponse>> ListAsync(TokenStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tokens = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new TokenListResponse([.. tokens.Select(t => Response(t, now))]));
    }

    private static async Task<IResult> GetAsync(Guid id, TokenStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } token
            ? TypedResults.Ok(Response(token, time.GetUtcNow()))
            : NotFound(id);

    private static async Task<IResult> RevokeAsync(HttpContext http, Guid id, TokenStore store, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var outcome = await store.RevokeAsync(id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (outcome == RevokeOutcome.NotFound)
        {
            return NotFound(id);
        }

        if (outcome == RevokeOutcome.Revoked)
        {
            Log.TokenRevoked(loggers.CreateLogger(LogCategory), id, CallerIdentity.From(http.User)!.Subject);
        }

        return TypedResults.NoContent();
    }

    private static TokenResponse Response(IssuedToken t, DateTimeOffset now) =>
        new(t.Id, t.Name, t.Subject, t.IsAdmin, t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, t.StatusAt(now));

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(
        title: "No such token.", detail: $"There is no token {id}.", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "token-not-found",
        extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["id"] = [$"no token has id {id}"] } });
}

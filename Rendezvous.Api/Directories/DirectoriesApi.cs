using System.DirectoryServices.Protocols;
using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Conferences;
using Rendezvous.Api.Health;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Publishing;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Directories;

/// <summary>
/// /api/directories (ITRendezvous's default directories and ITDirectory.EnumerateDirectoryObjects)
/// and /api/users (ITDirectoryObjectUser).
/// </summary>
internal static class DirectoriesApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    public static IEndpointRouteBuilder MapDirectoriesApi(this IEndpointRouteBuilder endpoints)
    {
        var directories = endpoints.MapGroup("/api/directories").WithTags("Directories");
        directories.MapGet("/", ListAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListDirectories")
            .WithSummary("The configured directories, with their live state and what their publisher has done.");
        directories.MapGet("/{name}/objects", ObjectsAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListDirectoryObjects")
            .WithSummary("Conferences or users found in a directory now, whoever published them; paged with an opaque cursor.");

        var users = endpoints.MapGroup("/api/users").WithTags("Users");
        users.MapPost("/", RegisterAsync)
            .RequireAuthorization(RendezvousPolicies.Writer)
            .RequireRateLimiting(ConferencesApi.WritesRateLimit)
            .WithName("RegisterUser")
            .WithSummary("Publishes a user (name and IP phone) in every directory while the registration lasts; registering again renews it.");
        users.MapGet("/", ListUsersAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListUsers")
            .WithSummary("The current user registrations.");
        users.MapDelete("/{name}", UnregisterAsync)
            .RequireAuthorization(RendezvousPolicies.Writer)
            .RequireRateLimiting(ConferencesApi.WritesRateLimit)
            .WithName("UnregisterUser")
            .WithSummary("Ends a registration (its owner or an administrator); the directories' entries are removed.");
        return endpoints;
    }

    private static async Task<IResult> ListAsync(IOptions<LdapDirectoryOptionsCollection> configured, DirectoryProbes probes, DirectoryPublishing publishing, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var counts = await PublicationCountsAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var list = new List<DirectoryResponse>();
        foreach (var d in configured.Value)
        {
            var probe = await probes.ProbeAsync(d).WaitAsync(cancellationToken).ConfigureAwait(false);
            var state = publishing.State(d.Name);
            var count = counts.GetValueOrDefault(d.Name);
            list.Add(new DirectoryResponse(
                d.Name, d.Url, d.Flavour.ToString().ToLowerInvariant(), d.BaseDn, d.ObjectContainerDn, d.EffectiveTlsMode.ToString().ToLowerInvariant(),
                [.. d.Scopes.Select(s => s.ToString().ToLowerInvariant())], d.DefaultTtlSeconds,
                probe.Reachable, probe.Detail,
                DirectorySetup.Publishes(d)
                    ? new PublisherResponse(state?.Connected ?? false, state?.LastSuccessAt, state?.LastFailureAt, state?.LastError, count.Pending, count.Published, count.Conflicts)
                    : null));
        }

        return TypedResults.Ok(list);
    }

    private static async Task<Dictionary<string, (long Pending, long Published, long Conflicts)>> PublicationCountsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT directory, sum(pending), sum(published), sum(conflicts) FROM (
                SELECT directory, count(*) AS pending, 0 AS published, 0 AS conflicts FROM directory.outbox GROUP BY directory
                UNION ALL
                SELECT directory, 0, count(*) FILTER (WHERE state = 'published'), count(*) FILTER (WHERE state = 'conflict') FROM directory.published GROUP BY directory
            ) c GROUP BY directory
            """);
        var counts = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = ((long)reader.GetDecimal(1), (long)reader.GetDecimal(2), (long)reader.GetDecimal(3));
        }

        return counts;
    }

    private static async Task<IResult> ObjectsAsync(string name, HttpContext http, DirectorySearches searches, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        if (searches.For(name) is not { } search)
        {
            return TypedResults.Problem(title: "No such directory.", detail: $"No directory named '{name}' is configured; GET /api/directories lists them.",
                statusCode: StatusCodes.Status404NotFound, type: TypeBase + "no-such-directory");
        }

        var kind = DirectoryObjectKind.Conference;
        if (query["type"].ToString() is { Length: > 0 } type && !Enum.TryParse(type, ignoreCase: true, out kind))
        {
            return Problems.BadParameter("type", "must be conference or user");
        }

        var limit = 50;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 1 || limit > 500))
        {
            return Problems.BadParameter("limit", "must be a whole number from 1 to 500");
        }

        var prefix = query["name"].ToString() is { Length: > 0 } n ? n : null;
        if (prefix is not null && prefix.TrimEnd('*').Contains('*', StringComparison.Ordinal))
        {
            return Problems.BadParameter("name", "only a trailing '*' is a wildcard");
        }

        var cursor = query["cursor"].ToString();
        try
        {
            // System.DirectoryServices.Protocols blocks; keep it off the request thread.
            var page = await Task.Run(
                () => cursor.Length > 0 ? search.Continue(cursor) : search.Start(kind, prefix?.TrimEnd('*'), limit),
                cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(new DirectoryObjectsResponse([.. page.Objects.Select(ObjectResponse.From)], page.ContinuationToken));
        }
        catch (PagedSearchExpiredException)
        {
            return Problems.BadParameter("cursor", "is unknown, was used already, or expired; start the listing again without it");
        }
        catch (PagedSearchLimitException e)
        {
            return TypedResults.Problem(title: "Too many listings at once.", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, type: TypeBase + "busy");
        }
        catch (Exception e) when (e is LdapException or DirectoryException)
        {
            return TypedResults.Problem(title: "The directory is unavailable.", detail: $"Directory '{name}': {e.Message}",
                statusCode: StatusCodes.Status503ServiceUnavailable, type: TypeBase + "directory-unavailable");
        }
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, UserRegistry users, IOptions<Configuration.LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(http.User)!;
        var (request, problem) = await RequestBodies.ReadJsonAsync<UserRequest>(http, limits.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (request is null || string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 256 || request.Name.Any(char.IsControl))
        {
            errors["name"] = ["is required: 1-256 characters, no control characters"];
        }

        if (request?.IpPhone is not { Length: > 0 } phone || !(IPAddress.TryParse(phone, out _) || Uri.CheckHostName(phone) == UriHostNameType.Dns))
        {
            errors["ipPhone"] = ["is required: an IP address or a DNS host name (TAPI's IPPhonePrimary)"];
        }

        var seconds = request?.RegistrationSeconds ?? 3600;
        if (seconds is < 60 or > 7 * 86400)
        {
            errors["registrationSeconds"] = ["must be from 60 to 604800"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The user is not valid.", type: TypeBase + "invalid-user");
        }

        var (status, user) = await users.RegisterAsync(request!.Name!.Trim(), request.IpPhone!, TimeSpan.FromSeconds(seconds), caller.Subject, caller.IsAdmin, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            UserWriteStatus.NotOwner => TypedResults.Problem(title: "Forbidden.", detail: $"'{user!.Name}' is registered by someone else until {user.RegisteredUntil:O}.",
                statusCode: StatusCodes.Status403Forbidden, type: TypeBase + "not-owner"),
            UserWriteStatus.Created => TypedResults.Created($"/api/users/{Uri.EscapeDataString(user!.Name)}", UserResponse.From(user)),
            _ => TypedResults.Ok(UserResponse.From(user!)),
        };
    }

    private static async Task<IResult> ListUsersAsync(UserRegistry users, CancellationToken cancellationToken) =>
        TypedResults.Ok((await users.ListAsync(cancellationToken).ConfigureAwait(false)).Select(UserResponse.From).ToList());

    private static async Task<IResult> UnregisterAsync(string name, HttpContext http, UserRegistry users, CancellationToken cancellationToken)
    {
        var caller = CallerIdentity.From(http.User)!;
        if (await users.GetAsync(name, cancellationToken).ConfigureAwait(false) is not { } user)
        {
            return TypedResults.Problem(title: "No such user.", detail: $"'{name}' is not registered.", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");
        }

        if (user.Owner != caller.Subject && !caller.IsAdmin)
        {
            return TypedResults.Problem(title: "Forbidden.", detail: $"Only the owner of '{name}' or an administrator may end its registration.",
                statusCode: StatusCodes.Status403Forbidden, type: TypeBase + "not-owner");
        }

        await users.DeleteAsync(user.Id, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}

internal sealed record UserRequest(string? Name, string? IpPhone, int? RegistrationSeconds);

internal sealed record UserResponse(string Name, string IpPhone, string Owner, DateTimeOffset RegisteredUntil, DateTimeOffset CreatedAt)
{
    public static UserResponse From(RegisteredUser u) => new(u.Name, u.IpPhone, u.Owner, u.RegisteredUntil, u.CreatedAt);
}

internal sealed record PublisherResponse(bool Connected, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError, long Pending, long Published, long Conflicts);

internal sealed record DirectoryResponse(
    string Name, string Url, string Flavour, string BaseDn, string Container, string Tls, IReadOnlyList<string> Scopes, int DefaultTtlSeconds,
    bool Reachable, string? Detail, PublisherResponse? Publisher);

internal sealed record DirectoryObjectsResponse(IReadOnlyList<ObjectResponse> Items, string? Next);

internal sealed record ObjectResponse(
    string Type, string Dn, string Name, int? TtlSeconds,
    string? Protocol, string? Originator, string? Description, DateTimeOffset? Start, DateTimeOffset? Stop, string? AdvertisingScope, string? Url,
    string? Sdp, SdpJson.Description? Session, IReadOnlyList<string> Errors, IReadOnlyList<string> IpAddresses)
{
    public static ObjectResponse From(DiscoveredObject o) => new(
        o.Kind.ToString().ToLowerInvariant(), o.Dn, o.Name, o.TtlSeconds,
        o.Protocol, o.Originator, o.GeneralDescription, o.StartTime, o.StopTime, o.AdvertisingScope?.ToString().ToLowerInvariant(), o.Url,
        o.BlobText, o.Description is null ? null : SdpJson.From(o.Description), o.BlobErrors, o.IpAddresses);
}

using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Conferences;
using Rendezvous.Madcap;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Api.Madcap;

/// <summary>/api/madcap/scopes: the scopes the MADCAP server allocates from, editable by administrators.</summary>
internal static class MadcapApi
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    public static IEndpointRouteBuilder MapMadcapApi(this IEndpointRouteBuilder endpoints)
    {
        var scopes = endpoints.MapGroup("/api/madcap/scopes").WithTags("MADCAP");
        scopes.MapGet("/", ListAsync)
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithName("ListMadcapScopes")
            .WithSummary("The multicast scopes the MADCAP server allocates from, smallest Scope ID first.");
        scopes.MapPost("/", CreateAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("CreateMadcapScope")
            .WithSummary("Adds a scope (administrators).");
        scopes.MapPut("/{first}", ReplaceAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("ReplaceMadcapScope")
            .WithSummary("Changes a scope's TTL, names, lease limits and exclusions; needs If-Match with its version (administrators).");
        endpoints.MapGet("/api/madcap/stats", (Rendezvous.Madcap.Server.MadcapStats stats, LeaseStore store) => TypedResults.Ok(stats.Snapshot() with { GroupCommit = store.GroupCommitStats() }))
            .RequireAuthorization(RendezvousPolicies.Reader)
            .WithTags("MADCAP")
            .WithName("MadcapStats")
            .WithSummary("The MADCAP server's counters (after RFC 3559's MIB): messages by type, NAKs, invalid, denied by quota, clock skews, unknown lease identifiers; exchange durations; the group commit's batches, waits and writes.");
        scopes.MapDelete("/{first}", DeleteAsync)
            .RequireAuthorization(RendezvousPolicies.Admin)
            .WithName("DeleteMadcapScope")
            .WithSummary("Removes a scope that holds no lease (administrators).");
        return endpoints;
    }

    private static async Task<IResult> ListAsync(LeaseStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ScopesAsync(cancellationToken).ConfigureAwait(false)).Select(ScopeResponse.From).ToList());

    private static async Task<IResult> CreateAsync(HttpContext http, LeaseStore store, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBodies.ReadJsonAsync<MadcapScopeOptions>(http, limits.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (!body.TryBuild(out var scope, out var problems))
        {
            return Invalid(problems);
        }

        if (!await store.CreateScopeAsync(scope! with { Id = Guid.CreateVersion7() }, cancellationToken).ConfigureAwait(false))
        {
            return TypedResults.Problem(title: "The scope overlaps another.", detail: $"{scope!.First}-{scope.Last} overlaps a scope that exists; change or delete that one.",
                statusCode: StatusCodes.Status409Conflict, type: TypeBase + "scope-overlap");
        }

        var stored = (await store.ScopeAsync(scope!.First, cancellationToken).ConfigureAwait(false))!;
        http.Response.Headers.ETag = $"\"{stored.Version}\"";
        return TypedResults.Created($"/api/madcap/scopes/{stored.First}", ScopeResponse.From(stored));
    }

    private static async Task<IResult> ReplaceAsync(string first, HttpContext http, LeaseStore store, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(first, out var address))
        {
            return Problems.BadParameter("first", "must be the scope's first address");
        }

        if (!long.TryParse(http.Request.Headers.IfMatch.ToString().Trim('"'), out var expected))
        {
            return Problems.PreconditionRequired();
        }

        if (await store.ScopeAsync(address, cancellationToken).ConfigureAwait(false) is not { } existing)
        {
            return NotFound(address);
        }

        var (body, problem) = await RequestBodies.ReadJsonAsync<MadcapScopeOptions>(http, limits.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        body.First = existing.First.ToString();
        body.Last = existing.Last.ToString();
        if (!body.TryBuild(out var scope, out var problems))
        {
            return Invalid(problems);
        }

        if (await store.UpdateScopeAsync(scope! with { Id = existing.Id }, expected, cancellationToken).ConfigureAwait(false) is not { } updated)
        {
            return Problems.PreconditionFailed(existing.Version);
        }

        http.Response.Headers.ETag = $"\"{updated.Version}\"";
        return TypedResults.Ok(ScopeResponse.From(updated));
    }

    private static async Task<IResult> DeleteAsync(string first, LeaseStore store, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(first, out var address))
        {
            return Problems.BadParameter("first", "must be the scope's first address");
        }

        return await store.DeleteScopeAsync(address, cancellationToken).ConfigureAwait(false) switch
        {
            null => NotFound(address),
            true => TypedResults.NoContent(),
            false => TypedResults.Problem(title: "The scope holds leases.", detail: "Release its leases or let them expire first.",
                statusCode: StatusCodes.Status409Conflict, type: TypeBase + "scope-in-use"),
        };
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Invalid(IEnumerable<(string Field, string Message)> problems) =>
        TypedResults.ValidationProblem(
            problems.GroupBy(p => char.ToLowerInvariant(p.Field[0]) + p.Field[1..]).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
            title: "The scope is not valid.", type: TypeBase + "invalid-scope");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(IPAddress first) => TypedResults.Problem(title: "No such scope.", detail: $"No scope starts at {first}.",
        statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");
}

internal sealed record ScopeNameResponse(string Language, string Name, bool IsDefault);

internal sealed record RangeResponse(string First, string Last);

internal sealed record ScopeResponse(
    string First, string Last, int Ttl, IReadOnlyList<ScopeNameResponse> Names, int DefaultLeaseSeconds, int MaxLeaseSeconds,
    IReadOnlyList<RangeResponse> Exclusions, string ServerGroup, RangeResponse RelativeAssignmentBlock, long Version)
{
    public static ScopeResponse From(MadcapScope s) => new(
        s.First.ToString(), s.Last.ToString(), s.Ttl, [.. s.Names.Select(n => new ScopeNameResponse(n.Language, n.Name, n.IsDefault))],
        (int)s.DefaultLease.TotalSeconds, (int)s.MaxLease.TotalSeconds, [.. s.Exclusions.Select(x => new RangeResponse(x.First.ToString(), x.Last.ToString()))],
        s.ServerGroup.ToString(), new RangeResponse(MadcapScope.Offset(s.LastAllocatable, 1).ToString(), s.Last.ToString()), s.Version);
}

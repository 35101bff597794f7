using System.ComponentModel.DataAnnotations;
using System.Net;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Madcap;

/// <summary>The MADCAP server (RFC 2730): configuration section <c>Rendezvous:Madcap</c>.</summary>
public sealed class MadcapOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Madcap";

    /// <summary>RFC 2730 section 2.1: MADCAP's well-known UDP port is 2535.</summary>
    public const int WellKnownPort = 2535;

    /// <summary>UDP port the server listens on (0: a free port, for tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = WellKnownPort;

    /// <summary>Whether this instance runs the MADCAP server (the lease store and scopes API work either way).</summary>
    public bool ServerEnabled { get; set; } = true;

    /// <summary>Whether the server also joins each scope's MADCAP server group on the interfaces of <see cref="ListenAddresses"/> (section 2.10).</summary>
    public bool JoinServerGroups { get; set; } = true;

    /// <summary>Where conferences with "auto" connections get their addresses: this MADCAP client (default) or nowhere ("auto" refused).</summary>
    public bool ConferenceAddresses { get; set; } = true;

    /// <summary>The MADCAP server conferences lease from (HOST:PORT); this instance's own server when unset.</summary>
    public string? ConferenceServer { get; set; }

    /// <summary>The MADCAP scope (its first address) for each advertising scope of a conference.</summary>
    public ConferenceScopeOptions ConferenceScopes { get; set; } = new();

    /// <summary>The address in the Server Identifier option; the first listen address when unset.</summary>
    public string? ServerIdentifier { get; set; }

    /// <summary>Local addresses to listen on; loopback by default, so nothing is exposed unless asked for.</summary>
    public List<string> ListenAddresses { get; } = [];

    /// <summary>
    /// Scopes stored at start-up when the database has none with the same first address (later
    /// edits go through <c>/api/madcap/scopes</c> and are kept). Empty: the IPv4 local scope
    /// 239.255.0.0/16 (TTL 16) and the organization-local scope 239.192.0.0/14 (TTL 32).
    /// </summary>
    public List<MadcapScopeOptions> Scopes { get; } = [];

    /// <summary>RFC 2730 section 2.12's [EXTRA-ALLOCATION-TIME]: how long each address is reserved before and after its lease.</summary>
    [Range(0, 86400)]
    public int ExtraAllocationSeconds { get; set; } = 3600;

    /// <summary>Most addresses one lease may hold.</summary>
    [Range(1, 1024)]
    public int MaxAddressesPerLease { get; set; } = 16;

    /// <summary>Most addresses the current leases of one client (source address) may hold; refusals are counted.</summary>
    [Range(1, 1_000_000)]
    public int MaxAddressesPerClient { get; set; } = 256;

    /// <summary>
    /// Most PostgreSQL connections the lease store uses at once. Requests beyond it wait for a
    /// connection; a few connections keep the two-core box busy with less contention than many
    /// (commits still share WAL flushes).
    /// </summary>
    [Range(1, 1000)]
    public int DatabaseConnections { get; set; } = 8;

    /// <summary>
    /// Group commit: how many batches of leases (of an offer's or a pool's addresses) may be in
    /// flight at once, each one transaction and one WAL flush, each lease answered after its
    /// batch commits. Fewer writers make bigger batches (less PostgreSQL work per lease, a longer
    /// wait for each); 0 turns group commit off (one commit per lease). Each writer holds one of
    /// <see cref="DatabaseConnections"/> while it writes, so there must be fewer writers than connections.
    /// </summary>
    [Range(0, 64)]
    public int GroupCommitWriters { get; set; } = 2;

    /// <summary>How often expired leases and lapsed offers are reclaimed.</summary>
    [Range(1, 86400)]
    public int ReclaimIntervalSeconds { get; set; } = 60;

    /// <summary>The scopes in effect: the configured ones, or the two defaults.</summary>
    public IReadOnlyList<MadcapScopeOptions> EffectiveScopes => Scopes.Count > 0 ? Scopes :
    [
        new() { First = "239.255.0.0", Last = "239.255.255.255", Ttl = 16, Names = { new() { Language = "en", Name = "Local scope", IsDefault = true } } },
        new() { First = "239.192.0.0", Last = "239.195.255.255", Ttl = 32, Names = { new() { Language = "en", Name = "Organization-local scope", IsDefault = true } } },
    ];

    /// <summary>The scopes in effect, built; they were validated at start-up, so a bad one here is a bug.</summary>
    public IReadOnlyList<MadcapScope> BuildScopes() =>
        [.. EffectiveScopes.Select(s => s.TryBuild(out var scope, out var problems) ? scope! : throw new InvalidOperationException($"a scope passed validation but does not build: {problems[0].Message}"))];

    /// <summary>The addresses in effect: the configured ones, or IPv4 loopback when none are configured.</summary>
    public IReadOnlyList<string> EffectiveListenAddresses => ListenAddresses.Count > 0 ? ListenAddresses : ["127.0.0.1"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GroupCommitWriters >= DatabaseConnections)
        {
            // Each writer holds a connection while it writes; offers, renewals and the candidate search need one too.
            yield return new ValidationResult(
                $"GroupCommitWriters ({GroupCommitWriters}) must be fewer than DatabaseConnections ({DatabaseConnections})", [nameof(GroupCommitWriters)]);
        }

        for (var i = 0; i < ListenAddresses.Count; i++)
        {
            if (!IPAddress.TryParse(ListenAddresses[i], out _))
            {
                yield return new ValidationResult($"'{ListenAddresses[i]}' is not an IP address", [$"{nameof(ListenAddresses)}:{i}"]);
            }
        }

        if (ConferenceServer is not null && !IPEndPoint.TryParse(ConferenceServer, out _))
        {
            yield return new ValidationResult($"'{ConferenceServer}' is not HOST:PORT with an IP address", [nameof(ConferenceServer)]);
        }

        foreach (var (name, value) in ConferenceScopes.All())
        {
            if (value is not null && !IPAddress.TryParse(value, out _))
            {
                yield return new ValidationResult($"'{value}' is not an IP address", [$"{nameof(ConferenceScopes)}:{name}"]);
            }
        }

        if (ServerIdentifier is not null && !IPAddress.TryParse(ServerIdentifier, out _))
        {
            yield return new ValidationResult($"'{ServerIdentifier}' is not an IP address", [nameof(ServerIdentifier)]);
        }

        for (var i = 0; i < Scopes.Count; i++)
        {
            if (!Scopes[i].TryBuild(out _, out var problems))
            {
                foreach (var (field, message) in problems)
                {
                    yield return new ValidationResult(message, [$"{nameof(Scopes)}:{i}:{field}"]);
                }
            }
        }
    }
}

/// <summary>One configured scope (<c>Rendezvous:Madcap:Scopes:N</c>).</summary>
public sealed class MadcapScopeOptions
{
    /// <summary>The first address: the Scope ID.</summary>
    public string First { get; set; } = "";

    public string Last { get; set; } = "";

    public int Ttl { get; set; } = 16;

    public List<MadcapScopeNameOptions> Names { get; set; } = [];

    public int DefaultLeaseSeconds { get; set; } = 3600;

    public int MaxLeaseSeconds { get; set; } = 30 * 86400;

    public List<MadcapRangeOptions> Exclusions { get; set; } = [];

    /// <summary>The scope, or the problems (configuration field names, as in <c>First</c>, <c>Names</c>).</summary>
    public bool TryBuild(out MadcapScope? scope, out List<(string Field, string Message)> problems)
    {
        problems = [];
        scope = null;
        if (!IPAddress.TryParse(First, out var first))
        {
            problems.Add((nameof(First), $"'{First}' is not an IP address"));
        }

        if (!IPAddress.TryParse(Last, out var last))
        {
            problems.Add((nameof(Last), $"'{Last}' is not an IP address"));
        }

        if (Ttl is < 1 or > 255)
        {
            problems.Add((nameof(Ttl), "must be from 1 to 255"));
        }

        var exclusions = new List<AddressRange>();
        foreach (var x in Exclusions)
        {
            if (IPAddress.TryParse(x.First, out var a) && IPAddress.TryParse(x.Last, out var b))
            {
                exclusions.Add(new AddressRange(a, b));
            }
            else
            {
                problems.Add((nameof(Exclusions), $"'{x.First}'-'{x.Last}' is not a range of IP addresses"));
            }
        }

        if (first is null || last is null)
        {
            return false;
        }

        // Every other rule is checked too, so that one answer names every problem.
        var built = new MadcapScope(first, last, (byte)Math.Clamp(Ttl, 1, 255), [.. Names.Select(n => new MadcapScopeName(n.Language, n.Name, n.IsDefault))],
            TimeSpan.FromSeconds(DefaultLeaseSeconds), TimeSpan.FromSeconds(MaxLeaseSeconds), exclusions);
        problems.AddRange(built.Problems().Select(p => (Field(p.Field), p.Message)));
        scope = problems.Count == 0 ? built : null;
        return scope is not null;
    }

    private static string Field(string field) => field switch
    {
        "first" => nameof(First),
        "last" => nameof(Last),
        "ttl" => nameof(Ttl),
        "names" => nameof(Names),
        "maxLeaseSeconds" => nameof(MaxLeaseSeconds),
        "exclusions" => nameof(Exclusions),
        _ => field,
    };
}

public sealed class MadcapScopeNameOptions
{
    public string Language { get; set; } = "";

    public string Name { get; set; } = "";

    public bool IsDefault { get; set; }
}

public sealed class MadcapRangeOptions
{
    public string First { get; set; } = "";

    public string Last { get; set; } = "";
}

/// <summary>
/// Which MADCAP scope serves each advertising scope (TAPI's RND_ADVERTISING_SCOPE). Defaults:
/// local and site conferences from the IPv4 local scope, region ones from the organization-local
/// scope; world-wide conferences get no "auto" address unless configured.
/// </summary>
public sealed class ConferenceScopeOptions
{
    public string? Local { get; set; } = "239.255.0.0";

    public string? Site { get; set; } = "239.255.0.0";

    public string? Region { get; set; } = "239.192.0.0";

    public string? World { get; set; }

    public IEnumerable<(string Name, string? Value)> All() =>
        [(nameof(Local), Local), (nameof(Site), Site), (nameof(Region), Region), (nameof(World), World)];
}

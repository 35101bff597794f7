using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Rendezvous.Madcap.Leases;

/// <summary>Limits of the lease store (configuration: <c>Rendezvous:Madcap</c>).</summary>
public sealed record LeaseStoreLimits
{
    /// <summary>RFC 2730 section 2.12's [EXTRA-ALLOCATION-TIME]: each address is reserved this long before and after its lease.</summary>
    public TimeSpan ExtraAllocationTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most addresses one lease may hold.</summary>
    public int MaxAddressesPerLease { get; init; } = 16;

    /// <summary>Most addresses all the current leases of one client address may hold.</summary>
    public int MaxAddressesPerClient { get; init; } = 256;

    /// <summary>
    /// Leases of given addresses (an offer's, or a pool's candidates) that wait at the same moment are
    /// written in one round trip and committed together (group commit), each answered only after the
    /// commit; this many batches may be in flight at once. 0: one statement and commit each.
    /// </summary>
    public int GroupCommitWriters { get; init; } = 2;

    /// <summary>How long a group-commit writer thread waits for work before it ends (shorter in tests).</summary>
    internal TimeSpan GroupCommitIdle { get; init; } = Leases.GroupCommit.DefaultIdleTimeout;
}

/// <summary>
/// Leases in PostgreSQL (schema <c>madcap</c>). An address is reserved for its lease period,
/// padded by the extra allocation time; the exclusion constraint <c>no_address_leased_twice</c>
/// makes a second reservation of one address for an overlapping period fail, so servers that
/// share the database cannot hand an address out twice. A lease is returned only after its
/// transaction committed: an ACK sent for it is durable.
/// </summary>
public sealed class LeaseStore(NpgsqlDataSource dataSource, TimeProvider time, LeaseStoreLimits limits)
{
    /// <summary>
    /// Tries per allocation. Each failed try means another transaction committed one of the
    /// addresses picked (the exclusion constraint waits for it), or deadlocked with this one and
    /// went on while this one was rolled back, so retrying always makes progress;
    /// the bound only caps pathological contention. Few tries left requests refused as "too
    /// contended" while addresses were still free (40 clients racing for the last 16).
    /// </summary>
    private const int Attempts = 64;
    private const string ExclusionViolation = "23P01";
    private const string UniqueViolation = "23505";
    private const string DeadlockDetected = "40P01";
    private const string ForeignKeyViolation = "23503";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Stores the scopes that are not stored yet (by Scope ID); existing ones are left as they are.</summary>
    public async Task<int> EnsureScopesAsync(IEnumerable<MadcapScope> scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var added = 0;
        foreach (var scope in scopes)
        {
            await using var insert = dataSource.CreateCommand(
                """
                INSERT INTO madcap.scopes (id, first_address, last_address, ttl, names, default_lease_seconds, max_lease_seconds, exclusions, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                ON CONFLICT (first_address) DO NOTHING
                """);
            AddScope(insert, scope with { Id = scope.Id == Guid.Empty ? Guid.CreateVersion7() : scope.Id });
            insert.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _scopes.Clear();
        return added;
    }

    /// <summary>Every scope, smallest Scope ID first (the order of the Multicast Scope List).</summary>
    public async Task<IReadOnlyList<MadcapScope>> ScopesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ScopeColumns} FROM madcap.scopes ORDER BY family(first_address), first_address");
        var scopes = new List<MadcapScope>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            scopes.Add(ReadScope(reader));
        }

        return scopes;
    }

    /// <summary>
    /// The scope whose Scope ID is <paramref name="first"/>, or null. Answers (found or not) are
    /// kept for <see cref="ScopeCacheTime"/>: every allocation asks, and scopes seldom change. This
    /// instance's own edits are seen at once; another instance's within that time.
    /// </summary>
    public async Task<MadcapScope?> ScopeAsync(IPAddress first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (_scopes.TryGetValue(first, out var cached) && Stopwatch.GetElapsedTime(cached.At) < ScopeCacheTime)
        {
            return cached.Scope;
        }

        await using var command = dataSource.CreateCommand($"SELECT {ScopeColumns} FROM madcap.scopes WHERE first_address = $1");
        command.Parameters.Add(new() { Value = first });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var scope = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadScope(reader) : null;
        if (_scopes.Count >= 1024)
        {
            _scopes.Clear(); // requests naming many unknown scopes must not grow it without bound
        }

        _scopes[first] = (scope, Stopwatch.GetTimestamp());
        return scope;
    }

    /// <summary>How long <see cref="ScopeAsync"/> keeps an answer.</summary>
    public static readonly TimeSpan ScopeCacheTime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<IPAddress, (MadcapScope? Scope, long At)> _scopes = new();

    /// <summary>Stores a new scope; false when a scope with that first address exists or the range overlaps another scope.</summary>
    public async Task<bool> CreateScopeAsync(MadcapScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await using var insert = dataSource.CreateCommand(
            """
            INSERT INTO madcap.scopes (id, first_address, last_address, ttl, names, default_lease_seconds, max_lease_seconds, exclusions, created_at, updated_at)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9
            WHERE NOT EXISTS (SELECT 1 FROM madcap.scopes s WHERE family(s.first_address) = family($2::inet) AND s.first_address <= $3 AND $2 <= s.last_address)
            """);
        AddScope(insert, scope);
        insert.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        var created = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        _scopes.Clear();
        return created;
    }

    /// <summary>Replaces a scope's TTL, names, lease limits and exclusions (not its range) if its version is still <paramref name="expectedVersion"/>.</summary>
    public async Task<MadcapScope?> UpdateScopeAsync(MadcapScope scope, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await using var update = dataSource.CreateCommand(
            $"""
            UPDATE madcap.scopes SET ttl = $4, names = $5, default_lease_seconds = $6, max_lease_seconds = $7, exclusions = $8, updated_at = $9, row_version = row_version + 1
            WHERE first_address = $2 AND last_address = $3 AND row_version = $10 AND $1 = $1
            RETURNING {ScopeColumns}
            """);
        AddScope(update, scope);
        update.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        update.Parameters.Add(new() { Value = expectedVersion });
        await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var updated = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadScope(reader) : null;
        _scopes.Clear();
        return updated;
    }

    /// <summary>Deletes a scope that holds no lease; null when there is no such scope, false when leases remain.</summary>
    public async Task<bool?> DeleteScopeAsync(IPAddress first, CancellationToken cancellationToken)
    {
        await using var delete = dataSource.CreateCommand(
            """
            WITH target AS (SELECT id FROM madcap.scopes WHERE first_address = $1),
                 gone AS (DELETE FROM madcap.scopes WHERE id IN (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM madcap.leases l WHERE l.scope_id IN (SELECT id FROM target)) RETURNING 1)
            SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM gone)
            """);
        delete.Parameters.Add(new() { Value = first });
        try
        {
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (found, deleted) = (reader.GetInt64(0), reader.GetInt64(1));
            _scopes.Clear();
            return found == 0 ? null : deleted == 1;
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return false; // a lease was granted in the scope meanwhile
        }
    }

    /// <summary>
    /// Checks a request against its scope and the limits: the scope, the lease length (as asked,
    /// at most the scope's maximum, at least the minimum lease time), how many addresses (between
    /// the minimum and the desired number, at most a lease's limit), and the starts to try: the
    /// start asked for (or now), then the maximum start time if that is later.
    /// </summary>
    public async Task<LeasePlan> PlanAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MinCount < 1 || request.MinCount > request.DesiredCount)
        {
            return LeasePlan.Refused(LeaseFailure.TooManyAddresses, "the minimum number of addresses must be from 1 to the desired number");
        }

        var count = Math.Min(request.DesiredCount, limits.MaxAddressesPerLease);
        if (request.MinCount > count)
        {
            return LeasePlan.Refused(LeaseFailure.TooManyAddresses, $"a lease holds at most {limits.MaxAddressesPerLease} addresses");
        }

        if (await ScopeAsync(request.Scope, cancellationToken).ConfigureAwait(false) is not { } scope)
        {
            return LeasePlan.Refused(LeaseFailure.NoSuchScope, $"no scope has the Scope ID {request.Scope}");
        }

        var length = request.LeaseTime is { } asked ? (asked < scope.MaxLease ? asked : scope.MaxLease) : scope.DefaultLease;
        if (request.MinLeaseTime is { } min && min > length)
        {
            return LeasePlan.Refused(LeaseFailure.LeaseTooShort, $"the scope grants at most {scope.MaxLease.TotalSeconds:0} s");
        }

        if (length <= TimeSpan.Zero)
        {
            length = scope.DefaultLease;
        }

        var now = time.GetUtcNow();
        var start = request.Start is { } s && s > now ? s : now;
        DateTimeOffset[] starts = request.MaxStart is { } latest && latest > start ? [start, latest] : [start];
        return new LeasePlan(scope, length, count, request.MinCount, starts, AsSoonAsPossible: start == now);
    }

    /// <summary>The limits this store applies.</summary>
    public LeaseStoreLimits Limits => limits;

    /// <summary>
    /// Allocates addresses for the request (see <see cref="PlanAsync"/>): at its first start, or
    /// else at the next. With <see cref="LeaseRequest.Addresses"/> it leases those addresses, all
    /// of them or none (<see cref="LeaseFailure.Exhausted"/> when one is no longer free); otherwise it
    /// searches the scope, passing over <see cref="LeaseRequest.Skip"/>.
    /// </summary>
    public async Task<LeaseOutcome> AllocateAsync(LeaseRequest request, CancellationToken cancellationToken) =>
        await AllocateAsync(request, await PlanAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>As above, with the request's plan already made by <see cref="PlanAsync"/> (its addresses to give or skip do not change the plan).</summary>
    public async Task<LeaseOutcome> AllocateAsync(LeaseRequest request, LeasePlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Refusal is { } refusal)
        {
            return refusal;
        }

        foreach (var at in plan.Starts)
        {
            var outcome = await TryAllocateAsync(request, plan, at, cancellationToken).ConfigureAwait(false);
            if (outcome.Failure != LeaseFailure.Exhausted)
            {
                return outcome;
            }
        }

        return LeaseOutcome.Refused(LeaseFailure.Exhausted, $"scope {plan.Scope!.First}: fewer than {request.MinCount} addresses are free for the period asked");
    }

    private async Task<LeaseOutcome> TryAllocateAsync(LeaseRequest request, LeasePlan plan, DateTimeOffset start, CancellationToken cancellationToken)
    {
        var quota = request.Client is null ? int.MaxValue : limits.MaxAddressesPerClient;
        var given = request.Addresses;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var id = Guid.CreateVersion7();
            int held;
            IPAddress[] granted;
            try
            {
                (held, granted) = await InsertFreeAsync(id, request, plan, (start, start + plan.Length), quota, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == ExclusionViolation)
            {
                if (given is not null)
                {
                    return LeaseOutcome.Refused(LeaseFailure.Exhausted, "another server leased one of these addresses meanwhile");
                }

                continue; // another server took one of these addresses meanwhile: look again
            }
            catch (PostgresException e) when (e.SqlState == UniqueViolation)
            {
                return LeaseOutcome.Refused(LeaseFailure.LeaseIdentifierInUse, "this Lease Identifier already names a lease");
            }
            catch (PostgresException e) when (e.SqlState == DeadlockDetected)
            {
                // Two servers' statements waited on each other's rows (the client's usage and the addresses,
                // taken in different orders); PostgreSQL rolled this one back whole, so it is simply run again.
                continue;
            }

            if ((long)held + request.MinCount > quota)
            {
                return LeaseOutcome.Refused(LeaseFailure.QuotaExceeded, $"{request.Client} holds {held} addresses; at most {quota} are allowed");
            }

            return granted.Length == 0
                ? LeaseOutcome.Refused(LeaseFailure.Exhausted, "no addresses free")
                : LeaseOutcome.Granted(new Lease(id, request.LeaseIdentifier, plan.Scope!.First, Offered: false, start, start + plan.Length, granted, request.Client));
        }

        return LeaseOutcome.Refused(LeaseFailure.Exhausted, "the scope is too contended; try again");
    }

    /// <summary>
    /// One statement, one round trip, one transaction: reads the client's usage (added to by
    /// this statement, migration madcap/0004; removals counted by a trigger, madcap/0002), takes
    /// the addresses given, or finds up to the plan's count of the scope's addresses free for the
    /// whole reserved period (searched from a random point, so that concurrent servers rarely pick
    /// the same ones), and stores the lease with them if enough were found (all the given ones, or
    /// the minimum) and the quota allows. Concurrent requests of one client may each pass the quota
    /// check, so the quota can be exceeded by what those requests ask for at once; never by more.
    /// Returns the usage read and the addresses granted (none when the lease was not stored). The
    /// lease commits with the configured synchronous_commit before it is returned, so an ACK is
    /// sent only for a durable lease.
    /// </summary>
    private async Task<(int Held, IPAddress[] Granted)> InsertFreeAsync(
        Guid id, LeaseRequest request, LeasePlan plan, (DateTimeOffset Start, DateTimeOffset End) period, int quota, CancellationToken cancellationToken)
    {
        var allocation = new LeaseInsert(id, request, plan, period, Reserved(period.Start, period.End), quota, time.GetUtcNow());
        if (request.Addresses is not null && limits.GroupCommitWriters > 0)
        {
            return await Batches.WriteAsync(allocation, cancellationToken).ConfigureAwait(false);
        }

        return await InsertAloneAsync(allocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One allocation statement: its text and its parameters (see <see cref="Allocation"/>).</summary>
    internal sealed record LeaseInsert(Guid Id, LeaseRequest Request, LeasePlan Plan, (DateTimeOffset Start, DateTimeOffset End) Period, NpgsqlRange<DateTime> ReservedRange, int Quota, DateTimeOffset Now)
    {
        public string Statement => Request.Addresses is null ? AllocationStatement(Plan.Count) : GivenAllocationStatement(Plan.Count);

        /// <summary>The statement's one row, where the reader stands: the client's usage read, and the addresses granted (none when not stored).</summary>
        public static (int Held, IPAddress[] Granted) Row(NpgsqlDataReader reader) => (reader.GetInt32(0), reader.GetFieldValue<IPAddress[]>(1));

        public void AddParameters(NpgsqlParameterCollection p)
        {
            var scope = Plan.Scope!;
            var given = Request.Addresses;
            p.Add(new() { Value = Id });
            p.Add(new() { Value = Request.LeaseIdentifier });
            p.Add(new() { Value = scope.Id });
            p.Add(new() { Value = Period.Start.UtcDateTime });
            p.Add(new() { Value = Period.End.UtcDateTime });
            p.Add(new() { Value = (object?)Request.Client ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Inet });
            p.Add(new() { Value = Now.UtcDateTime });
            p.Add(new() { Value = (long)Plan.Count });
            AddCandidateParameters(p, scope, ReservedRange, Request.Skip);
            p.Add(new() { Value = (long)Quota });
            p.Add(new() { Value = given is null ? (long)Request.MinCount : Math.Min(given.Count, Plan.Count) });
            if (given is not null)
            {
                p.Add(new() { Value = given.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
            }
        }
    }

    /// <summary>One allocation in a statement and transaction of its own; exceptions are the caller's to read.</summary>
    private async Task<(int Held, IPAddress[] Granted)> InsertAloneAsync(LeaseInsert allocation, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(allocation.Statement);
        allocation.AddParameters(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return LeaseInsert.Row(reader);
    }

    private GroupCommit? _groupCommit;

    /// <summary>The group commit's writers, started with the first lease of given addresses.</summary>
    private GroupCommit Batches => LazyInitializer.EnsureInitialized(ref _groupCommit, () => new GroupCommit(dataSource, limits.GroupCommitWriters, limits.GroupCommitIdle));

    /// <summary>The group commit's batches, waits and writes so far; null before its first lease.</summary>
    public GroupCommitSnapshot? GroupCommitStats() => _groupCommit?.Snapshot();

    /// <summary>Group-commit writer threads running now.</summary>
    internal int RunningGroupCommitWriters => _groupCommit?.Running ?? 0;

    /// <summary>
    /// Up to <paramref name="limit"/> addresses of the scope that no lease reserves for the
    /// padded period, searched from a random point, passing over <paramref name="skip"/>. Reads
    /// only: the addresses are not held, and a lease of them can still fail.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> FreeAsync(MadcapScope scope, DateTimeOffset start, DateTimeOffset end, int limit, IReadOnlyCollection<IPAddress>? skip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await using var command = dataSource.CreateCommand(Bucketed(FreeStatements, limit));
        AddCandidateParameters(command.Parameters, scope, Reserved(start, end), skip);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.GetFieldValue<IPAddress[]>(0);
    }

    /// <summary>
    /// The candidate search's parameters, numbered from the command's next: the reserved period,
    /// the scope's first and last allocatable addresses, a random starting offset, and the
    /// excluded ranges (the scope's exclusions, then each address to skip as a range of one).
    /// </summary>
    private static void AddCandidateParameters(NpgsqlParameterCollection p, MadcapScope scope, NpgsqlRange<DateTime> reserved, IReadOnlyCollection<IPAddress>? skip)
    {
        var first = scope.Exclusions.Select(x => x.First);
        var last = scope.Exclusions.Select(x => x.Last);
        if (skip is { Count: > 0 })
        {
            first = first.Concat(skip);
            last = last.Concat(skip);
        }

        p.Add(new() { Value = reserved, NpgsqlDbType = NpgsqlDbType.TimestampTzRange });
        p.Add(new() { Value = scope.First });
        p.Add(new() { Value = scope.LastAllocatable });
        p.Add(new() { Value = (long)Random.Shared.Next(int.MaxValue) });
        p.Add(new() { Value = first.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
        p.Add(new() { Value = last.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
    }

    /// <summary>
    /// Candidates (column <c>a</c>) from <paramref name="source"/> that no lease reserves for
    /// the period and no exclusion covers, limited by a literal. The parameters start at
    /// <paramref name="n"/>: period, first, last, random offset, exclusion firsts and lasts.
    /// The reservation check is a scalar subquery, run per candidate through the address index:
    /// as a plain NOT EXISTS, PostgreSQL may turn it into an anti-join that hashes every
    /// reservation overlapping the period (the generic plan for a given array of a few addresses
    /// did, at 3 ms a call and growing with the table).
    /// With a parameter for the limit, PostgreSQL's generic plan guesses a tenth of the scope's
    /// addresses and hash-joins every reserved address (milliseconds per call, growing with the
    /// table); with a small literal it probes the index for the few candidates it needs. The
    /// search source streams from generate_series in the select list; in FROM, PostgreSQL would
    /// first materialise every address of the scope (seconds for a /9).
    /// </summary>
    private static string Candidates(int n, string source, string limit) =>
        $"""
            SELECT a FROM ({source}) c
            WHERE NOT (SELECT EXISTS (SELECT 1 FROM madcap.lease_addresses la WHERE la.address = c.a AND la.reserved && ${n}))
              AND NOT EXISTS (SELECT 1 FROM unnest(${n + 4}::inet[], ${n + 5}::inet[]) AS x(first, last) WHERE c.a BETWEEN x.first AND x.last)
            LIMIT {limit}
        """;

    /// <summary>The whole scope, from a random point: parameters as in <see cref="Candidates"/>.</summary>
    private static string Search(int n) =>
        $"SELECT ${n + 1}::inet + ((generate_series(0::bigint, least(${n + 2}::inet - ${n + 1}::inet + 1, 2147483647::bigint) - 1) + ${n + 3}) % least(${n + 2}::inet - ${n + 1}::inet + 1, 2147483647::bigint)) AS a";

    /// <summary>The given addresses ($<paramref name="given"/>), those inside the scope's allocatable range only.</summary>
    private static string Given(int n, int given) =>
        $"SELECT DISTINCT g AS a FROM unnest(${given}::inet[]) AS g WHERE g BETWEEN ${n + 1}::inet AND ${n + 2}::inet AND ${n + 3}::bigint IS NOT NULL";

    /// <summary>The statement text of the bucket that holds <paramref name="count"/>: counts rounded up to a power of two, so at most 11 texts, each prepared once.</summary>
    private static string Bucketed(string[] statements, int count)
    {
        var bucket = Math.Max(0, (int)Math.Ceiling(Math.Log2(Math.Max(1, count))));
        return statements[Math.Min(bucket, statements.Length - 1)];
    }

    private static string AllocationStatement(int count) => Bucketed(AllocationStatements, count);

    private static string GivenAllocationStatement(int count) => Bucketed(GivenAllocationStatements, count);

    private static string[] Buckets(Func<string, string> text) =>
        [.. Enumerable.Range(0, 11).Select(b => text((1 << b).ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    private static readonly string[] AllocationStatements = Buckets(limit => Allocation(Candidates(9, Search(9), limit)));

    private static readonly string[] GivenAllocationStatements = Buckets(limit => Allocation(Candidates(9, Given(9, 17), limit)));

    /// <summary>The candidate parameters from $1.</summary>
    private static readonly string[] FreeStatements = Buckets(limit => $"SELECT array({Candidates(1, Search(1), limit)})");

    /// <summary>
    /// The allocation: $1 lease id, $2 Lease Identifier, $3 scope id, $4 and $5 the lease's start
    /// and end, $6 the client, $7 now, $8 the count wanted, $9 to $14 the candidate search's
    /// parameters, $15 the client's quota, $16 the fewest addresses to lease (and $17 the given
    /// addresses, for that source).
    /// </summary>
    private static string Allocation(string candidates) =>
        $"""
            WITH usage AS (SELECT coalesce((SELECT held FROM madcap.client_usage WHERE client = $6), 0) AS held),
            candidates AS MATERIALIZED ({candidates}),
            free AS MATERIALIZED (SELECT a FROM candidates LIMIT (SELECT greatest(0, least($8::bigint, $15::bigint - held)) FROM usage)),
            lease AS (
                INSERT INTO madcap.leases (id, lease_identifier, scope_id, state, starts_at, ends_at, client_address, created_at, updated_at)
                SELECT $1, $2, $3, 'leased', $4, $5, $6, $7, $7
                WHERE (SELECT count(*) FROM free) >= $16 AND (SELECT held::bigint + $16 <= $15 FROM usage)
                RETURNING id),
            added AS (
                INSERT INTO madcap.lease_addresses (lease_id, address, reserved, client)
                SELECT lease.id, free.a, $9, $6 FROM lease, free
                RETURNING address),
            counted AS (
                -- The client's usage (migration madcap/0004: this statement counts what it adds).
                INSERT INTO madcap.client_usage (client, held)
                SELECT $6, count(*) FROM added WHERE $6::inet IS NOT NULL HAVING count(*) > 0
                ON CONFLICT (client) DO UPDATE SET held = madcap.client_usage.held + EXCLUDED.held)
            SELECT held, array(SELECT address FROM added ORDER BY address) FROM usage
        """;

    /// <summary>The lease with this Lease Identifier, or null (an offer past its hold counts as gone).</summary>
    public async Task<Lease?> GetAsync(byte[] leaseIdentifier, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT l.id, l.lease_identifier, s.first_address, l.state = 'offered', l.starts_at, l.ends_at, l.client_address,
                   array(SELECT la.address FROM madcap.lease_addresses la WHERE la.lease_id = l.id ORDER BY la.address)
            FROM madcap.leases l JOIN madcap.scopes s ON s.id = l.scope_id
            WHERE l.lease_identifier = $1 AND (l.state = 'leased' OR l.offered_until > $2)
            """);
        command.Parameters.Add(new() { Value = leaseIdentifier });
        command.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        return await ReadLeaseAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One row of: id, lease identifier, scope, offered, start, end, client, addresses.</summary>
    private static async Task<Lease?> ReadLeaseAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new Lease(
            reader.GetGuid(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<IPAddress>(2), reader.GetBoolean(3),
            Utc(reader.GetDateTime(4)), Utc(reader.GetDateTime(5)),
            reader.GetFieldValue<IPAddress[]>(7), reader.IsDBNull(6) ? null : reader.GetFieldValue<IPAddress>(6));
    }

    /// <summary>
    /// Extends a lease to end <paramref name="leaseTime"/> from now (or from its start, if that
    /// is later), within the scope's maximum; never shortens it. Fails when another lease holds
    /// one of the addresses in the extension.
    /// </summary>
    public async Task<LeaseOutcome> RenewAsync(byte[] leaseIdentifier, TimeSpan? leaseTime, TimeSpan? minLeaseTime, CancellationToken cancellationToken)
    {
        if (await GetAsync(leaseIdentifier, cancellationToken).ConfigureAwait(false) is not { Offered: false } lease)
        {
            return LeaseOutcome.Refused(LeaseFailure.UnknownLease, "no lease has this Lease Identifier");
        }

        var scope = (await ScopeAsync(lease.Scope, cancellationToken).ConfigureAwait(false))!;
        var now = time.GetUtcNow();
        var from = lease.Start > now ? lease.Start : now;
        var length = leaseTime is { } asked ? (asked < scope.MaxLease ? asked : scope.MaxLease) : scope.DefaultLease;
        if (minLeaseTime is { } min && min > length)
        {
            return LeaseOutcome.Refused(LeaseFailure.LeaseTooShort, $"the scope grants at most {scope.MaxLease.TotalSeconds:0} s");
        }

        var end = from + length > lease.End ? from + length : lease.End;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var update = new NpgsqlCommand("UPDATE madcap.leases SET ends_at = $2, updated_at = $3 WHERE id = $1", connection, transaction))
            {
                update.Parameters.Add(new() { Value = lease.Id });
                update.Parameters.Add(new() { Value = end.UtcDateTime });
                update.Parameters.Add(new() { Value = now.UtcDateTime });
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var extend = new NpgsqlCommand("UPDATE madcap.lease_addresses SET reserved = $2 WHERE lease_id = $1", connection, transaction))
            {
                extend.Parameters.Add(new() { Value = lease.Id });
                extend.Parameters.Add(new() { Value = Reserved(lease.Start, end), NpgsqlDbType = NpgsqlDbType.TimestampTzRange });
                await extend.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == ExclusionViolation)
        {
            return LeaseOutcome.Refused(LeaseFailure.RenewalConflict, "another lease holds one of these addresses after the current end");
        }

        return LeaseOutcome.Granted(lease with { End = end });
    }

    /// <summary>Ends the lease (RELEASE). False when no lease or offer has the identifier.</summary>
    public async Task<bool> ReleaseAsync(byte[] leaseIdentifier, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM madcap.leases WHERE lease_identifier = $1");
        command.Parameters.Add(new() { Value = leaseIdentifier });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Removes leases whose reservation has passed; returns how many. (Offers are held in the
    /// server's memory now; rows in the <c>offered</c> state, written by versions before that,
    /// go once their hold lapsed.)
    /// </summary>
    public async Task<int> ReclaimAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM madcap.leases WHERE (state = 'offered' AND offered_until <= $1) OR ends_at + $2 <= $1");
        command.Parameters.Add(new() { Value = time.GetUtcNow().UtcDateTime });
        command.Parameters.Add(new() { Value = limits.ExtraAllocationTime });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlRange<DateTime> Reserved(DateTimeOffset start, DateTimeOffset end) =>
        new((start - limits.ExtraAllocationTime).UtcDateTime, true, (end + limits.ExtraAllocationTime).UtcDateTime, false);

    private const string ScopeColumns = "id, first_address, last_address, ttl, names, default_lease_seconds, max_lease_seconds, exclusions, row_version";

    private sealed record StoredRange(string First, string Last);

    private static void AddScope(NpgsqlCommand command, MadcapScope scope)
    {
        command.Parameters.Add(new() { Value = scope.Id });
        command.Parameters.Add(new() { Value = scope.First });
        command.Parameters.Add(new() { Value = scope.Last });
        command.Parameters.Add(new() { Value = (short)scope.Ttl });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(scope.Names, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = (int)scope.DefaultLease.TotalSeconds });
        command.Parameters.Add(new() { Value = (int)Math.Min(int.MaxValue, scope.MaxLease.TotalSeconds) });
        command.Parameters.Add(new()
        {
            Value = JsonSerializer.Serialize(scope.Exclusions.Select(x => new StoredRange(x.First.ToString(), x.Last.ToString())), Json),
            NpgsqlDbType = NpgsqlDbType.Jsonb,
        });
    }

    private static MadcapScope ReadScope(NpgsqlDataReader reader) =>
        new(
            reader.GetFieldValue<IPAddress>(1),
            reader.GetFieldValue<IPAddress>(2),
            (byte)reader.GetInt16(3),
            JsonSerializer.Deserialize<List<MadcapScopeName>>(reader.GetString(4), Json)!,
            TimeSpan.FromSeconds(reader.GetInt32(5)),
            TimeSpan.FromSeconds(reader.GetInt32(6)),
            [.. JsonSerializer.Deserialize<List<StoredRange>>(reader.GetString(7), Json)!.Select(r => new AddressRange(IPAddress.Parse(r.First), IPAddress.Parse(r.Last)))])
        {
            Id = reader.GetGuid(0),
            Version = reader.GetInt64(8),
        };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

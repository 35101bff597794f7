using System.Net;
using Npgsql;
using Rendezvous.Madcap.Leases;
using Rendezvous.Testing;

namespace Rendezvous.Madcap.Tests.Leases;

/// <summary>The lease store against a real PostgreSQL: allocation, time periods, limits, and two servers on one database.</summary>
public sealed class LeaseStoreTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Local = IPAddress.Parse("239.255.0.0");

    /// <summary>A small scope: 239.255.0.0 to 239.255.1.15 holds 272 addresses, of which the top 256 are the relative-assignment block, so 16 are leasable.</summary>
    private static MadcapScope SmallScope(params AddressRange[] exclusions) => new(
        Local, IPAddress.Parse("239.255.1.15"), 16, [new("en", "Lab", IsDefault: true)],
        TimeSpan.FromHours(1), TimeSpan.FromDays(1), exclusions);

    private async Task<(LeaseStore Store, ManualClock Clock, NpgsqlDataSource DataSource)> CreateAsync(MadcapScope scope, LeaseStoreLimits? limits = null)
    {
        _connectionString = await postgres.CreateMigratedDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(_connectionString);
        var clock = new ManualClock(Now);
        var store = new LeaseStore(dataSource, clock, limits ?? new LeaseStoreLimits());
        Assert.Equal(1, await store.EnsureScopesAsync([scope], CancellationToken.None));
        return (store, clock, dataSource);
    }

    private string _connectionString = "";

    private static byte[] Id(int n) => [0, .. BitConverter.GetBytes(n), .. new byte[12]];

    private static LeaseRequest Request(int id, int count = 1, IPAddress? client = null, DateTimeOffset? start = null, TimeSpan? length = null) =>
        new(Id(id), Local, client ?? IPAddress.Loopback, Start: start, LeaseTime: length, MinCount: 1, DesiredCount: count);

    [Fact]
    public async Task A_lease_gets_free_addresses_of_its_scope_below_the_relative_assignment_block_and_is_stored()
    {
        var (store, _, dataSource) = await CreateAsync(SmallScope(new AddressRange(IPAddress.Parse("239.255.0.4"), IPAddress.Parse("239.255.0.7"))));
        await using var _ = dataSource;
        var scope = (await store.ScopeAsync(Local, CancellationToken.None))!;
        Assert.Equal(IPAddress.Parse("239.255.1.14"), scope.ServerGroup);
        Assert.Equal(IPAddress.Parse("239.255.0.15"), scope.LastAllocatable);

        var outcome = await store.AllocateAsync(Request(1, count: 20), CancellationToken.None);
        var lease = outcome.Lease!;
        // 16 leasable addresses minus the 4 excluded; at most 16 per lease.
        Assert.Equal(12, lease.Addresses.Count);
        Assert.All(lease.Addresses, a => Assert.True(MadcapScope.Compare(a, IPAddress.Parse("239.255.0.15")) <= 0 && !(MadcapScope.Compare(a, IPAddress.Parse("239.255.0.4")) >= 0 && MadcapScope.Compare(a, IPAddress.Parse("239.255.0.7")) <= 0), a.ToString()));
        Assert.Equal(lease.Addresses.Count, lease.Addresses.Distinct().Count());
        Assert.Equal((Now, Now.AddHours(1), false), (lease.Start, lease.End, lease.Offered));

        var stored = (await store.GetAsync(Id(1), CancellationToken.None))!;
        Assert.Equal(lease.Addresses.Order(Comparer<IPAddress>.Create(MadcapScope.Compare)), stored.Addresses);

        var exhausted = await store.AllocateAsync(Request(2), CancellationToken.None);
        Assert.Equal(LeaseFailure.Exhausted, exhausted.Failure);
        Assert.True(await store.ReleaseAsync(Id(1), CancellationToken.None));
        Assert.NotNull((await store.AllocateAsync(Request(1), CancellationToken.None)).Lease);
        Assert.Equal(LeaseFailure.LeaseIdentifierInUse, (await store.AllocateAsync(Request(1), CancellationToken.None)).Failure);
        Assert.Equal(LeaseFailure.NoSuchScope, (await store.AllocateAsync(Request(3) with { Scope = IPAddress.Parse("239.192.0.0") }, CancellationToken.None)).Failure);
    }

    [Fact]
    public async Task An_address_is_leased_again_for_a_period_that_does_not_overlap_with_the_padding()
    {
        var limits = new LeaseStoreLimits { ExtraAllocationTime = TimeSpan.FromMinutes(30) };
        var (store, _, dataSource) = await CreateAsync(SmallScope(), limits);
        await using var _ = dataSource;
        var now = (await store.AllocateAsync(Request(1, count: 16), CancellationToken.None)).Lease!;
        Assert.Equal(16, now.Addresses.Count);

        // Ends at 13:00, reserved until 13:30; a lease from 14:00 (reserved from 13:30) fits, one from 13:45 does not.
        Assert.Equal(LeaseFailure.Exhausted, (await store.AllocateAsync(Request(2, start: Now.AddMinutes(105)), CancellationToken.None)).Failure);
        var later = (await store.AllocateAsync(Request(3, count: 16, start: Now.AddHours(2)), CancellationToken.None)).Lease!;
        Assert.Equal(16, later.Addresses.Count);
        Assert.Equal(Now.AddHours(2), later.Start);

        // A Maximum Start Time lets the server move the start to when addresses are free.
        var moved = (await store.AllocateAsync(Request(4, start: Now.AddMinutes(10)) with { MaxStart = Now.AddHours(5), LeaseTime = TimeSpan.FromMinutes(30) }, CancellationToken.None)).Lease!;
        Assert.Equal(Now.AddHours(5), moved.Start);
    }

    [Fact]
    public async Task Limits_renewal_release_and_reclaiming()
    {
        var (store, clock, dataSource) = await CreateAsync(SmallScope(), new LeaseStoreLimits { MaxAddressesPerClient = 3, ExtraAllocationTime = TimeSpan.FromMinutes(10) });
        await using var _ = dataSource;
        var client = IPAddress.Parse("192.0.2.1");
        Assert.Equal(LeaseFailure.TooManyAddresses, (await store.AllocateAsync(Request(1) with { MinCount = 3, DesiredCount = 2 }, CancellationToken.None)).Failure);
        Assert.Equal(LeaseFailure.LeaseTooShort, (await store.AllocateAsync(Request(1) with { MinLeaseTime = TimeSpan.FromDays(2) }, CancellationToken.None)).Failure);
        Assert.Equal(TimeSpan.FromDays(1), (await store.AllocateAsync(Request(9, client: IPAddress.Parse("192.0.2.9"), length: TimeSpan.FromDays(30)), CancellationToken.None)).Lease!.End - Now);

        // The per-client quota: 3 addresses in all.
        Assert.Equal(2, (await store.AllocateAsync(Request(1, count: 2, client: client), CancellationToken.None)).Lease!.Addresses.Count);
        Assert.Single((await store.AllocateAsync(Request(2, count: 2, client: client), CancellationToken.None)).Lease!.Addresses);
        Assert.Equal(LeaseFailure.QuotaExceeded, (await store.AllocateAsync(Request(3, client: client), CancellationToken.None)).Failure);

        // Renewal extends, release frees, unknown identifiers are told apart.
        var renewed = await store.RenewAsync(Id(1), TimeSpan.FromHours(3), null, CancellationToken.None);
        Assert.Equal(Now.AddHours(3), renewed.Lease!.End);
        Assert.Equal(Now.AddHours(3), (await store.GetAsync(Id(1), CancellationToken.None))!.End);
        Assert.Equal(LeaseFailure.UnknownLease, (await store.RenewAsync(Id(77), null, null, CancellationToken.None)).Failure);
        Assert.True(await store.ReleaseAsync(Id(2), CancellationToken.None));
        Assert.False(await store.ReleaseAsync(Id(2), CancellationToken.None));
        Assert.NotNull((await store.AllocateAsync(Request(3, client: client), CancellationToken.None)).Lease);

        // Reclaiming: nothing before a lease's padded period is over, then the leases.
        Assert.Equal(0, await store.ReclaimAsync(CancellationToken.None));
        clock.Now = Now.AddHours(3).AddMinutes(10);
        Assert.True(await store.ReclaimAsync(CancellationToken.None) >= 2);
        Assert.Null(await store.GetAsync(Id(1), CancellationToken.None));
    }

    [Fact]
    public async Task Given_addresses_are_leased_all_or_none_and_searches_pass_over_skipped_ones()
    {
        var (store, _, dataSource) = await CreateAsync(SmallScope());
        await using var _ = dataSource;
        var scope = (await store.ScopeAsync(Local, CancellationToken.None))!;
        var order = Comparer<IPAddress>.Create(MadcapScope.Compare);
        async Task<long> LeasesAsync()
        {
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM madcap.lease_addresses");
            return (long)(await count.ExecuteScalarAsync())!;
        }

        // FreeAsync only reads: all 16 leasable addresses, and nothing is held.
        var free = await store.FreeAsync(scope, Now, Now.AddHours(1), 32, skip: null, CancellationToken.None);
        Assert.Equal(16, free.Distinct().Count());
        Assert.All(free, a => Assert.True(MadcapScope.Compare(a, scope.LastAllocatable) <= 0, a.ToString()));
        Assert.Equal(0, await LeasesAsync());
        IPAddress[] skipped = [.. free.Take(4)];
        var unskipped = await store.FreeAsync(scope, Now, Now.AddHours(1), 32, skipped, CancellationToken.None);
        Assert.Equal(12, unskipped.Count);
        Assert.Empty(unskipped.Intersect(skipped));

        // Given addresses are leased exactly.
        IPAddress[] given = [.. free.Skip(4).Take(3)];
        var lease = (await store.AllocateAsync(Request(1, count: 3) with { Addresses = given }, CancellationToken.None)).Lease!;
        Assert.Equal(given.Order(order), lease.Addresses);

        // All or none: one of two is leased already, so neither is; an address outside the allocatable range never is.
        Assert.Equal(LeaseFailure.Exhausted, (await store.AllocateAsync(Request(2, count: 2) with { Addresses = [given[0], free[10]] }, CancellationToken.None)).Failure);
        Assert.Null(await store.GetAsync(Id(2), CancellationToken.None));
        Assert.Equal(LeaseFailure.Exhausted, (await store.AllocateAsync(Request(3) with { Addresses = [IPAddress.Parse("239.255.1.14")] }, CancellationToken.None)).Failure);
        Assert.Equal(3, await LeasesAsync());

        // A search passes over the skipped addresses: 13 are free, 4 of them skipped.
        var rest = (await store.AllocateAsync(Request(4, count: 16) with { Skip = skipped }, CancellationToken.None)).Lease!;
        Assert.Equal(9, rest.Addresses.Count);
        Assert.Empty(rest.Addresses.Intersect(skipped));
        Assert.Equal(LeaseFailure.Exhausted, (await store.AllocateAsync(Request(5) with { Skip = skipped }, CancellationToken.None)).Failure);
    }

    [Fact]
    public async Task The_per_client_count_follows_every_insertion_release_and_reclaim()
    {
        var (store, clock, dataSource) = await CreateAsync(SmallScope(), new LeaseStoreLimits { ExtraAllocationTime = TimeSpan.FromMinutes(5) });
        await using var _ = dataSource;
        async Task<Dictionary<string, int>> UsageAsync()
        {
            await using var command = dataSource.CreateCommand("SELECT host(client), held FROM madcap.client_usage");
            var usage = new Dictionary<string, int>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                usage[reader.GetString(0)] = reader.GetInt32(1);
            }

            return usage;
        }

        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        await store.AllocateAsync(Request(1, count: 3, client: a), CancellationToken.None);
        await store.AllocateAsync(Request(2, count: 2, client: a), CancellationToken.None);
        await store.AllocateAsync(Request(3, count: 1, client: b) with { LeaseTime = TimeSpan.FromHours(5) }, CancellationToken.None);
        Assert.Equal(new Dictionary<string, int> { ["192.0.2.1"] = 5, ["192.0.2.2"] = 1 }, await UsageAsync());

        Assert.True(await store.ReleaseAsync(Id(1), CancellationToken.None));
        Assert.Equal(new Dictionary<string, int> { ["192.0.2.1"] = 2, ["192.0.2.2"] = 1 }, await UsageAsync());

        // After the one-hour lease and its padding: client a's last lease is reclaimed, b's (five hours) stays.
        clock.Now = Now.AddHours(1).AddMinutes(5);
        Assert.Equal(1, await store.ReclaimAsync(CancellationToken.None));
        Assert.Equal(new Dictionary<string, int> { ["192.0.2.2"] = 1 }, await UsageAsync());
    }

    [Fact]
    public async Task Two_servers_on_one_database_never_lease_an_address_twice_for_overlapping_periods()
    {
        var (first, _, dataSource) = await CreateAsync(SmallScope(), new LeaseStoreLimits { MaxAddressesPerClient = 1000 });
        await using var _ = dataSource;
        await using var otherSource = NpgsqlDataSource.Create(_connectionString);
        var second = new LeaseStore(otherSource, new ManualClock(Now), new LeaseStoreLimits { MaxAddressesPerClient = 1000 });

        // 40 clients race for 16 addresses, each through either server, with overlapping periods.
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 40).Select(i =>
            (i % 2 == 0 ? first : second).AllocateAsync(Request(i, start: Now.AddMinutes(i % 3 * 20)), CancellationToken.None)));
        var granted = outcomes.Where(o => o.Lease is not null).Select(o => o.Lease!).ToList();
        Assert.Equal(16, granted.Count);
        Assert.All(outcomes.Where(o => o.Lease is null), o => Assert.Equal(LeaseFailure.Exhausted, o.Failure));
        Assert.Equal(16, granted.SelectMany(l => l.Addresses).Distinct().Count());

        // And the database agrees: no two reservations of one address overlap.
        await using var check = dataSource.CreateCommand(
            "SELECT count(*) FROM madcap.lease_addresses a JOIN madcap.lease_addresses b ON a.address = b.address AND a.lease_id < b.lease_id AND a.reserved && b.reserved");
        Assert.Equal(0L, (long)(await check.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    [InlineData(0)]
    public async Task Concurrent_leases_of_given_addresses_each_get_their_own_outcome_with_or_without_group_commit(int writers)
    {
        // 10 addresses, each given to four requests at once (as four servers' offers might be), from distinct
        // clients; and one Lease Identifier used twice. Batches form from whatever waits together; a batch
        // in which one statement fails is rolled back and run one by one.
        var (store, _, dataSource) = await CreateAsync(SmallScope(), new LeaseStoreLimits { GroupCommitWriters = writers });
        await using var _ = dataSource;
        var scope = (await store.ScopeAsync(Local, CancellationToken.None))!;
        var free = (await store.FreeAsync(scope, Now, Now.AddHours(1), 16, null, CancellationToken.None)).Take(10).ToArray();
        Assert.Equal(10, free.Length);
        var requests = Enumerable.Range(0, 40)
            .Select(i => Request(100 + i, client: IPAddress.Parse($"10.0.{i / 10}.{i % 10 + 1}")) with { Addresses = [free[i % 10]] })
            .Append(Request(100, client: IPAddress.Parse("10.9.9.9")) with { Addresses = [free[0]] })
            .ToArray();
        var outcomes = await Task.WhenAll(requests.Select(r => Task.Run(() => store.AllocateAsync(r, CancellationToken.None))));

        var granted = outcomes.Where(o => o.Lease is not null).Select(o => o.Lease!).ToArray();
        Assert.Equal(10, granted.Length);
        Assert.Equal(free.Order(Comparer<IPAddress>.Create(MadcapScope.Compare)), granted.SelectMany(l => l.Addresses).Order(Comparer<IPAddress>.Create(MadcapScope.Compare)));
        Assert.All(outcomes.Where(o => o.Lease is null), o => Assert.True(o.Failure is LeaseFailure.Exhausted or LeaseFailure.LeaseIdentifierInUse, o.Failure.ToString()));
        foreach (var lease in granted)
        {
            var stored = await store.GetAsync(lease.LeaseIdentifier, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(lease.Addresses, stored.Addresses);
        }

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM madcap.leases");
        Assert.Equal(10L, (long)(await count.ExecuteScalarAsync())!);

        // Every request went through the group commit (when on): each waited once, each batch was timed once.
        var stats = store.GroupCommitStats();
        if (writers == 0)
        {
            Assert.Null(stats);
            return;
        }

        Assert.NotNull(stats);
        Assert.Equal(requests.Length, stats.Leases);
        Assert.InRange(stats.Batches, 1, requests.Length);
        if (writers == 1)
        {
            // One writer: what queues while a batch is in PostgreSQL goes together in the next.
            Assert.True(stats.Batches < requests.Length, $"{stats.Batches} batches for {requests.Length} leases: nothing was batched");
        }
        Assert.Equal(requests.Length, stats.Wait.Count);
        Assert.Equal(stats.Batches, stats.Write.Count);
    }

    [Fact]
    public async Task Group_commit_writers_end_when_idle_and_start_again_for_the_next_lease()
    {
        // Idle for 1 s: long enough that the writer is surely still there when first counted, on a busy machine too.
        var (store, _, dataSource) = await CreateAsync(SmallScope(), new LeaseStoreLimits { GroupCommitIdle = TimeSpan.FromSeconds(1) });
        await using var _ = dataSource;
        var scope = (await store.ScopeAsync(Local, CancellationToken.None))!;
        var free = (await store.FreeAsync(scope, Now, Now.AddHours(1), 16, null, CancellationToken.None)).Take(2).ToArray();

        var first = await store.AllocateAsync(Request(1) with { Addresses = [free[0]] }, CancellationToken.None);
        Assert.Equal([free[0]], first.Lease!.Addresses);
        Assert.InRange(store.RunningGroupCommitWriters, 1, 2);
        Assert.Equal(1, store.GroupCommitStats()!.Batches);

        // Idle past the timeout: every writer thread ends.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.RunningGroupCommitWriters > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, store.RunningGroupCommitWriters);

        // The next lease starts one again, and is committed.
        var second = await store.AllocateAsync(Request(2) with { Addresses = [free[1]] }, CancellationToken.None);
        Assert.Equal([free[1]], second.Lease!.Addresses);
        Assert.NotNull(await store.GetAsync(second.Lease.LeaseIdentifier, CancellationToken.None));
        Assert.Equal(2, store.GroupCommitStats()!.Batches);
    }
}

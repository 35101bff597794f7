using System.Net;
using Npgsql;
using Rendezvous.Madcap.Leases;
using Rendezvous.Madcap.Protocol;
using Rendezvous.Madcap.Server;
using Rendezvous.Testing;
using StoredScope = Rendezvous.Madcap.Leases.MadcapScope;

namespace Rendezvous.Madcap.Tests.Server;

/// <summary>The server's protocol logic against a real PostgreSQL lease store, with datagrams made by the codec.</summary>
public sealed class MadcapServerEngineTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Server = IPAddress.Parse("192.0.2.53");
    private static readonly IPAddress Local = IPAddress.Parse("239.255.0.0");
    private static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 40000);

    private sealed record Setup(MadcapServerEngine Engine, LeaseStore Store, NpgsqlDataSource DataSource, ManualClock Clock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => DataSource.DisposeAsync();

        public async Task<long> LeaseCountAsync()
        {
            await using var count = DataSource.CreateCommand("SELECT count(*) FROM madcap.leases");
            return (long)(await count.ExecuteScalarAsync())!;
        }
    }

    /// <summary>The local scope cut down to 32 leasable addresses (239.255.0.0-239.255.0.31, then the 256-address relative block).</summary>
    private async Task<Setup> CreateAsync(LeaseStoreLimits? limits = null, int maxHeldOffers = 16_384)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var clock = new ManualClock(Now);
        var store = new LeaseStore(dataSource, clock, limits ?? new LeaseStoreLimits());
        await store.EnsureScopesAsync(
            [
                new StoredScope(Local, IPAddress.Parse("239.255.1.31"), 16, [new("en", "Local", true), new("de", "Lokal")], TimeSpan.FromHours(1), TimeSpan.FromDays(1), []),
                new StoredScope(IPAddress.Parse("ff15::"), IPAddress.Parse("ff15::1:ffff"), 16, [new("en", "Site v6", true)], TimeSpan.FromHours(1), TimeSpan.FromDays(1), []),
            ],
            CancellationToken.None);
        var engine = new MadcapServerEngine(store, clock, new MadcapServerSettings { ServerIdentifier = Server, MaxHeldOffers = maxHeldOffers }, new MadcapStats());
        return new Setup(engine, store, dataSource, clock);
    }

    private static MadcapList<byte> LeaseId(int n) => MadcapList.Create<byte>([0, .. BitConverter.GetBytes(n), .. new byte[12]]);

    private static MadcapMessage Message(MadcapMessageType type, uint xid, int lease, MadcapAddressFamily family = MadcapAddressFamily.IPv4) =>
        new(type, family, xid) { LeaseIdentifier = LeaseId(lease) };

    private static async Task<MadcapMessage> AskAsync(Setup setup, MadcapMessage request, IPAddress? receivedOn = null, IPEndPoint? from = null)
    {
        var response = await setup.Engine.HandleAsync(MadcapEncoder.Encode(request), from ?? Client, receivedOn, CancellationToken.None);
        Assert.NotNull(response);
        var decoded = MadcapDecoder.Decode(response);
        Assert.True(decoded.IsValid, decoded.ToString());
        var message = decoded.Message!;
        Assert.Equal((request.Xid, request.LeaseIdentifier, Server), (message.Xid, message.LeaseIdentifier, message.ServerIdentifier));
        return message;
    }

    private static IPAddress[] Addresses(MadcapMessage message) =>
        [.. message.AddressRanges!.Value.SelectMany(r => Enumerable.Range(0, r.BlockSize).Select(i => StoredScope.Offset(r.Start, i)))];

    [Fact]
    public async Task Getinfo_lists_the_scopes_with_the_names_asked_for()
    {
        await using var setup = await CreateAsync();
        var ack = await AskAsync(setup, Message(MadcapMessageType.GetInfo, 1, 1) with { OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]) });
        Assert.Equal(MadcapMessageType.Ack, ack.Type);
        var scope = Assert.Single(ack.ScopeList!.Value);
        Assert.Equal((Local, IPAddress.Parse("239.255.1.31"), (byte)16, 2), (scope.ScopeId, scope.LastAddress, scope.Ttl, scope.Names.Count));
        Assert.Equal(Now, ack.CurrentTime);

        var german = await AskAsync(setup, Message(MadcapMessageType.GetInfo, 2, 1) with { OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]), RequestedLanguage = "DE" });
        Assert.Equal("Lokal", Assert.Single(Assert.Single(german.ScopeList!.Value).Names).Name);
        var v6 = await AskAsync(setup, Message(MadcapMessageType.GetInfo, 3, 1, MadcapAddressFamily.IPv6) with { OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]) });
        Assert.Equal(IPAddress.Parse("ff15::"), Assert.Single(v6.ScopeList!.Value).ScopeId);

        // Section 2.11: a multicast GETINFO on a group this server does not serve is ignored; on its own group, answered.
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.GetInfo, 4, 1) with { OptionRequestList = MadcapList.Create<ushort>([9]) }), Client, IPAddress.Parse("239.255.255.254"), CancellationToken.None));
        Assert.Equal(MadcapMessageType.Ack, (await AskAsync(setup, Message(MadcapMessageType.GetInfo, 5, 1) with { OptionRequestList = MadcapList.Create<ushort>([9]) }, IPAddress.Parse("239.255.1.30"))).Type);
    }

    [Fact]
    public async Task Discover_offer_request_ack_renew_and_release()
    {
        await using var setup = await CreateAsync();
        var group = IPAddress.Parse("239.255.1.30");
        var offer = await AskAsync(setup, Message(MadcapMessageType.Discover, 10, 1) with { Scope = Local, AddressesRequested = new MadcapAddressCount(2, 3) }, group);
        Assert.Equal((MadcapMessageType.Offer, TimeSpan.FromHours(1), Local), (offer.Type, offer.LeaseTime, offer.Scope));
        var offered = Addresses(offer);
        Assert.Equal(3, offered.Length);
        Assert.Equal(0, await setup.LeaseCountAsync()); // an offer is held in memory: nothing is written
        Assert.Equal(1, setup.Engine.HeldOffers);

        var ack = await AskAsync(setup, Message(MadcapMessageType.Request, 11, 1) with { Scope = Local, ServerIdentifier = Server, AddressesRequested = new MadcapAddressCount(2, 3) }, group);
        Assert.Equal(MadcapMessageType.Ack, ack.Type);
        Assert.Equal(offered, Addresses(ack));
        Assert.Null(ack.StartTime);
        Assert.Equal((1L, 0), (await setup.LeaseCountAsync(), setup.Engine.HeldOffers));

        setup.Clock.Now = Now.AddMinutes(30);
        var renewed = await AskAsync(setup, Message(MadcapMessageType.Renew, 12, 1) with { LeaseTime = TimeSpan.FromHours(2) });
        Assert.Equal((MadcapMessageType.Ack, TimeSpan.FromHours(2.5)), (renewed.Type, renewed.LeaseTime));

        var released = await AskAsync(setup, Message(MadcapMessageType.Release, 13, 1));
        Assert.Equal(MadcapMessageType.Ack, released.Type);
        Assert.Null(released.AddressRanges);
        var again = await AskAsync(setup, Message(MadcapMessageType.Release, 14, 1));
        Assert.Equal((MadcapMessageType.Nak, MadcapErrorCode.LeaseIdentifierNotRecognized), (again.Type, again.Error!.Code));
        Assert.Equal(0, await setup.LeaseCountAsync());

        // A REQUEST naming another server drops our hold on the offer, and is not answered.
        await AskAsync(setup, Message(MadcapMessageType.Discover, 20, 2) with { Scope = Local }, group);
        Assert.Equal(1, setup.Engine.HeldOffers);
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Request, 21, 2) with { Scope = Local, ServerIdentifier = IPAddress.Parse("192.0.2.99") }), Client, group, CancellationToken.None));
        Assert.Equal((0L, 0), (await setup.LeaseCountAsync(), setup.Engine.HeldOffers));

        // A DISCOVER whose scope is not the group's is ignored (section 2.11).
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Discover, 22, 3) with { Scope = Local }), Client, IPAddress.Parse("239.195.255.254"), CancellationToken.None));
        var stats = setup.Engine.Stats.Snapshot();
        Assert.Equal((3, 2, 1, 2), ((int)stats.Discovers, (int)stats.Requests, (int)stats.Renews, (int)stats.Releases));
    }

    [Fact]
    public async Task Offered_addresses_are_held_from_everyone_else_until_the_hold_lapses()
    {
        await using var setup = await CreateAsync();
        var a = new IPEndPoint(IPAddress.Parse("192.0.2.21"), 40000);
        var b = new IPEndPoint(IPAddress.Parse("192.0.2.22"), 40000);
        var c = new IPEndPoint(IPAddress.Parse("192.0.2.23"), 40000);
        var sixteen = new MadcapAddressCount(16, 16);

        // A is offered 16 of the 32 leasable addresses; B's REQUEST gets the other 16; C's DISCOVER finds none and is ignored.
        var offer = await AskAsync(setup, Message(MadcapMessageType.Discover, 1, 1) with { Scope = Local, AddressesRequested = sixteen }, from: a);
        var toB = await AskAsync(setup, Message(MadcapMessageType.Request, 2, 2) with { Scope = Local, AddressesRequested = sixteen }, from: b);
        Assert.Equal(MadcapMessageType.Ack, toB.Type);
        Assert.Empty(Addresses(offer).Intersect(Addresses(toB)));
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Discover, 3, 3) with { Scope = Local }), c, null, CancellationToken.None));
        var future = await AskAsync(setup, Message(MadcapMessageType.Request, 4, 4) with { Scope = Local, StartTime = Now.AddMinutes(5), CurrentTime = Now }, from: c);
        Assert.Equal(MadcapMessageType.Nak, future.Type); // a search passes over held addresses too

        // A DISCOVER sent again with a new xid gets the same offer.
        Assert.Equal(Addresses(offer), Addresses(await AskAsync(setup, Message(MadcapMessageType.Discover, 5, 1) with { Scope = Local, AddressesRequested = sixteen }, from: a)));

        // After the hold, C is offered what A was; A's late REQUEST is served afresh, and nothing is left for it.
        setup.Clock.Now = Now.AddSeconds(61);
        var toC = await AskAsync(setup, Message(MadcapMessageType.Discover, 6, 3) with { Scope = Local }, from: c);
        Assert.Contains(Assert.Single(Addresses(toC)), Addresses(offer));
        var late = await AskAsync(setup, Message(MadcapMessageType.Request, 7, 1) with { Scope = Local, ServerIdentifier = Server, AddressesRequested = sixteen }, from: a);
        Assert.Equal((MadcapMessageType.Nak, MadcapErrorCode.ValidRequestCouldNotBeCompleted), (late.Type, late.Error!.Code));
        var leased = await AskAsync(setup, Message(MadcapMessageType.Request, 8, 3) with { Scope = Local, ServerIdentifier = Server }, from: c);
        Assert.Equal(Addresses(toC), Addresses(leased));
    }

    [Fact]
    public async Task An_offer_leased_elsewhere_meanwhile_is_served_afresh_and_holds_are_bounded()
    {
        await using var setup = await CreateAsync(new LeaseStoreLimits { MaxAddressesPerClient = 4 }, maxHeldOffers: 3);
        var offer = Addresses(await AskAsync(setup, Message(MadcapMessageType.Discover, 1, 1) with { Scope = Local, AddressesRequested = new MadcapAddressCount(2, 2) }));

        // Another server on the database leases one of the offered addresses; our ACK names others.
        var elsewhere = await setup.Store.AllocateAsync(new LeaseRequest([9, 9, 9], Local, IPAddress.Parse("192.0.2.99")) { Addresses = [offer[0]] }, CancellationToken.None);
        Assert.NotNull(elsewhere.Lease);
        var ack = await AskAsync(setup, Message(MadcapMessageType.Request, 2, 1) with { Scope = Local, ServerIdentifier = Server, AddressesRequested = new MadcapAddressCount(2, 2) });
        Assert.Equal(2, Addresses(ack).Length);
        Assert.DoesNotContain(offer[0], Addresses(ack));

        // What a client's offers hold counts against its quota (4); its leases are checked at REQUEST.
        var x = new IPEndPoint(IPAddress.Parse("192.0.2.20"), 40000);
        Assert.Equal(MadcapMessageType.Offer, (await AskAsync(setup, Message(MadcapMessageType.Discover, 3, 2) with { Scope = Local, AddressesRequested = new MadcapAddressCount(3, 3) }, from: x)).Type);
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Discover, 4, 3) with { Scope = Local, AddressesRequested = new MadcapAddressCount(2, 2) }), x, null, CancellationToken.None));
        Assert.Equal(1, setup.Engine.Stats.Snapshot().Denied);

        // At most three offers are held: the fourth DISCOVER is ignored and counted as dropped.
        for (var i = 0; i < 2; i++)
        {
            var other = new IPEndPoint(IPAddress.Parse($"192.0.2.{30 + i}"), 40000);
            Assert.Equal(MadcapMessageType.Offer, (await AskAsync(setup, Message(MadcapMessageType.Discover, (uint)(10 + i), 10 + i) with { Scope = Local }, from: other)).Type);
        }

        var dropped = setup.Engine.Stats.Snapshot().Dropped;
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Discover, 20, 20) with { Scope = Local }), new IPEndPoint(IPAddress.Parse("192.0.2.40"), 40000), null, CancellationToken.None));
        Assert.Equal((3, dropped + 1), (setup.Engine.HeldOffers, setup.Engine.Stats.Snapshot().Dropped));
    }

    [Fact]
    public async Task Two_servers_with_their_own_holds_on_one_database_never_lease_an_address_twice()
    {
        await using var setup = await CreateAsync();
        var other = IPAddress.Parse("192.0.2.54");
        var second = new MadcapServerEngine(new LeaseStore(setup.DataSource, setup.Clock, new LeaseStoreLimits()), setup.Clock, new MadcapServerSettings { ServerIdentifier = other }, new MadcapStats());
        MadcapServerEngine[] servers = [setup.Engine, second];

        // 24 clients, two addresses each, for 32 leasable addresses: each sends DISCOVER to both
        // servers (as to the multicast group) and takes the first offer, as section 2.2 describes.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            var from = new IPEndPoint(IPAddress.Parse($"192.0.2.{100 + i}"), 40000);
            var discover = MadcapEncoder.Encode(Message(MadcapMessageType.Discover, (uint)i, i) with { Scope = Local, AddressesRequested = new MadcapAddressCount(2, 2) });
            var offers = await Task.WhenAll(servers.Select(s => s.HandleAsync(discover, from, null, CancellationToken.None)));
            if (offers.FirstOrDefault(o => o is not null) is not { } offer)
            {
                return null;
            }

            var chosen = MadcapDecoder.Decode(offer).Message!.ServerIdentifier!;
            var request = MadcapEncoder.Encode(Message(MadcapMessageType.Request, (uint)(100 + i), i) with { Scope = Local, ServerIdentifier = chosen, AddressesRequested = new MadcapAddressCount(2, 2) });
            var answers = await Task.WhenAll(servers.Select(s => s.HandleAsync(request, from, null, CancellationToken.None)));
            return MadcapDecoder.Decode(Assert.Single(answers, a => a is not null)!).Message;
        })));

        var acks = outcomes.OfType<MadcapMessage>().Where(m => m.Type == MadcapMessageType.Ack).ToList();
        var granted = acks.SelectMany(Addresses).ToList();
        Assert.Equal(granted.Count, granted.Distinct().Count());
        // 16 clients can be served; an offer not taken holds its addresses from its own server's searches
        // until the REQUEST naming the other server arrives, so a few may be refused meanwhile (16 in every run so far).
        Assert.True(acks.Count >= 12, $"{acks.Count} of 24 clients got a lease from 32 addresses");
        Assert.All(granted, a => Assert.True(StoredScope.Compare(a, IPAddress.Parse("239.255.0.31")) <= 0, a.ToString()));
        await using var stored = setup.DataSource.CreateCommand("SELECT count(*), count(DISTINCT address) FROM madcap.lease_addresses");
        await using var reader = await stored.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((granted.Count, granted.Count), ((int)reader.GetInt64(0), (int)reader.GetInt64(1)));
    }

    [Fact]
    public async Task A_future_lease_exhaustion_the_quota_clock_skew_and_features_get_the_right_answers()
    {
        await using var setup = await CreateAsync(new LeaseStoreLimits { MaxAddressesPerClient = 21 });
        var start = Now.AddDays(2);
        var future = await AskAsync(setup, Message(MadcapMessageType.Request, 30, 1) with { Scope = Local, StartTime = start, CurrentTime = Now });
        Assert.Equal((MadcapMessageType.Ack, start), (future.Type, future.StartTime));

        // The quota: 21 addresses per client address (the future lease holds one), the 22nd is refused and counted.
        var many = await AskAsync(setup, Message(MadcapMessageType.Request, 31, 2) with { Scope = Local, AddressesRequested = new MadcapAddressCount(1, 16) });
        Assert.Equal(16, Addresses(many).Length);
        var more = await AskAsync(setup, Message(MadcapMessageType.Request, 32, 3) with { Scope = Local, AddressesRequested = new MadcapAddressCount(4, 4) });
        Assert.Equal(4, Addresses(more).Length);
        var denied = await AskAsync(setup, Message(MadcapMessageType.Request, 33, 4) with { Scope = Local });
        Assert.Equal((MadcapMessageType.Nak, MadcapErrorCode.ValidRequestCouldNotBeCompleted), (denied.Type, denied.Error!.Code));
        Assert.Equal(1, setup.Engine.Stats.Snapshot().Denied);

        // Exhaustion: 32 leasable addresses, 20 held now by one client; another client asks for 13.
        var other = new IPEndPoint(IPAddress.Parse("192.0.2.11"), 40000);
        var exhausted = await AskAsync(setup, Message(MadcapMessageType.Request, 34, 5) with { Scope = Local, AddressesRequested = new MadcapAddressCount(13, 13) }, from: other);
        Assert.Equal((MadcapMessageType.Nak, MadcapErrorCode.ValidRequestCouldNotBeCompleted, MadcapCodes.NoOption), (exhausted.Type, exhausted.Error!.Code, exhausted.Error.OptionCode));

        var skewed = await AskAsync(setup, Message(MadcapMessageType.Request, 35, 6) with { Scope = Local, StartTime = Now.AddHours(3), CurrentTime = Now.AddHours(2) });
        Assert.Equal((MadcapErrorCode.ExcessiveClockSkew, Now), (skewed.Error!.Code, skewed.Error.ServerTime));
        Assert.Equal(1, setup.Engine.Stats.Snapshot().ClockSkews);

        var feature = await AskAsync(setup, Message(MadcapMessageType.Request, 36, 7) with { Scope = Local, Features = new MadcapFeatureList(Required: MadcapList.Create([MadcapFeature.SharedLeaseIdentifier])) });
        Assert.Equal((MadcapErrorCode.RequiredFeatureNotSupported, MadcapFeature.SharedLeaseIdentifier), (feature.Error!.Code, Assert.Single(feature.Error.Features)));
        Assert.NotNull(feature.Features);

        var unknown = await AskAsync(setup, Message(MadcapMessageType.Renew, 37, 99));
        Assert.Equal(MadcapErrorCode.LeaseIdentifierNotRecognized, unknown.Error!.Code);
        var noScope = await AskAsync(setup, Message(MadcapMessageType.Request, 38, 8) with { Scope = IPAddress.Parse("239.192.0.0") });
        Assert.Equal(((ushort)MadcapOptionCode.MulticastScope, MadcapErrorCode.ValidRequestCouldNotBeCompleted), (noScope.Error!.OptionCode, noScope.Error.Code));
    }

    [Fact]
    public async Task A_retransmitted_request_gets_the_cached_answer_and_no_second_lease()
    {
        await using var setup = await CreateAsync();
        var request = MadcapEncoder.Encode(Message(MadcapMessageType.Request, 40, 1) with { Scope = Local });
        var first = await setup.Engine.HandleAsync(request, Client, null, CancellationToken.None);
        var second = await setup.Engine.HandleAsync(request, Client, null, CancellationToken.None);
        Assert.Equal(first, second);
        Assert.Equal(1, await setup.LeaseCountAsync());
        Assert.Equal(1, setup.Engine.Stats.Snapshot().Retransmissions);

        // After the cache interval the request is answered afresh: it names the client's own lease, which stands.
        setup.Clock.Now = Now.AddSeconds(61);
        var later = MadcapDecoder.Decode(await setup.Engine.HandleAsync(request, Client, null, CancellationToken.None)).Message!;
        Assert.Equal(MadcapMessageType.Ack, later.Type);
        Assert.Equal(MadcapDecoder.Decode(first).Message!.AddressRanges, later.AddressRanges);
        Assert.Equal(1, await setup.LeaseCountAsync());
        Assert.Equal(1, setup.Engine.Stats.Snapshot().Retransmissions);
    }

    [Fact]
    public async Task Garbage_is_dropped_and_rule_breakers_get_nak_error_1_naming_the_option()
    {
        await using var setup = await CreateAsync();
        Assert.Null(await setup.Engine.HandleAsync(new byte[] { 1, 2, 3 }, Client, null, CancellationToken.None));
        var missingScope = MadcapDecoder.Decode(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Request, 50, 1)), Client, null, CancellationToken.None)).Message!;
        Assert.Equal((MadcapMessageType.Nak, MadcapErrorCode.InvalidRequest, (ushort)MadcapOptionCode.MulticastScope), (missingScope.Type, missingScope.Error!.Code, missingScope.Error.OptionCode));

        // A NAK (or any server message) sent to the server is never answered: no NAK loops.
        var nak = Message(MadcapMessageType.Nak, 51, 1) with { ServerIdentifier = Server, Error = MadcapError.InvalidRequest() };
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(nak), Client, null, CancellationToken.None));
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(nak with { Error = null }), Client, null, CancellationToken.None));

        // Mutations of real requests until 100,000 are ones the decoder rejects: never an exception, never a lease, only NAKs.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        MadcapMessage[] seeds =
        [
            Message(MadcapMessageType.Request, 60, 2) with { Scope = Local, LeaseTime = TimeSpan.FromHours(1), AddressesRequested = new MadcapAddressCount(1, 2) },
            Message(MadcapMessageType.Discover, 61, 3) with { Scope = Local, StartTime = Now.AddHours(1), CurrentTime = Now },
            Message(MadcapMessageType.GetInfo, 62, 4) with { OptionRequestList = MadcapList.Create<ushort>([9]) },
        ];
        var leases = await setup.LeaseCountAsync();
        var rejected = 0;
        var tried = 0;
        for (var i = 0; rejected < 100_000; i++)
        {
            tried++;
            var bytes = MadcapEncoder.Encode(seeds[i % seeds.Length]);
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (random.Next(10) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }

            if (MadcapDecoder.Decode(bytes).IsValid)
            {
                continue;
            }

            rejected++;
            var response = await setup.Engine.HandleAsync(bytes, Client, null, CancellationToken.None);
            if (response is not null)
            {
                Assert.True(MadcapDecoder.Decode(response).Message?.Type == MadcapMessageType.Nak, $"seed {seed}, input {i}: answered with something other than a NAK");
            }
        }

        Assert.True(rejected * 2 > tried, $"only {rejected} of {tried} mutations were rejected");
        Assert.Equal(leases, await setup.LeaseCountAsync());
    }
}

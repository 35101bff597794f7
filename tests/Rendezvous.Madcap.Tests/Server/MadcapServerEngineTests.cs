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

    private sealed record Setup(MadcapServerEngine Engine, NpgsqlDataSource DataSource, ManualClock Clock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => DataSource.DisposeAsync();

        public async Task<long> LeaseCountAsync()
        {
            await using var count = DataSource.CreateCommand("SELECT count(*) FROM madcap.leases");
            return (long)(await count.ExecuteScalarAsync())!;
        }
    }

    /// <summary>The local scope cut down to 32 leasable addresses (239.255.0.0-239.255.0.31, then the 256-address relative block).</summary>
    private async Task<Setup> CreateAsync(LeaseStoreLimits? limits = null)
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
        var engine = new MadcapServerEngine(store, clock, new MadcapServerSettings { ServerIdentifier = Server }, new MadcapStats());
        return new Setup(engine, dataSource, clock);
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

        var ack = await AskAsync(setup, Message(MadcapMessageType.Request, 11, 1) with { Scope = Local, ServerIdentifier = Server, AddressesRequested = new MadcapAddressCount(2, 3) }, group);
        Assert.Equal(MadcapMessageType.Ack, ack.Type);
        Assert.Equal(offered, Addresses(ack));
        Assert.Null(ack.StartTime);

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
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Request, 21, 2) with { Scope = Local, ServerIdentifier = IPAddress.Parse("192.0.2.99") }), Client, group, CancellationToken.None));
        Assert.Equal(0, await setup.LeaseCountAsync());

        // A DISCOVER whose scope is not the group's is ignored (section 2.11).
        Assert.Null(await setup.Engine.HandleAsync(MadcapEncoder.Encode(Message(MadcapMessageType.Discover, 22, 3) with { Scope = Local }), Client, IPAddress.Parse("239.195.255.254"), CancellationToken.None));
        var stats = setup.Engine.Stats.Snapshot();
        Assert.Equal((3, 2, 1, 2), ((int)stats.Discovers, (int)stats.Requests, (int)stats.Renews, (int)stats.Releases));
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Rendezvous.Madcap.Client;
using Rendezvous.Madcap.Leases;
using Rendezvous.Madcap.Protocol;
using Rendezvous.Madcap.Server;
using Rendezvous.Testing;
using StoredScope = Rendezvous.Madcap.Leases.MadcapScope;

namespace Rendezvous.Madcap.Tests.Client;

/// <summary>
/// Timing tests run alone: CPU-bound tests in parallel (the fuzzers) can starve the thread pool
/// and delay timers by a second or more, which says nothing about the code under test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAlone
{
    public const string Name = "Timing";
}

/// <summary>The client against the real server (engine and UDP socket on loopback, leases in a real PostgreSQL).</summary>
[Collection(RunAlone.Name)]
public sealed class MadcapClientTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly IPAddress Local = IPAddress.Parse("239.255.0.0");

    private sealed class Server : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Server(NpgsqlDataSource dataSource, MadcapServerEngine engine, MadcapListener listener)
        {
            DataSource = dataSource;
            Engine = engine;
            Listener = listener;
            _run = listener.RunAsync(_stop.Token);
        }

        public NpgsqlDataSource DataSource { get; }

        public MadcapServerEngine Engine { get; }

        public MadcapListener Listener { get; }

        public IPEndPoint EndPoint => Listener.LocalEndPoint;

        public async Task<long> LeaseCountAsync()
        {
            await using var count = DataSource.CreateCommand("SELECT count(*) FROM madcap.leases");
            return (long)(await count.ExecuteScalarAsync())!;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            Listener.Dispose();
            await _run;
            await DataSource.DisposeAsync();
            _stop.Dispose();
        }
    }

    private async Task<Server> StartAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new LeaseStore(dataSource, TimeProvider.System, new LeaseStoreLimits());
        await store.EnsureScopesAsync([new StoredScope(Local, IPAddress.Parse("239.255.1.7"), 16, [new("en", "Lab", true)], TimeSpan.FromHours(1), TimeSpan.FromDays(1), [])], CancellationToken.None);
        var engine = new MadcapServerEngine(store, TimeProvider.System, new MadcapServerSettings { ServerIdentifier = IPAddress.Loopback }, new MadcapStats());
        return new Server(dataSource, engine, MadcapListener.Unicast(new IPEndPoint(IPAddress.Loopback, 0), engine, NullLogger.Instance));
    }

    private static MadcapClient Client(IPEndPoint server) => new(new MadcapClientOptions
    {
        Server = server,
        LocalAddress = IPAddress.Loopback,
        FirstRetransmission = TimeSpan.FromMilliseconds(300),
        GiveUpAfter = TimeSpan.FromSeconds(5),
    });

    [Fact]
    public async Task Scopes_a_lease_its_renewal_from_a_saved_file_and_its_release()
    {
        await using var server = await StartAsync();
        var client = Client(server.EndPoint);
        var info = await client.GetInfoAsync("en", null, CancellationToken.None);
        Assert.Equal((server.EndPoint, IPAddress.Loopback), (info.Server, info.ServerIdentifier));
        Assert.Equal(Local, Assert.Single(info.Scopes).ScopeId);

        var before = DateTimeOffset.UtcNow;
        var lease = await client.RequestAsync(new MadcapLeaseRequest(Local) { Count = 3, MinCount = 2, LeaseTime = TimeSpan.FromMinutes(30) }, null, CancellationToken.None);
        Assert.Equal(3, lease.Addresses.Count);
        Assert.Equal(TimeSpan.FromMinutes(30), lease.End - lease.Start);
        Assert.InRange(lease.Start, before.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(2));

        // The lease outlives this client: saved, loaded, renewed by another.
        var saved = lease.ToJson();
        var loaded = MadcapLease.FromJson(saved);
        Assert.Equal((lease.LeaseIdentifier.AsEnumerable(), lease.Server, lease.Addresses.AsEnumerable()), (loaded.LeaseIdentifier.AsEnumerable(), loaded.Server, loaded.Addresses.AsEnumerable()), new TupleComparer());
        var renewed = await Client(server.EndPoint).RenewAsync(loaded, TimeSpan.FromHours(2), CancellationToken.None);
        Assert.True(renewed.End >= DateTimeOffset.UtcNow.AddHours(2).AddSeconds(-5), renewed.End.ToString("O"));
        Assert.Equal(lease.Addresses, renewed.Addresses);

        await client.ReleaseAsync(loaded, CancellationToken.None);
        Assert.Equal(0, await server.LeaseCountAsync());
        var nak = await Assert.ThrowsAsync<MadcapNakException>(() => client.ReleaseAsync(loaded, CancellationToken.None));
        Assert.Equal(MadcapErrorCode.LeaseIdentifierNotRecognized, nak.Error!.Code);

        var future = await client.RequestAsync(new MadcapLeaseRequest(Local) { Start = DateTimeOffset.UtcNow.AddDays(3) }, null, CancellationToken.None);
        Assert.True(future.Start > DateTimeOffset.UtcNow.AddDays(2.9));
        var exhausted = await Assert.ThrowsAsync<MadcapNakException>(() => client.RequestAsync(new MadcapLeaseRequest(Local) { Count = 9, MinCount = 9 }, null, CancellationToken.None));
        Assert.Equal(MadcapErrorCode.ValidRequestCouldNotBeCompleted, exhausted.Error!.Code);

        // Every answer sent, fresh or from the response cache, had its duration recorded (after its send, so poll briefly).
        var deadline = Stopwatch.StartNew();
        MadcapStatsSnapshot stats;
        while ((stats = server.Engine.Stats.Snapshot()).ExchangeDuration.Count < stats.Acks + stats.Naks + stats.Offers + stats.Retransmissions && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        var durations = stats.ExchangeDuration;
        Assert.True(stats.Acks + stats.Naks + stats.Offers >= 7, $"{stats}");
        Assert.Equal(stats.Acks + stats.Naks + stats.Offers + stats.Retransmissions, durations.Count);
        Assert.Equal(durations.Count, durations.Buckets.Sum(b => b.Count));
        Assert.True(durations.P50Ms <= durations.P99Ms && durations.P99Ms <= durations.Buckets[^1].UpToMs && durations.MaxMs <= durations.Buckets[^1].UpToMs, $"{durations}");
        Assert.InRange(durations.MaxMs, 0.001, 5_000);
    }

    private sealed class TupleComparer : IEqualityComparer<(IEnumerable<byte>, IPEndPoint, IEnumerable<IPAddress>)>
    {
        public bool Equals((IEnumerable<byte>, IPEndPoint, IEnumerable<IPAddress>) x, (IEnumerable<byte>, IPEndPoint, IEnumerable<IPAddress>) y) =>
            x.Item1.SequenceEqual(y.Item1) && x.Item2.Equals(y.Item2) && x.Item3.SequenceEqual(y.Item3);

        public int GetHashCode((IEnumerable<byte>, IPEndPoint, IEnumerable<IPAddress>) obj) => 0;
    }

    [Fact]
    public async Task A_silent_server_gets_the_request_on_the_rfc_schedule_and_then_a_timeout()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var client = new MadcapClient(new MadcapClientOptions
        {
            Server = (IPEndPoint)silent.Client.LocalEndPoint!,
            LocalAddress = IPAddress.Loopback,
            FirstRetransmission = TimeSpan.FromMilliseconds(200),
            GiveUpAfter = TimeSpan.FromMilliseconds(3000),
        });
        var clock = Stopwatch.StartNew();
        var attempt = client.RequestAsync(new MadcapLeaseRequest(Local), null, CancellationToken.None);
        var arrivals = new List<(double Ms, byte[] Bytes)>();
        for (var i = 0; i < 4; i++)
        {
            var received = await silent.ReceiveAsync();
            arrivals.Add((clock.Elapsed.TotalMilliseconds, received.Buffer));
        }

        await Assert.ThrowsAsync<TimeoutException>(() => attempt);
        var ended = clock.Elapsed.TotalMilliseconds;

        // t, t+1, t+3, t+7 in units of the first delay (4 s in the RFC: t, t+4, t+12, t+28), then give up at 15 (60 s).
        double[] expected = [0, 200, 600, 1400];
        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(arrivals[i].Ms - arrivals[0].Ms, expected[i] - 20, expected[i] + 500);
            Assert.Equal(arrivals[0].Bytes, arrivals[i].Bytes); // retransmitted unchanged, same xid
        }

        Assert.InRange(ended, 2900, 4500);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(28)], new MadcapClientOptions().SendTimes());
    }

    [Fact]
    public async Task A_lost_ack_is_answered_again_from_the_servers_cache()
    {
        await using var server = await StartAsync();
        // A relay that drops the server's first answer, as a lossy network would.
        using var relay = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var upstream = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var stop = new CancellationTokenSource();
        IPEndPoint? clientEnd = null;
        var dropped = 0;
        var relaying = Task.Run(async () =>
        {
            var toServer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var r = await relay.ReceiveAsync(stop.Token);
                    clientEnd = r.RemoteEndPoint;
                    await upstream.SendAsync(r.Buffer, server.EndPoint, stop.Token);
                }
            });
            while (!stop.IsCancellationRequested)
            {
                var answer = await upstream.ReceiveAsync(stop.Token);
                if (Interlocked.Increment(ref dropped) == 1)
                {
                    continue;
                }

                await relay.SendAsync(answer.Buffer, clientEnd!, stop.Token);
            }

            await toServer;
        });

        var client = Client((IPEndPoint)relay.Client.LocalEndPoint!);
        var lease = await client.RequestAsync(new MadcapLeaseRequest(Local), null, CancellationToken.None);
        Assert.Single(lease.Addresses);
        Assert.Equal(1, await server.LeaseCountAsync());
        Assert.Equal(1, server.Engine.Stats.Snapshot().Retransmissions);
        Assert.True(dropped >= 2);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => relaying);
    }
}

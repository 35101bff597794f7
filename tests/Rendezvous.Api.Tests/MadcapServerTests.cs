using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Madcap;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Madcap.Protocol;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>The MADCAP server as the service runs it: real UDP datagrams over loopback, leases in a real PostgreSQL.</summary>
public sealed class MadcapServerTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static async Task<IPEndPoint> ServerAsync(ConferenceApiHost host)
    {
        using var client = host.Client();
        // Scopes are stored once the schema is migrated; the sockets open then too.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var service = host.Factory.Services.GetRequiredService<MadcapServerService>();
        while (service.EndPoints.Count == 0 || (await client.GetFromJsonAsync<JsonElement>("/api/madcap/scopes")).GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the MADCAP server did not start");
            await Task.Delay(100);
        }

        return service.EndPoints[0];
    }

    private static async Task<MadcapMessage?> ExchangeAsync(UdpClient udp, IPEndPoint server, byte[] datagram, int timeoutMs = 3000)
    {
        await udp.SendAsync(datagram, server);
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            var received = await udp.ReceiveAsync(timeout.Token);
            Assert.Equal(server, received.RemoteEndPoint);
            var decoded = MadcapDecoder.Decode(received.Buffer);
            Assert.True(decoded.IsValid, decoded.ToString());
            return decoded.Message;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_client_gets_scopes_and_a_lease_over_udp_and_garbage_is_counted_not_answered()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var http = host.Client();
        var server = await ServerAsync(host);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var leaseId = MadcapList.Create<byte>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

        var info = await ExchangeAsync(udp, server, MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.GetInfo, MadcapAddressFamily.IPv4, 7)
        {
            LeaseIdentifier = leaseId,
            OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]),
        }));
        Assert.Equal(MadcapMessageType.Ack, info!.Type);
        Assert.Equal([IPAddress.Parse("239.192.0.0"), IPAddress.Parse("239.255.0.0")], info.ScopeList!.Value.Select(s => s.ScopeId));

        var ack = await ExchangeAsync(udp, server, MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.Request, MadcapAddressFamily.IPv4, 8)
        {
            LeaseIdentifier = leaseId,
            Scope = IPAddress.Parse("239.255.0.0"),
            LeaseTime = TimeSpan.FromHours(2),
        }));
        Assert.Equal((MadcapMessageType.Ack, TimeSpan.FromHours(2), IPAddress.Loopback), (ack!.Type, ack.LeaseTime, ack.ServerIdentifier));
        var range = Assert.Single(ack.AddressRanges!.Value);
        Assert.Equal(1, range.BlockSize);
        Assert.Equal(239, range.Start.GetAddressBytes()[0]);

        // Garbage gets no answer at all, and is counted.
        Assert.Null(await ExchangeAsync(udp, server, [0, 8, 0, 1, 0, 0, 0, 9, 0xFF], timeoutMs: 500));
        var stats = await http.GetFromJsonAsync<JsonElement>("/api/madcap/stats");
        Assert.Equal((1, 1, 2, 1), (stats.GetProperty("informs").GetInt64(), stats.GetProperty("requests").GetInt64(), stats.GetProperty("acks").GetInt64(), stats.GetProperty("invalid").GetInt64()));
    }

    [Fact]
    public async Task Acked_leases_survive_a_restart_and_two_servers_on_one_database_never_lease_an_address_twice()
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        var leaseId = MadcapList.Create<byte>([0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1]);
        IPAddress leased;
        using (var first = await ConferenceApiHost.StartAsync(postgres, Now, connectionString: connectionString))
        {
            var server = await ServerAsync(first);
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var ack = await ExchangeAsync(udp, server, MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.Request, MadcapAddressFamily.IPv4, 1)
            {
                LeaseIdentifier = leaseId,
                Scope = IPAddress.Parse("239.192.0.0"),
            }));
            leased = ack!.AddressRanges!.Value[0].Start;
        }

        // A new instance on the same database knows the lease: RENEW is acknowledged with the same address.
        using var second = await ConferenceApiHost.StartAsync(postgres, Now, connectionString: connectionString);
        using var third = await ConferenceApiHost.StartAsync(postgres, Now, connectionString: connectionString);
        var servers = new[] { await ServerAsync(second), await ServerAsync(third) };
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            var renewed = await ExchangeAsync(udp, servers[0], MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.Renew, MadcapAddressFamily.IPv4, 2) { LeaseIdentifier = leaseId }));
            Assert.Equal((MadcapMessageType.Ack, leased), (renewed!.Type, renewed.AddressRanges!.Value[0].Start));
        }

        // 60 clients at once, alternating between the two servers, 4 addresses each.
        var acks = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            return await ExchangeAsync(udp, servers[i % 2], MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.Request, MadcapAddressFamily.IPv4, (uint)(100 + i))
            {
                LeaseIdentifier = MadcapList.Create<byte>([0, .. BitConverter.GetBytes(i), .. new byte[12]]),
                Scope = IPAddress.Parse("239.255.0.0"),
                AddressesRequested = new MadcapAddressCount(4, 4),
            }), timeoutMs: 10_000);
        }));
        Assert.All(acks, a => Assert.Equal(MadcapMessageType.Ack, a!.Type));
        var addresses = acks.SelectMany(a => a!.AddressRanges!.Value.SelectMany(r => Enumerable.Range(0, r.BlockSize).Select(n => Rendezvous.Madcap.Leases.MadcapScope.Offset(r.Start, n)))).ToList();
        Assert.Equal(240, addresses.Count);
        Assert.Equal(240, addresses.Distinct().Count());
    }

    [Fact]
    public async Task A_hundred_thousand_mutated_datagrams_over_udp_create_no_lease_and_leave_the_server_answering()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        using var http = host.Client();
        var server = await ServerAsync(host);
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var valid = MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.Request, MadcapAddressFamily.IPv4, 5)
        {
            LeaseIdentifier = MadcapList.Create<byte>([0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]),
            Scope = IPAddress.Parse("239.255.0.0"),
        });
        var sent = 0;
        while (sent < 100_000)
        {
            var bytes = (byte[])valid.Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (random.Next(10) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }

            // Only what the decoder refuses: a mutation that is still a valid REQUEST may rightly get a lease.
            if (!MadcapDecoder.Decode(bytes).IsValid)
            {
                await udp.SendAsync(bytes, server);
                sent++;

                // Paced: a server socket buffer holds a few hundred small datagrams, and the point
                // is that the server handles every one, not that the kernel drops a flood.
                if (sent % 100 == 0)
                {
                    await UntilReceivedAsync(http, sent);
                }
            }
        }

        await UntilReceivedAsync(http, sent);

        // The server still answers (a socket of its own: the garbage's NAKs went to the other),
        // and what it received was counted as invalid; nothing was leased.
        // The flood may still fill the server's socket buffer, so the probe retransmits as a client would.
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var getInfo = MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.GetInfo, MadcapAddressFamily.IPv4, 0xFFFF_FFF0)
        {
            LeaseIdentifier = MadcapList.Create<byte>([0, 1]),
            OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]),
        });
        MadcapMessage? info = null;
        for (var attempt = 0; attempt < 30 && info is null; attempt++)
        {
            info = await ExchangeAsync(probe, server, getInfo, timeoutMs: 1000);
        }

        Assert.True(info?.Type == MadcapMessageType.Ack, $"seed {seed}: after {sent} mutated datagrams the answer was {info?.Type.ToString() ?? "none"} {info?.Error}");
        var stats = await http.GetFromJsonAsync<JsonElement>("/api/madcap/stats");
        Assert.True(stats.GetProperty("received").GetInt64() >= sent * 0.99, $"seed {seed}, {sent} sent: {stats}");
        Assert.Equal(stats.GetProperty("received").GetInt64() - 1, stats.GetProperty("invalid").GetInt64());
        Assert.Equal(1, stats.GetProperty("acks").GetInt64());
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM madcap.leases");
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    /// <summary>Waits until the server has received <paramref name="sent"/> datagrams, or makes no progress for half a second.</summary>
    private static async Task UntilReceivedAsync(HttpClient http, long sent)
    {
        var last = -1L;
        var stalled = System.Diagnostics.Stopwatch.StartNew();
        while (stalled.ElapsedMilliseconds < 500)
        {
            var received = (await http.GetFromJsonAsync<JsonElement>("/api/madcap/stats")).GetProperty("received").GetInt64();
            if (received >= sent)
            {
                return;
            }

            if (received != last)
            {
                last = received;
                stalled.Restart();
            }

            await Task.Delay(2);
        }
    }
}

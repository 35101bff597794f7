using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Rendezvous.Madcap.Protocol;

namespace Rendezvous.LoadDriver;

/// <summary>
/// The MADCAP load driver (bench/run-madcap.sh): many simulated clients, each with its own UDP
/// socket and loopback address (127.1.x.y), running complete exchanges against a server. Closed loop (as fast as answers come)
/// or at a fixed total rate (open loop, for latency at a given load). Every exchange uses a new
/// Lease Identifier; a lost answer is retried after 1 s and counted.
///   madcap --server HOST:PORT --scope ADDR [--mode request|dora] [--clients 32] [--duration 20] [--rate N] [--out FILE]
/// </summary>
internal static class MadcapLoad
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(Args options, CancellationToken cancellationToken)
    {
        var server = IPEndPoint.Parse(options.Required("server"));
        Loopback.Require(server.Address.ToString());
        var scope = IPAddress.Parse(options.Required("scope"));
        var dora = (options.Optional("mode") ?? "request") == "dora";
        var clients = options.Int("clients", 32);
        var duration = TimeSpan.FromSeconds(options.Int("duration", 20));
        var rate = options.Int("rate", 0);
        var latencies = new List<double>[clients];
        var retries = 0L;
        var naks = 0L;
        var stop = Stopwatch.StartNew();
        var started = Stopwatch.GetTimestamp();
        var interval = rate > 0 ? (long)((double)clients / rate * Stopwatch.Frequency) : 0L;
        // One thread and one blocking socket per simulated client: an answer wakes its thread
        // directly, with no thread-pool hop and no timer per exchange, so the driver adds as little
        // CPU and scheduling delay as it can to what it measures.
        var threads = Enumerable.Range(0, clients).Select(c => new Thread(() =>
        {
            var mine = latencies[c] = new List<double>(100_000);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            // Each simulated client has an address of its own (all of 127/8 is loopback), as real clients do.
            socket.Bind(new IPEndPoint(new IPAddress([127, 1, (byte)(c / 250), (byte)(c % 250 + 1)]), 0));
            socket.ReceiveTimeout = 1000;
            var buffer = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            var xid = (uint)(c << 24);
            var n = 0L;
            var next = started + (interval * c / clients);
            while (Stopwatch.GetElapsedTime(started) < duration && !cancellationToken.IsCancellationRequested)
            {
                if (interval > 0)
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        Thread.Sleep(wait);
                    }

                    next += interval;
                }

                var leaseId = MadcapList.Create<byte>([0, (byte)c, .. BitConverter.GetBytes(n++), .. BitConverter.GetBytes(Environment.TickCount64)]);
                var t0 = Stopwatch.GetTimestamp();
                IPAddress? serverId = null;
                if (dora)
                {
                    var offer = Exchange(socket, server, buffer, ref from, new MadcapMessage(MadcapMessageType.Discover, MadcapAddressFamily.IPv4, ++xid) { LeaseIdentifier = leaseId, Scope = scope }, ref retries);
                    serverId = offer?.ServerIdentifier;
                }

                var ack = Exchange(socket, server, buffer, ref from, new MadcapMessage(MadcapMessageType.Request, MadcapAddressFamily.IPv4, ++xid) { LeaseIdentifier = leaseId, Scope = scope, ServerIdentifier = serverId }, ref retries);
                if (ack?.Type == MadcapMessageType.Ack)
                {
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref naks);
                }
            }
        })
        { IsBackground = true, Name = $"madcap-client-{c}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var seconds = stop.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double? P(double q) => all.Length == 0 ? null : Math.Round(all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)], 3);
        var result = new Dictionary<string, object>
        {
            ["mode"] = dora ? "DISCOVER-OFFER-REQUEST-ACK" : "REQUEST-ACK",
            ["clients"] = clients,
            ["targetRate"] = rate,
            ["seconds"] = Math.Round(seconds, 1),
            ["exchanges"] = all.Length,
            ["exchangesPerSecond"] = Math.Round(all.Length / seconds, 0),
            ["retries"] = retries,
            ["naks"] = naks,
            ["latencyMs"] = new Dictionary<string, double?> { ["p50"] = P(0.50), ["p90"] = P(0.90), ["p99"] = P(0.99), ["max"] = P(1.0) },
        };
        var json = JsonSerializer.Serialize(result, Indented);
        Console.WriteLine(json);
        if (options.Optional("out") is { } path)
        {
            await File.WriteAllTextAsync(path, json + "\n", cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>One request and its answer (same xid); sent again after 1 s of silence, up to 3 times.</summary>
    private static MadcapMessage? Exchange(Socket socket, IPEndPoint server, byte[] buffer, ref EndPoint from, MadcapMessage request, ref long retries)
    {
        var datagram = MadcapEncoder.Encode(request);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            if (attempt > 0)
            {
                Interlocked.Increment(ref retries);
            }

            socket.SendTo(datagram, server);
            try
            {
                while (true)
                {
                    var received = socket.ReceiveFrom(buffer, ref from);
                    var decoded = MadcapDecoder.Decode(buffer.AsSpan(0, received));
                    if (decoded.Message is { } answer && answer.Xid == request.Xid)
                    {
                        return answer;
                    }
                }
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
            }
        }

        return null;
    }
}

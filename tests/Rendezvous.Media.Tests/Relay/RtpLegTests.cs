using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Relay;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Media.Rtp;
using Rendezvous.Testing;

namespace Rendezvous.Media.Tests.Relay;

/// <summary>
/// RTP legs over real UDP on loopback: the source, rate, format and payload-type checks, latching,
/// and relaying between two legs; received through the asynchronous fallback path here, and
/// through the Linux receive reactor in <see cref="RtpLegReactorTests"/> (the same tests).
/// </summary>
public class RtpLegTests : IAsyncDisposable
{
    private static readonly MediaMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
    private static int _nextRange = 42000 + Environment.ProcessId % 500 * 16;

    private readonly RtpPortPool _pool = Pool();
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>A private 16-port range (even start) for each caller, so tests running at once never share ports.</summary>
    private static int Range() => Interlocked.Add(ref _nextRange, 16) - 16;

    private static RtpPortPool Pool()
    {
        var first = Range();
        return new RtpPortPool(IPAddress.Loopback, first, first + 15);
    }

    private sealed class Collector : IRtpLegSink
    {
        public ConcurrentQueue<(ushort Sequence, uint Ssrc, byte PayloadType, byte[] Payload)> Packets { get; } = new();

        public Forwarder? Then { get; set; }

        public void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival)
        {
            Packets.Enqueue((packet.SequenceNumber, packet.Ssrc, packet.PayloadType, packet.Payload.ToArray()));
            Then?.Invoke(leg, packet);
        }
    }

    private delegate void Forwarder(RtpLeg leg, in RtpPacket packet);

    /// <summary>What the legs receive through: null, the asynchronous path.</summary>
    protected virtual ReceiveReactor? Reactor => null;

    private RtpLeg Leg(RtpLegSettings settings, IRtpLegSink sink)
    {
        var ports = _pool.TryAllocate() ?? throw new InvalidOperationException("no ports");
        var leg = new RtpLeg(Guid.NewGuid(), ports, settings, sink, Metrics, TimeProvider.System, Reactor);
        leg.Start();
        _owned.Add(leg);
        return leg;
    }

    private static Socket Party()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 3000;
        return socket;
    }

    private static byte[] Rtp(ushort sequence, uint ssrc = 0x1234, byte payloadType = 0, byte fill = 0x55, int length = 160)
    {
        var payload = Enumerable.Repeat(fill, length).ToArray();
        var builder = new RtpPacketBuilder { PayloadType = payloadType, SequenceNumber = sequence, Timestamp = sequence * 160u, Ssrc = ssrc, Payload = payload };
        var buffer = new byte[builder.GetEncodedLength()];
        Assert.True(builder.TryWrite(buffer, out _));
        return buffer;
    }

    [Fact]
    public void The_port_pool_hands_out_even_pairs_skips_busy_ports_and_runs_out()
    {
        var first = Range();
        using var busy = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        busy.Bind(new IPEndPoint(IPAddress.Loopback, first + 1)); // another program holds the first pair's RTCP port
        var pool = new RtpPortPool(IPAddress.Loopback, first, first + 5);
        using var a = pool.TryAllocate()!;
        using var b = pool.TryAllocate()!;
        Assert.Equal([first + 2, first + 4], new[] { a.Port, b.Port });
        Assert.Equal(a.Port + 1, ((IPEndPoint)a.Rtcp.LocalEndPoint!).Port);
        Assert.Null(pool.TryAllocate());
        b.Dispose();
        using var again = pool.TryAllocate()!;
        Assert.Equal(first + 4, again.Port);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpPortPool(IPAddress.Loopback, first + 1, first + 9));
    }

    [Fact]
    public async Task Only_the_negotiated_party_is_heard_and_foreign_malformed_and_unknown_payload_packets_are_dropped_and_counted()
    {
        using var party = Party();
        using var stranger = Party();
        var sink = new Collector();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint! }, sink);
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);

        party.SendTo(Rtp(1), target);
        stranger.SendTo(Rtp(2), target);
        party.SendTo([0x40, 0, 0, 1, 2, 3], target);            // version 1
        party.SendTo([0x80, 0x00, 0x00], target);               // truncated header
        party.SendTo(Rtp(3, payloadType: 8), target);           // PCMA was not negotiated
        party.SendTo(Rtp(4), target);
        await Eventually.TrueAsync(() => leg.Counters.Received == 2 && leg.Counters.DroppedMalformed == 2);

        Assert.Equal([1, 4], sink.Packets.Select(p => (int)p.Sequence));
        Assert.Equal(new RtpLegCounters(2, 0, 1, 0, 2, 1), leg.Counters);
        Assert.Equal(0x1234u, leg.Statistics!.Ssrc);
        Assert.True(leg.Silence < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task With_latching_the_first_source_becomes_the_remote_party_and_is_answered()
    {
        using var party = Party();
        using var other = Party();
        var leg = Leg(new RtpLegSettings { LatchToFirstSource = true }, new Collector());
        Assert.False(leg.Send(new byte[160], 0, marker: false)); // nowhere to send yet
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);
        party.SendTo(Rtp(1), target);
        await Eventually.TrueAsync(() => leg.Counters.Received == 1);
        other.SendTo(Rtp(2), target);
        await Eventually.TrueAsync(() => leg.Counters.DroppedForeignSource == 1);
        Assert.Equal(party.LocalEndPoint, leg.Remote);

        Assert.True(leg.Send(new byte[160], 480, marker: true));
        var buffer = new byte[1500];
        var n = party.Receive(buffer);
        var packet = RtpPacket.Read(buffer.AsSpan(0, n)).Packet;
        Assert.Equal((leg.Ssrc, 480u, true, (byte)0), (packet.Ssrc, packet.Timestamp, packet.Marker, packet.PayloadType));
    }

    [Fact]
    public async Task A_separate_source_without_a_remote_party_is_heard_only_once_latched()
    {
        using var sender = Party();
        var target = (IPEndPoint)sender.LocalEndPoint!;

        // No remote party and no latching: nothing is heard, not even the named source.
        var strict = Leg(new RtpLegSettings { Source = target }, new Collector());
        sender.SendTo(Rtp(1), new IPEndPoint(IPAddress.Loopback, strict.LocalPort));
        await Eventually.TrueAsync(() => strict.Counters.DroppedForeignSource == 1);
        Assert.Equal(0, strict.Counters.Received);

        // With latching, the first source becomes the remote party, and the named source is heard and answered.
        var latching = Leg(new RtpLegSettings { Source = target, LatchToFirstSource = true }, new Collector());
        sender.SendTo(Rtp(2), new IPEndPoint(IPAddress.Loopback, latching.LocalPort));
        await Eventually.TrueAsync(() => latching.Counters.Received == 1);
        Assert.Equal(target, latching.Remote);
        Assert.True(latching.Send(new byte[160], 0, marker: false));
        Assert.True(sender.Receive(new byte[1500]) > 12);
    }

    [Fact]
    public async Task A_redirected_leg_delivers_to_its_route_and_back_to_its_sink_when_the_route_is_taken_away()
    {
        using var party = Party();
        var sink = new Collector();
        var route = new Collector();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint! }, sink);
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);
        party.SendTo(Rtp(1), target);
        await Eventually.TrueAsync(() => sink.Packets.Count == 1);

        leg.Redirect(route);
        party.SendTo(Rtp(2), target);
        await Eventually.TrueAsync(() => route.Packets.Count == 1);
        Assert.Single(sink.Packets);
        Assert.Equal(2, route.Packets.Single().Sequence);

        leg.Redirect(null);
        party.SendTo(Rtp(3), target);
        await Eventually.TrueAsync(() => sink.Packets.Count == 2);
        Assert.Single(route.Packets);
    }

    [Fact]
    public async Task A_leg_on_ipv6_hears_its_party_and_answers_it()
    {
        var first = Range();
        var pool = new RtpPortPool(IPAddress.IPv6Loopback, first, first + 15);
        using var party = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        party.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        party.ReceiveTimeout = 3000;
        using var stranger = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var collector = new Collector();
        var ports = pool.TryAllocate() ?? throw new InvalidOperationException("no ports");
        var leg = new RtpLeg(Guid.NewGuid(), ports, new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint! }, collector, Metrics, TimeProvider.System, Reactor);
        leg.Start();
        _owned.Add(leg);

        var target = new IPEndPoint(IPAddress.IPv6Loopback, leg.LocalPort);
        party.SendTo(Rtp(7), target);
        stranger.SendTo(Rtp(8), target);
        await Eventually.TrueAsync(() => collector.Packets.Count == 1 && leg.Counters.DroppedForeignSource == 1);
        Assert.Equal(7, collector.Packets.Single().Sequence);

        Assert.True(leg.SendNext(new byte[160], 160));
        var buffer = new byte[1500];
        var n = party.Receive(buffer);
        Assert.Equal(leg.Ssrc, RtpPacket.Read(buffer.AsSpan(0, n)).Packet.Ssrc);
    }

    [Fact]
    public void Every_descriptor_of_a_legs_rtp_socket_is_closed_on_exec()
    {
        using var party = Party();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint! }, new Collector());

        // The socket's inode from /proc/net/udp (its local port, in hex), then every descriptor of ours on it.
        // The table is read in pages while other tests open and close sockets, so a line can be missed once.
        var port = $":{leg.LocalPort:X4}";
        string? inode = null;
        for (var attempt = 0; attempt < 10 && inode is null; attempt++)
        {
            inode = File.ReadLines("/proc/net/udp").Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .FirstOrDefault(fields => fields[1].EndsWith(port, StringComparison.Ordinal))?[9];
        }

        Assert.NotNull(inode);
        var descriptors = new DirectoryInfo("/proc/self/fd").GetFileSystemInfos()
            .Where(fd => LinkTarget(fd) == $"socket:[{inode}]")
            .Select(fd => fd.Name)
            .ToList();

        // The socket itself, and with the reactor the sender's own duplicate (the portable path sends through the socket).
        Assert.Equal(Reactor is null ? 1 : 2, descriptors.Count);
        foreach (var fd in descriptors)
        {
            var flags = File.ReadLines($"/proc/self/fdinfo/{fd}").Single(line => line.StartsWith("flags:", StringComparison.Ordinal));
            Assert.NotEqual(0, Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 0x80000); // O_CLOEXEC
        }

        // Another test's descriptor can close between the listing and the read: not ours, then.
        static string? LinkTarget(FileSystemInfo fd)
        {
            try
            {
                return fd.LinkTarget;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    [Fact]
    public async Task An_ended_leg_sends_nothing_more_and_frees_its_port_at_once()
    {
        using var party = Party();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint! }, new Collector());
        Assert.True(leg.SendNext(new byte[160], 160));
        Assert.True(party.Receive(new byte[1500]) > 12);
        var port = leg.LocalPort;
        _owned.Remove(leg);
        await leg.DisposeAsync();

        Assert.False(leg.SendNext(new byte[160], 160));
        Assert.False(leg.Send(new byte[160], 0, marker: false));
        Assert.False(leg.ForwardUnchanged(RtpPacket.Read(Rtp(1)).Packet));
        Assert.Equal(1, leg.Counters.Sent);

        // No descriptor of the leg's socket outlives it (the sender's own copy included): the port binds again.
        using var rebound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebound.Bind(new IPEndPoint(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task A_party_that_sends_from_another_port_than_it_receives_on_is_heard_only_from_there()
    {
        using var receiver = Party();
        using var sender = Party();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)receiver.LocalEndPoint!, Source = (IPEndPoint)sender.LocalEndPoint! }, new Collector());
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);
        receiver.SendTo(Rtp(1), target); // the receive address is not the source
        sender.SendTo(Rtp(2), target);
        await Eventually.TrueAsync(() => leg.Counters.Received == 1 && leg.Counters.DroppedForeignSource == 1);
        Assert.True(leg.Send(new byte[160], 0, marker: false));
        Assert.True(receiver.Receive(new byte[1500]) > 12); // and we send to where it receives
    }

    [Fact]
    public async Task Sending_to_a_closed_port_draws_icmp_unreachable_and_receiving_goes_on()
    {
        using var sender = Party();
        var closed = Party();
        var unreachable = (IPEndPoint)closed.LocalEndPoint!;
        closed.Dispose(); // nothing listens there now: every send to it draws ICMP port unreachable
        var sink = new Collector();
        var leg = Leg(new RtpLegSettings { Remote = unreachable, Source = (IPEndPoint)sender.LocalEndPoint! }, sink);
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);
        for (ushort i = 1; i <= 5; i++)
        {
            leg.Send(new byte[160], i * 160u, marker: false);
            await Task.Delay(5); // let the ICMP error come back before the next datagram arrives
            sender.SendTo(Rtp(i), target);
        }

        await Eventually.TrueAsync(() => leg.Counters.Received == 5);
        Assert.Equal([1, 2, 3, 4, 5], sink.Packets.Select(p => (int)p.Sequence));
    }

    [Fact]
    public async Task A_flood_past_the_rate_limit_is_dropped_and_counted()
    {
        using var party = Party();
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.LocalEndPoint!, MaxPacketsPerSecond = 50 }, new Collector());
        var target = new IPEndPoint(IPAddress.Loopback, leg.LocalPort);
        for (ushort i = 0; i < 100; i++)
        {
            party.SendTo(Rtp(i), target);
        }

        await Eventually.TrueAsync(() => leg.Counters.Received + leg.Counters.DroppedRateLimited == 100);
        Assert.InRange(leg.Counters.Received, 10, 30); // the burst of 10, plus what refilled meanwhile
    }

    [Fact]
    public async Task Relaying_rewrites_ssrc_and_sequence_keeps_gaps_transcodes_and_continues_across_a_source_change()
    {
        using var alice = Party();
        using var bob = Party();
        var toBob = Leg(new RtpLegSettings { Remote = (IPEndPoint)bob.LocalEndPoint!, Codec = AudioCodec.Pcma }, new Collector());
        var fromAlice = new Collector { Then = (RtpLeg leg, in RtpPacket packet) => toBob.Forward(packet, leg.Codec, sourceTelephoneEvent: null) };
        var aliceLeg = Leg(new RtpLegSettings { Remote = (IPEndPoint)alice.LocalEndPoint! }, fromAlice);
        var target = new IPEndPoint(IPAddress.Loopback, aliceLeg.LocalPort);

        var received = new List<RtpPacketSummary>();
        void Receive(int count)
        {
            var buffer = new byte[1500];
            for (var i = 0; i < count; i++)
            {
                var n = bob.Receive(buffer);
                var p = RtpPacket.Read(buffer.AsSpan(0, n)).Packet;
                received.Add(new(p.SequenceNumber, p.Timestamp, p.Ssrc, p.PayloadType, p.Payload[0]));
            }
        }

        alice.SendTo(Rtp(100, fill: 0x00), target);
        Receive(1);
        alice.SendTo(Rtp(102, fill: 0x00), target); // 101 lost: the gap must stay visible
        Receive(1);
        alice.SendTo(Rtp(7, ssrc: 0x9999, fill: 0x00), target); // a new source behind the same party
        Receive(1);

        Assert.All(received, r => Assert.Equal((toBob.Ssrc, (byte)8, G711Transcoder.MuLawToALaw(0x00)), (r.Ssrc, r.PayloadType, r.First)));
        Assert.Equal(2, (ushort)(received[1].Sequence - received[0].Sequence));
        Assert.Equal(320u, received[1].Timestamp - received[0].Timestamp);
        Assert.Equal(1, (ushort)(received[2].Sequence - received[1].Sequence));
        Assert.Equal(160u, received[2].Timestamp - received[1].Timestamp);
        await Eventually.TrueAsync(() => toBob.Counters.Sent == 3);
    }

    [Fact]
    public void Mixed_frames_continue_the_relayed_stream_and_relaying_resumes_where_the_mix_left_off()
    {
        using var bob = Party();
        var toBob = Leg(new RtpLegSettings { Remote = (IPEndPoint)bob.LocalEndPoint! }, new Collector());
        var buffer = new byte[1500];
        (ushort Sequence, uint Timestamp) Next()
        {
            var n = bob.Receive(buffer);
            var p = RtpPacket.Read(buffer.AsSpan(0, n)).Packet;
            Assert.Equal(toBob.Ssrc, p.Ssrc);
            return (p.SequenceNumber, p.Timestamp);
        }

        var relayed = RtpPacket.Read(Rtp(500)).Packet;
        Assert.True(toBob.Forward(relayed, AudioCodec.Pcmu, sourceTelephoneEvent: null));
        var first = Next();

        // A conference starts: the mixer's frames carry on the same numbering.
        Assert.True(toBob.SendNext(new byte[160], 160));
        Assert.True(toBob.SendNext(new byte[160], 160));
        var mixed = (Next(), Next());
        Assert.Equal(((ushort)(first.Sequence + 1), first.Timestamp + 160), mixed.Item1);
        Assert.Equal(((ushort)(first.Sequence + 2), first.Timestamp + 320), mixed.Item2);

        // Back to the relay, with the same source as before: it continues after the mix, not from the old offsets.
        Assert.True(toBob.Forward(RtpPacket.Read(Rtp(501)).Packet, AudioCodec.Pcmu, sourceTelephoneEvent: null));
        Assert.Equal(((ushort)(first.Sequence + 3), first.Timestamp + 480), Next());
    }

    [Fact]
    public void Telephone_events_pass_only_between_legs_that_both_negotiated_them()
    {
        using var bob = Party();
        var withEvents = Leg(new RtpLegSettings { Remote = (IPEndPoint)bob.LocalEndPoint!, TelephoneEventPayloadType = 101 }, new Collector());
        var without = Leg(new RtpLegSettings { Remote = (IPEndPoint)bob.LocalEndPoint! }, new Collector());
        var dtmf = Rtp(5, payloadType: 96, length: 4);
        var packet = RtpPacket.Read(dtmf).Packet;
        Assert.True(withEvents.Forward(packet, AudioCodec.Pcmu, sourceTelephoneEvent: 96));
        Assert.False(without.Forward(packet, AudioCodec.Pcmu, sourceTelephoneEvent: 96));
        var buffer = new byte[1500];
        var n = bob.Receive(buffer);
        Assert.Equal(101, RtpPacket.Read(buffer.AsSpan(0, n)).Packet.PayloadType);
    }

    [Fact]
    public async Task Rtcp_from_the_party_is_checked_malformed_reports_counted_and_sender_reports_kept_for_our_receiver_reports()
    {
        // The party's own RTP/RTCP pair, so its RTCP comes from its RTP port plus one, as RFC 3550 section 11 says.
        using var party = _pool.TryAllocate()!;
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.Rtp.LocalEndPoint! }, new Collector());
        var rtcpTarget = new IPEndPoint(IPAddress.Loopback, leg.LocalPort + 1);
        for (ushort n = 1; n <= 3; n++)
        {
            party.Rtp.SendTo(Rtp(n), new IPEndPoint(IPAddress.Loopback, leg.LocalPort)); // past the source's probation (RFC 3550 A.1)
        }

        await Eventually.TrueAsync(() => leg.Counters.Received == 3);

        party.Rtcp.SendTo([0x81, 200, 0, 1, 0, 0], rtcpTarget); // an SR whose length runs past the datagram
        await Eventually.TrueAsync(() => leg.Counters.DroppedMalformed == 1);

        var sent = Rendezvous.Media.Rtcp.NtpTimestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        var report = Rendezvous.Media.Rtcp.RtcpCompound.Encode(Rendezvous.Media.Rtcp.RtcpCompound.CreateReport(
            0x1234, new Rendezvous.Media.Rtcp.RtcpSenderInfo(sent, 160, 1, 160), [], "party@example"));
        party.Rtcp.SendTo(report, rtcpTarget);
        await Eventually.TrueAsync(() => leg.Statistics!.TryCreateReportBlock(TimeSpan.FromHours(1), out var block) && block.LastSenderReport == sent.Middle32);
        Assert.Equal(1, leg.Counters.DroppedMalformed);
    }

    [Fact]
    public async Task Quality_gives_the_partys_loss_and_jitter_and_the_round_trip_from_its_receiver_report()
    {
        using var party = _pool.TryAllocate()!;
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.Rtp.LocalEndPoint! }, new Collector());
        Assert.Equal(new RtpLegStatistics(null, null, null, null, null, null, null), leg.Quality());

        // Sequence 1 to 12 without 7. RFC 3550 A.1 counts from the packet that ends the source's probation
        // (sequence 2), so 11 are expected and one is lost.
        foreach (var n in Enumerable.Range(1, 12).Where(n => n != 7))
        {
            party.Rtp.SendTo(Rtp((ushort)n), new IPEndPoint(IPAddress.Loopback, leg.LocalPort));
        }

        await Eventually.TrueAsync(() => leg.Counters.Received == 11);
        var quality = leg.Quality();
        Assert.Equal((11L, 1), (quality.Expected, quality.Lost));
        Assert.NotNull(quality.JitterMs);
        Assert.Null(quality.RoundTripMs);

        // The party's RR about us: our SR (LSR) reached it 150 ms ago and it held it 50 ms (DLSR): the round trip is 100 ms.
        var reportSent = System.Diagnostics.Stopwatch.StartNew();
        var lastSenderReport = Rendezvous.Media.Rtcp.NtpTimestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(150)).Middle32;
        var block = new Rendezvous.Media.Rtcp.RtcpReportBlock(leg.Ssrc, FractionLost: 64, CumulativeLost: 3, ExtendedHighestSequence: 100, Jitter: 80,
            lastSenderReport, Rendezvous.Media.Rtcp.NtpTimestamp.ToShortFormat(TimeSpan.FromMilliseconds(50)));
        var other = block with { Ssrc = leg.Ssrc ^ 1, FractionLost = 255 }; // about someone else: ignored
        party.Rtcp.SendTo(Rendezvous.Media.Rtcp.RtcpCompound.Encode(Rendezvous.Media.Rtcp.RtcpCompound.CreateReport(0x1234, null, [other, block], "party@example")),
            new IPEndPoint(IPAddress.Loopback, leg.LocalPort + 1));
        await Eventually.TrueAsync(() => leg.Quality().RoundTripMs is not null);
        var upToRead = reportSent.Elapsed.TotalMilliseconds;
        quality = leg.Quality();
        // 100 ms, plus the time the report took to arrive and be read (at most what passed until it was seen read).
        Assert.InRange(quality.RoundTripMs!.Value, 99, 101 + upToRead);
        Assert.Equal((0.25, 3, 10.0), (quality.PartyFractionLost, quality.PartyLost, quality.PartyJitterMs)); // 64/256; 80 units at 8 kHz
    }

    [Fact]
    public async Task The_leg_sends_its_own_sender_reports_about_the_party_and_a_bye_when_it_ends()
    {
        using var party = _pool.TryAllocate()!;
        party.Rtcp.ReceiveTimeout = 3000;
        var leg = Leg(new RtpLegSettings { Remote = (IPEndPoint)party.Rtp.LocalEndPoint!, RtcpInterval = TimeSpan.FromMilliseconds(100) }, new Collector());
        for (ushort n = 1; n <= 3; n++)
        {
            party.Rtp.SendTo(Rtp(n), new IPEndPoint(IPAddress.Loopback, leg.LocalPort));
        }

        await Eventually.TrueAsync(() => leg.Counters.Received == 3);
        Assert.True(leg.Send(new byte[160], 1000, marker: false));

        var buffer = new byte[1500];
        Rendezvous.Media.Rtcp.RtcpSenderReport? report = null;
        for (var i = 0; i < 20 && report is null; i++)
        {
            var n = party.Rtcp.Receive(buffer);
            var decoded = Rendezvous.Media.Rtcp.RtcpCompound.Read(buffer.AsSpan(0, n));
            Assert.True(decoded.IsValid, decoded.Error.ToString());
            report = decoded.Packets[0] as Rendezvous.Media.Rtcp.RtcpSenderReport;
            Assert.Contains(decoded.Packets, p => p is Rendezvous.Media.Rtcp.RtcpSourceDescription sdes && sdes.Chunks[0].Cname == leg.Cname);
        }

        Assert.NotNull(report);
        Assert.Equal((leg.Ssrc, 1u, 160u), (report.Ssrc, report.SenderInfo.PacketCount, report.SenderInfo.OctetCount));
        Assert.Equal(0x1234u, Assert.Single(report.ReportBlocks).Ssrc);

        _owned.Remove(leg);
        await leg.DisposeAsync();
        var goodbye = false;
        for (var i = 0; i < 20 && !goodbye; i++)
        {
            var n = party.Rtcp.Receive(buffer);
            goodbye = Rendezvous.Media.Rtcp.RtcpCompound.Read(buffer.AsSpan(0, n)).Packets.Any(p => p is Rendezvous.Media.Rtcp.RtcpGoodbye);
        }

        Assert.True(goodbye);
    }

    private readonly record struct RtpPacketSummary(ushort Sequence, uint Timestamp, uint Ssrc, byte PayloadType, byte First);

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>Every <see cref="RtpLegTests"/> test again, with the legs read by a two-thread receive reactor (Linux).</summary>
public sealed class RtpLegReactorTests : RtpLegTests
{
    private readonly ReceiveReactor _reactor = new(2);

    protected override ReceiveReactor? Reactor => _reactor;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Assert.Equal(0, _reactor.Faults);
        Assert.Equal(0, _reactor.Registered); // every leg unregistered as it ended
        _reactor.Dispose();
    }
}

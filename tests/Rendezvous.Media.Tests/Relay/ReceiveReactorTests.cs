using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Relay;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Testing;

namespace Rendezvous.Media.Tests.Relay;

/// <summary>
/// The Linux receive reactor over real UDP on loopback: delivery to the right sink with the right
/// source, many sockets on few threads, unregistering while datagrams flow (nothing delivered after,
/// no confusion when a new socket gets the old descriptor number), and ICMP errors on a socket.
/// </summary>
[Collection(RunAlone.Name)] // the descriptor-reuse test needs no other test opening sockets meanwhile
public sealed class ReceiveReactorTests : IDisposable
{
    private readonly ReceiveReactor _reactor = new(2);
    private readonly List<Socket> _sockets = [];

    /// <summary>Records what it is given, and counts calls made after it was told it is unregistered.</summary>
    private sealed class Recorder : IDatagramSink
    {
        private volatile bool _unregistered;
        private int _late;

        public ConcurrentQueue<(int Channel, byte[] Datagram, DatagramSource Source)> Received { get; } = new();

        public int Late => Volatile.Read(ref _late);

        public void MarkUnregistered() => _unregistered = true;

        public void OnDatagram(int channel, ReadOnlySpan<byte> datagram, in DatagramSource source)
        {
            if (_unregistered)
            {
                Interlocked.Increment(ref _late);
            }

            Received.Enqueue((channel, datagram.ToArray(), source));
        }
    }

    private Socket Udp()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sockets.Add(socket);
        return socket;
    }

    [Fact]
    public async Task Each_datagram_reaches_the_sink_and_channel_of_the_socket_it_was_sent_to_with_its_source()
    {
        using var sender = Udp();
        var sinks = Enumerable.Range(0, 20).Select(_ => new Recorder()).ToArray();
        var pairs = sinks.Select(sink => (Sink: sink, Rtp: Udp(), Rtcp: Udp())).ToArray();
        foreach (var (sink, rtp, rtcp) in pairs)
        {
            _reactor.Register(sink, rtp, rtcp);
        }

        for (var i = 0; i < pairs.Length; i++)
        {
            sender.SendTo([(byte)i, 0], pairs[i].Rtp.LocalEndPoint!);
            sender.SendTo([(byte)i, 1], pairs[i].Rtcp.LocalEndPoint!);
        }

        // The reactor counts a datagram once its sink has returned: wait for that too.
        await Eventually.TrueAsync(() => sinks.All(s => s.Received.Count == 2) && _reactor.Delivered == 40);
        var from = DatagramSource.From((IPEndPoint)sender.LocalEndPoint!);
        for (var i = 0; i < sinks.Length; i++)
        {
            var got = sinks[i].Received.OrderBy(r => r.Channel).ToArray();
            Assert.Equal([(0, new byte[] { (byte)i, 0 }), (1, new byte[] { (byte)i, 1 })], got.Select(r => (r.Channel, r.Datagram)));
            Assert.All(got, r => Assert.Equal(from, r.Source));
        }

        Assert.Equal(40, _reactor.Delivered);
        Assert.Equal(40, _reactor.Registered);
    }

    [Fact]
    public async Task Many_sockets_share_the_threads_and_every_datagram_of_a_burst_is_delivered_once()
    {
        using var sender = Udp();
        var sinks = Enumerable.Range(0, 300).Select(_ => new Recorder()).ToArray();
        var sockets = sinks.Select(_ => Udp()).ToArray();
        var threads = sinks.Select((sink, i) => _reactor.Register(sink, sockets[i]).ThreadIndex).ToArray();
        Assert.Equal([0, 1], threads.Distinct().Order());
        for (var round = 0; round < 10; round++)
        {
            for (var i = 0; i < sockets.Length; i++)
            {
                sender.SendTo([(byte)round], sockets[i].LocalEndPoint!);
            }
        }

        await Eventually.TrueAsync(() => sinks.All(s => s.Received.Count == 10) && _reactor.Delivered == 3000);
        Assert.All(sinks, s => Assert.Equal(Enumerable.Range(0, 10).Select(r => (byte)r), s.Received.Select(r => r.Datagram[0])));
        Assert.Equal(3000, _reactor.Delivered);
    }

    [Fact]
    public async Task Nothing_is_delivered_once_unregister_returns_even_while_datagrams_flow()
    {
        var sinks = Enumerable.Range(0, 40).Select(_ => new Recorder()).ToArray();
        var sockets = sinks.Select(_ => Udp()).ToArray();
        var registrations = sinks.Select((sink, i) => _reactor.Register(sink, sockets[i])).ToArray();
        using var stop = new CancellationTokenSource();
        var targets = sockets.Select(s => s.LocalEndPoint!).ToArray();
        var flood = Task.Run(() =>
        {
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            while (!stop.IsCancellationRequested)
            {
                foreach (var target in targets)
                {
                    sender.SendTo(new byte[172], target);
                }
            }
        });

        await Eventually.TrueAsync(() => sinks.All(s => !s.Received.IsEmpty));
        for (var i = 0; i < sinks.Length; i++)
        {
            ReceiveReactor.Unregister(registrations[i]);
            sinks[i].MarkUnregistered();
            if (i % 2 == 0)
            {
                sockets[i].Dispose(); // and closed, as a leg does next
            }
        }

        await Task.Delay(100); // the flood goes on to the still-open sockets, which nobody reads now
        await stop.CancelAsync();
        await flood;
        Assert.All(sinks, s => Assert.Equal(0, s.Late));
        Assert.Equal(0, _reactor.Registered);
        Assert.Equal(0, _reactor.Faults);
    }

    [Fact]
    public async Task A_new_socket_given_a_closed_ones_descriptor_number_gets_only_its_own_datagrams()
    {
        using var sender = Udp();
        var old = new Recorder();
        var first = Udp();
        var registration = _reactor.Register(old, first);
        sender.SendTo([1], first.LocalEndPoint!);
        await Eventually.TrueAsync(() => old.Received.Count == 1);

        var fd = first.SafeHandle.DangerousGetHandle();
        ReceiveReactor.Unregister(registration);
        old.MarkUnregistered();
        first.Dispose();
        var second = Udp();
        Assert.Equal(fd, second.SafeHandle.DangerousGetHandle()); // the kernel hands out the lowest free number
        var successor = new Recorder();
        _reactor.Register(successor, second);
        sender.SendTo([2], second.LocalEndPoint!);
        await Eventually.TrueAsync(() => successor.Received.Count == 1);
        Assert.Equal([2], successor.Received.Single().Datagram);
        Assert.Single(old.Received);
        Assert.Equal(0, old.Late);
    }

    [Fact]
    public async Task Closing_a_socket_without_unregistering_stops_its_delivery_and_harms_no_other_socket()
    {
        using var sender = Udp();
        var (gone, stays) = (new Recorder(), new Recorder());
        var closed = Udp();
        var open = Udp();
        var registration = _reactor.Register(gone, closed);
        _reactor.Register(stays, open);
        closed.Dispose(); // the kernel drops a closed descriptor from the epoll set by itself
        sender.SendTo([1], open.LocalEndPoint!);
        await Eventually.TrueAsync(() => stays.Received.Count == 1);
        ReceiveReactor.Unregister(registration); // late, on a closed socket: tolerated
        sender.SendTo([2], open.LocalEndPoint!);
        await Eventually.TrueAsync(() => stays.Received.Count == 2);
        Assert.Empty(gone.Received);
        Assert.Equal(1, _reactor.Registered);
    }

    [Fact]
    public async Task An_icmp_error_on_a_socket_is_skipped_and_the_socket_keeps_receiving()
    {
        // A connected UDP socket is told of ICMP port unreachable (an unconnected one, like a leg's,
        // is not, on Linux): its next read fails with ECONNREFUSED, which the reactor must skip.
        var placeholder = Udp();
        var peerAddress = (IPEndPoint)placeholder.LocalEndPoint!;
        placeholder.Dispose();
        var socket = Udp();
        socket.Connect(peerAddress);
        var sink = new Recorder();
        _reactor.Register(sink, socket);
        socket.Send([0]); // to a closed port: ICMP unreachable comes back
        await Eventually.TrueAsync(() => _reactor.ReceiveErrors >= 1);

        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _sockets.Add(peer);
        peer.Bind(peerAddress);
        peer.SendTo([7], socket.LocalEndPoint!);
        await Eventually.TrueAsync(() => sink.Received.Count == 1);
        Assert.Equal([7], sink.Received.Single().Datagram);
    }

    [Fact]
    public void A_closed_socket_cannot_be_registered_and_a_disposed_reactor_takes_no_registration()
    {
        var socket = Udp();
        socket.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _reactor.Register(new Recorder(), socket));
        Assert.Equal(0, _reactor.Registered);
        var reactor = new ReceiveReactor(1);
        reactor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reactor.Register(new Recorder(), Udp()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReceiveReactor(0));
    }

    [Fact]
    public async Task A_sink_that_throws_is_counted_and_the_thread_serves_the_next_datagram()
    {
        using var sender = Udp();
        var socket = Udp();
        var thrower = new Thrower();
        _reactor.Register(thrower, socket);
        sender.SendTo([1], socket.LocalEndPoint!);
        sender.SendTo([2], socket.LocalEndPoint!);
        // Counted once the sink has thrown, after its call was recorded: wait for both.
        await Eventually.TrueAsync(() => thrower.Calls == 2 && _reactor.Faults == 2);
        Assert.Equal(2, _reactor.Faults);
    }

    private sealed class Thrower : IDatagramSink
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void OnDatagram(int channel, ReadOnlySpan<byte> datagram, in DatagramSource source)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("a sink's bug");
        }
    }

    public void Dispose()
    {
        _reactor.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}

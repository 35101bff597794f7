using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Relay;
using Rendezvous.Media.Rtp;
using Rendezvous.Testing;

namespace Rendezvous.Media.Tests;

/// <summary>
/// The switch end to end over loopback UDP with the real 20 ms clock: three parties each send a
/// constant level; in the conference each hears the sum of the other two (N-1), and after the
/// third is removed the two left hear each other through the relay.
/// </summary>
[Collection(RunAlone.Name)]
public sealed class MediaSwitchTests : IAsyncDisposable
{
    private static readonly MediaMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
    // 32 pairs from a start that depends on the process (the range once ran to a fixed 43999, so some
    // process ids left it a pair or two: a consultation call then got no ports).
    private readonly MediaSwitch _switch = new(
        new RtpPortPool(IPAddress.Loopback, 43600 + Environment.ProcessId % 100 * 2, 43600 + Environment.ProcessId % 100 * 2 + 63),
        new MediaSwitchSettings(),
        Metrics,
        TimeProvider.System);

    /// <summary>A simulated party: sends a constant level every 20 ms and keeps what it hears.</summary>
    private sealed class Party : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly CancellationTokenSource _stop = new();
        private readonly short _level;
        private readonly AudioCodec _codec;

        public Party(short level, AudioCodec codec)
        {
            (_level, _codec) = (level, codec);
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

        public ConcurrentQueue<short> Heard { get; } = new();

        public void Start(int port)
        {
            var target = new IPEndPoint(IPAddress.Loopback, port);
            _ = Task.Run(async () =>
            {
                var payload = new byte[160];
                var samples = Enumerable.Repeat(_level, 160).ToArray();
                if (_codec.PayloadType == 0)
                {
                    MuLaw.Encode(samples, payload);
                }
                else
                {
                    ALaw.Encode(samples, payload);
                }

                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
                for (ushort n = 0; await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false); n++)
                {
                    var builder = new RtpPacketBuilder { PayloadType = _codec.PayloadType, SequenceNumber = n, Timestamp = n * 160u, Ssrc = (uint)_level, Payload = payload };
                    var buffer = new byte[builder.GetEncodedLength()];
                    builder.TryWrite(buffer, out _);
                    _socket.SendTo(buffer, target);
                }
            });
            _ = Task.Run(async () =>
            {
                var buffer = new byte[1500];
                var pcm = new short[160];
                while (!_stop.IsCancellationRequested)
                {
                    var n = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                    var packet = RtpPacket.Read(buffer.AsSpan(0, n)).Packet;
                    if (packet.Payload.Length == 160)
                    {
                        if (packet.PayloadType == 0)
                        {
                            MuLaw.Decode(packet.Payload, pcm);
                        }
                        else
                        {
                            ALaw.Decode(packet.Payload, pcm);
                        }

                        Heard.Enqueue(pcm[80]);
                    }
                }
            });
        }

        /// <summary>
        /// Waits (up to 10 s) until the median level of the last <paramref name="window"/> packets heard is within
        /// [<paramref name="low"/>, <paramref name="high"/>], and fails with the last median if it never is. A change
        /// (a join, a removal) reaches a party once the others' jitter buffers have refilled; until then it hears
        /// silence or the old mix, for longer when the process is cold (a test run alone).
        /// </summary>
        public Task HearsAsync(short low, short high, int window = 20)
        {
            Heard.Clear();
            short? median = null;
            return Eventually.TrueAsync(
                () =>
                {
                    var heard = Heard.ToArray();
                    if (heard.Length < window)
                    {
                        return false;
                    }

                    var levels = heard[^window..].Order().ToArray();
                    median = levels[levels.Length / 2];
                    return median >= low && median <= high;
                },
                () => $"{_level}'s party heard a median of {median?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} over its last {window} packets, not {low} to {high}",
                within: TimeSpan.FromSeconds(10),
                every: TimeSpan.FromMilliseconds(20));
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
        }
    }

    private static T Ok<T>(CallOutcome<T> outcome)
    {
        Assert.True(outcome.Succeeded, outcome.Conflict?.Reason);
        return outcome.Value!;
    }

    [Fact]
    public async Task Each_party_hears_the_others_but_not_itself_and_the_last_two_revert_to_the_relay()
    {
        using var alice = new Party(1000, AudioCodec.Pcmu);
        using var bob = new Party(2000, AudioCodec.Pcma); // a different codec: transcoded and mixed alike
        using var carol = new Party(4000, AudioCodec.Pcmu);
        var a = Ok(_switch.CreateCall(alice.EndPoint, AudioCodec.Pcmu));
        var b = Ok(_switch.CreateCall(bob.EndPoint, AudioCodec.Pcma));
        alice.Start(_switch.Leg(a)!.LocalPort);
        bob.Start(_switch.Leg(b)!.LocalPort);
        Ok(_switch.Apply(board => board.Connect(a, b)));
        await alice.HearsAsync(1900, 2100); // Bob, relayed and transcoded
        await bob.HearsAsync(950, 1050);

        // Alice sets up a conference and consults Carol, then adds her.
        var setup = Ok(_switch.Apply(board => board.SetupConference(a)));
        var c = setup.ConsultationCall!.Value;
        carol.Start(_switch.Leg(c)!.LocalPort);
        Ok(_switch.Dial(c, carol.EndPoint, AudioCodec.Pcmu));
        Ok(_switch.Apply(board => board.AddToConference(setup.Hub, c)));

        // N-1: 2000 + 4000, 1000 + 4000, 1000 + 2000 (within G.711's quantisation).
        await alice.HearsAsync(5700, 6300);
        await bob.HearsAsync(4750, 5250);
        await carol.HearsAsync(2850, 3150);
        Assert.NotNull(_switch.Reactor); // the default on Linux: the legs are read by the receive reactor
        Assert.Equal(Environment.IsPrivilegedProcess, _switch.MixerPriorityRaised); // nice -10 needs CAP_SYS_NICE
        Assert.InRange(_switch.JitterBuffer(a)!.Frames, 1, 10);

        // Carol is removed: Alice and Bob are a two-party call again, relayed.
        Ok(_switch.Apply(board => board.RemoveFromConference(c)));
        await alice.HearsAsync(1900, 2100);
        await bob.HearsAsync(950, 1050);
        Assert.Null(_switch.Leg(c));
        Assert.Null(_switch.JitterBuffer(a)); // relayed, not mixed
    }

    [Fact]
    public async Task Without_receive_threads_a_conference_runs_on_the_asynchronous_path_and_reports_its_ticks_and_jitter_buffers()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new MediaMetrics(factory);
        var ticks = new ConcurrentQueue<double>();
        var depths = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "rendezvous.mixer.tick.duration")
            {
                ticks.Enqueue(value);
            }
            else
            {
                depths[instrument.Name] = value;
            }
        });
        listener.Start();

        await using var media = new MediaSwitch(new RtpPortPool(IPAddress.Loopback, 43540, 43559), new MediaSwitchSettings { ReceiveThreads = 0 }, metrics, TimeProvider.System);
        Assert.Null(media.Reactor);
        using var alice = new Party(1000, AudioCodec.Pcmu);
        using var bob = new Party(2000, AudioCodec.Pcmu);
        using var carol = new Party(4000, AudioCodec.Pcmu);
        var calls = new[] { alice, bob, carol }.Select(p => (Party: p, Call: Ok(media.CreateCall(p.EndPoint, AudioCodec.Pcmu)))).ToList();
        calls.ForEach(c => c.Party.Start(media.Leg(c.Call)!.LocalPort));
        var hub = Ok(media.Apply(board => board.CreateBridge()));
        calls.ForEach(c => Ok(media.Apply(board => board.JoinBridge(hub, c.Call))));
        await alice.HearsAsync(5700, 6300);
        await carol.HearsAsync(2850, 3150);

        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.InRange(t, 0, 0.02)); // a tick of one hub takes far less than its 20 ms

        // The depths are read at one moment: a party's packet that comes late (its sender is a thread-pool
        // timer) leaves its buffer empty for a tick, so they are read until such a moment has passed.
        static bool Frames(double depth) => depth is >= 1 and <= 10;
        JitterBufferState? buffer = null;
        await Eventually.TrueAsync(
            () =>
            {
                buffer = media.JitterBuffer(calls[0].Call)!;
                listener.RecordObservableInstruments();
                return Frames(buffer.Frames) && buffer.TargetFrames is >= 2 and <= 10
                    && Frames(depths["rendezvous.mixer.jitter_buffer.depth.max"]) && Frames(depths["rendezvous.mixer.jitter_buffer.depth.mean"]);
            },
            () => $"buffer {buffer}, gauges max {depths.GetValueOrDefault("rendezvous.mixer.jitter_buffer.depth.max")} mean {depths.GetValueOrDefault("rendezvous.mixer.jitter_buffer.depth.mean")}: expected 1 to 10 frames (target 2 to 10)");
    }

    [Fact]
    public async Task Subscribers_see_the_events_of_every_operation()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = _switch.Subscribe(cts.Token);
        var a = Ok(_switch.CreateCall(new IPEndPoint(IPAddress.Loopback, 9), AudioCodec.Pcmu));
        Ok(_switch.Apply(board => board.Hold(a)));
        Assert.Equal(new CallCreated(a, CallState.Connected), await events.ReadAsync(cts.Token));
        Assert.Equal(new CallStateChanged(a, CallState.Connected, CallState.OnHold, "hold"), await events.ReadAsync(cts.Token));
        Assert.IsType<MediaTopologyChanged>(await events.ReadAsync(cts.Token));
    }

    [Fact]
    public async Task Each_call_with_a_party_gets_a_statistics_event_every_interval()
    {
        var time = new Mixing.ManualTimeProvider();
        await using var media = new MediaSwitch(new RtpPortPool(IPAddress.Loopback, 43520, 43529), new MediaSwitchSettings { StatisticsInterval = TimeSpan.FromSeconds(3) }, Metrics, time);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = media.Subscribe(cts.Token);
        var a = Ok(media.CreateCall(new IPEndPoint(IPAddress.Loopback, 9), AudioCodec.Pcmu));
        Ok(media.CreateCall(remote: null, AudioCodec.Pcmu)); // no party yet: no statistics
        Assert.IsType<CallCreated>(await events.ReadAsync(cts.Token));
        Assert.IsType<CallCreated>(await events.ReadAsync(cts.Token));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(events.TryRead(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        var statistics = Assert.IsType<CallStatistics>(await events.ReadAsync(cts.Token));
        Assert.Equal(a, statistics.Call);
        Assert.Equal(new RtpLegCounters(0, 0, 0, 0, 0, 0), statistics.Counters);
        Assert.Null(statistics.Statistics.RoundTripMs);
        Assert.False(events.TryRead(out _));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(a, Assert.IsType<CallStatistics>(await events.ReadAsync(cts.Token)).Call);
    }

    [Fact]
    public async Task A_silent_party_is_reaped_and_idle_calls_are_forgotten_after_the_retention()
    {
        var time = new Mixing.ManualTimeProvider();
        await using var media = new MediaSwitch(new RtpPortPool(IPAddress.Loopback, 43500, 43509), new MediaSwitchSettings { StatisticsInterval = TimeSpan.Zero }, Metrics, time);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = media.Subscribe(cts.Token);
        var a = Ok(media.CreateCall(new IPEndPoint(IPAddress.Loopback, 9), AudioCodec.Pcmu));
        Assert.IsType<CallCreated>(await events.ReadAsync(cts.Token));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(CallState.Connected, media.Board.Call(a)!.State);
        time.Advance(TimeSpan.FromSeconds(2)); // past the 30 s silence timeout
        Assert.Equal(a, Assert.IsType<CallReaped>(await events.ReadAsync(cts.Token)).Call);
        Assert.Equal(new CallStateChanged(a, CallState.Connected, CallState.Idle, "drop"), await events.ReadAsync(cts.Token));
        Assert.Null(media.Leg(a));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(CallState.Idle, media.Board.Call(a)!.State); // still readable within the retention
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(media.Board.Call(a));
    }

    [Fact]
    public async Task Dialling_a_consultation_call_that_got_no_ports_is_refused_and_changes_nothing()
    {
        // Two port pairs: Alice and Bob take them, so the consultation call of their conference has none.
        await using var media = new MediaSwitch(new RtpPortPool(IPAddress.Loopback, 43510, 43513), new MediaSwitchSettings(), Metrics, TimeProvider.System);
        var a = Ok(media.CreateCall(new IPEndPoint(IPAddress.Loopback, 9), AudioCodec.Pcmu));
        var x = Ok(media.CreateCall(new IPEndPoint(IPAddress.Loopback, 11), AudioCodec.Pcmu));
        Ok(media.Apply(board => board.Connect(a, x)));
        var y = Ok(media.Apply(board => board.SetupConference(a))).ConsultationCall!.Value;
        Assert.Null(media.Leg(y));
        var refused = media.Dial(y, new IPEndPoint(IPAddress.Loopback, 13), AudioCodec.Pcmu);
        Assert.Contains("no RTP port pair", refused.Conflict!.Reason, StringComparison.Ordinal);
        Assert.Empty(refused.Events);
        Assert.Equal(CallState.Dialtone, media.Board.Call(y)!.State);

        // Bob hangs up, which frees his pair at once: dialling now gets it.
        Ok(media.Apply(board => board.Drop(x)));
        Ok(media.Dial(y, new IPEndPoint(IPAddress.Loopback, 13), AudioCodec.Pcmu));
        Assert.Equal((CallState.Connected, 13), (media.Board.Call(y)!.State, media.Leg(y)!.Remote!.Port));
    }

    public async ValueTask DisposeAsync() => await _switch.DisposeAsync();
}

using BenchmarkDotNet.Attributes;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Benchmarks;

/// <summary>
/// A tick as the service runs it, minus the sockets: every leg's RTP packet of the last 20 ms is parsed and
/// pushed into its <see cref="InboundAudio"/> (the receive thread's part), then the mixer pops, decodes and
/// conceals every leg's frame, mixes and encodes (the clock's part). Hubs of 3, 10 and 100 legs; three talkers
/// send a tone, the other legs G.711 digital silence (as the load driver's silent legs do), PCMU and PCMA
/// alternating. <see cref="MixerBenchmarks"/> hands the mixer ready linear frames instead, so the difference
/// between the two is the buffers and the decoding.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MixerWithBuffersBenchmarks
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);

    private AudioMixer _mixer = null!;
    private Leg[] _legs = [];
    private uint _tick;

    [Params(3, 10, 100)]
    public int Parties { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sink = new MixerFixtures.DiscardingSink();
        _mixer = new AudioMixer(new MixerOptions { MaxParticipants = Math.Max(Parties, 32) }, sink);
        _legs = new Leg[Parties];
        for (var i = 0; i < Parties; i++)
        {
            var codec = i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma;
            _legs[i] = new Leg(codec, i < 3 ? 300 + (200 * i) : 0, (uint)(1000 + i));
            _mixer.TryAdd(Guid.NewGuid(), _legs[i].Input, sink, codec, new CallMedia());
        }

        // Past the buffers' prefill, so every tick plays a frame.
        for (var i = 0; i < 10; i++)
        {
            Tick();
        }
    }

    [Benchmark(Description = "Mixer tick with jitter buffers")]
    public long Tick()
    {
        // Sequence numbers wrap at 2^16 and timestamps at 2^32, as on the wire; the arrival time only grows.
        var tick = _tick++;
        var arrival = TimeSpan.FromTicks(Frame.Ticks * tick);
        foreach (var leg in _legs)
        {
            leg.Receive(tick, arrival);
        }

        _mixer.Mix();
        return _mixer.Ticks;
    }

    /// <summary>One leg: its datagram (rewritten each tick with the next sequence number and timestamp) and its input.</summary>
    private sealed class Leg
    {
        private readonly byte[] _payload = new byte[160];
        private readonly byte[] _datagram = new byte[12 + 160];
        private readonly AudioCodec _codec;
        private readonly uint _ssrc;

        public Leg(AudioCodec codec, double hertz, uint ssrc)
        {
            (_codec, _ssrc) = (codec, ssrc);
            Input = new InboundAudio(codec, new JitterBufferOptions());
            var linear = MixerFixtures.Tone(hertz);
            if (codec.PayloadType == AudioCodec.Pcmu.PayloadType)
            {
                MuLaw.Encode(linear, _payload);
            }
            else
            {
                ALaw.Encode(linear, _payload);
            }
        }

        public InboundAudio Input { get; }

        public void Receive(uint tick, TimeSpan arrival)
        {
            var builder = new RtpPacketBuilder { PayloadType = _codec.PayloadType, SequenceNumber = (ushort)tick, Timestamp = tick * 160u, Ssrc = _ssrc, Payload = _payload };
            builder.TryWrite(_datagram, out var written);
            var decoded = RtpPacket.Read(_datagram.AsSpan(0, written));
            Input.Push(decoded.Packet, arrival);
        }
    }
}

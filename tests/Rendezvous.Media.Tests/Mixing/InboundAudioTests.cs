using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>RTP datagrams through a leg's jitter buffer, G.711 decoding and concealment into the mixer.</summary>
public sealed class InboundAudioTests
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);

    private static JitterPushResult? Send(InboundAudio leg, byte payloadType, int frame, short level, AudioCodec law)
    {
        Assert.True(RtpPacket.TryRead(ConstantFrames.Datagram(42, frame, level, law, payloadType), out var packet));
        return leg.Push(packet, Frame * frame);
    }

    [Fact]
    public void Packets_play_decoded_then_concealed_then_silent()
    {
        var leg = new InboundAudio(AudioCodec.Pcma, new JitterBufferOptions());
        Assert.Equal(JitterPushResult.Resynchronized, Send(leg, 8, 0, 4000, AudioCodec.Pcma));
        Assert.Equal(JitterPushResult.Accepted, Send(leg, 8, 1, 4000, AudioCodec.Pcma));
        Assert.Null(Send(leg, 101, 2, 0, AudioCodec.Pcma)); // telephone-event: not audio for the mixer
        Assert.Equal(1, leg.OtherPayloadTypes);

        var frame = new short[160];
        var heard = new List<int>();
        for (var tick = 0; tick < 8; tick++)
        {
            heard.Add(leg.ReadFrame(frame) == 0 ? 0 : frame[0]);
        }

        // Two frames at A-law's level for 4000, three halving repeats, then silence.
        var level = ALaw.Decode(ALaw.Encode(4000));
        Assert.Equal([level, level, level / 2, level / 4, level / 8, 0, 0, 0], heard);
        Assert.Equal((6L, 6L), (leg.Concealer.Concealed, leg.Buffer.Concealed));
    }

    [Fact]
    public void A_frame_of_another_ptime_is_concealed_with_the_last_whole_frame()
    {
        var leg = new InboundAudio(AudioCodec.Pcma, new JitterBufferOptions());
        Send(leg, 8, 0, 4000, AudioCodec.Pcma);
        Send(leg, 8, 1, 4000, AudioCodec.Pcma);
        var shortFrame = new RtpPacketBuilder { PayloadType = 8, SequenceNumber = 2, Timestamp = 320, Ssrc = 42, Payload = new byte[80] };
        var datagram = new byte[shortFrame.GetEncodedLength()];
        Assert.True(shortFrame.TryWrite(datagram, out _));
        Assert.True(RtpPacket.TryRead(datagram, out var packet));
        leg.Push(packet, Frame * 2);

        var frame = new short[160];
        var heard = new List<int>();
        for (var tick = 0; tick < 4; tick++)
        {
            heard.Add(leg.ReadFrame(frame) == 0 ? 0 : frame[0]);
        }

        // Two whole frames, then the 10 ms packet and the missing frame after it: the last whole frame, halved twice.
        var level = ALaw.Decode(ALaw.Encode(4000));
        Assert.Equal([level, level, level / 2, level / 4], heard);
    }

    [Fact]
    public void A_leg_feeds_the_mixer()
    {
        var sink = new RecordingSink();
        var mixer = new AudioMixer(new MixerOptions(), sink);
        var talker = new InboundAudio(AudioCodec.Pcmu, new JitterBufferOptions());
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        sink.Expect(a, 160);
        sink.Expect(b, 160);
        mixer.TryAdd(a, talker, sink.Output(a), AudioCodec.Pcmu, new CallMedia());
        mixer.TryAdd(b, new InboundAudio(AudioCodec.Pcmu, new JitterBufferOptions()), sink.Output(b), AudioCodec.Pcmu, new CallMedia());
        for (var i = 0; i < 4; i++)
        {
            Send(talker, 0, i, 2000, AudioCodec.Pcmu);
        }

        mixer.Mix();
        var decoded = new short[160];
        MuLaw.Decode(sink.Last(b), decoded);
        Assert.InRange(decoded[0], 1900, 2100);
        Assert.Equal(1, mixer.SharedEncodes); // b is silent and hears the full mix
    }
}

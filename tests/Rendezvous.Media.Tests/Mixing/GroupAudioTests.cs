using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>A multicast group as one mixer input: a jitter buffer per sender, summed and clamped, with a bounded number of senders.</summary>
public sealed class GroupAudioTests
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);

    private static void Send(GroupAudio group, uint ssrc, int frame, short level, TimeSpan? at = null)
    {
        Assert.True(RtpPacket.TryRead(ConstantFrames.Datagram(ssrc, frame, level, AudioCodec.Pcmu), out var packet));
        group.Push(packet, at ?? Frame * frame);
    }

    private static short Level(short level) => MuLaw.Decode(MuLaw.Encode(level));

    [Fact]
    public void The_group_is_the_sum_of_its_senders_clamped_to_16_bits()
    {
        var group = new GroupAudio(AudioCodec.Pcmu, new JitterBufferOptions());
        var frame = new short[160];
        Assert.Equal(0, group.ReadFrame(frame)); // nobody yet: silent

        for (var n = 0; n < 4; n++) // past each buffer's floor
        {
            Send(group, ssrc: 1, frame: n, level: 3000);
            Send(group, ssrc: 2, frame: n, level: -1000);
        }
        Assert.Equal(2, group.Senders);
        Assert.Equal(160, group.ReadFrame(frame));
        Assert.All(frame, s => Assert.Equal(Level(3000) + Level(-1000), s));

        var loud = new GroupAudio(AudioCodec.Pcmu, new JitterBufferOptions());
        for (var n = 0; n < 4; n++)
        {
            Send(loud, ssrc: 1, frame: n, level: 30000);
            Send(loud, ssrc: 2, frame: n, level: 30000);
        }
        Assert.Equal(160, loud.ReadFrame(frame));
        Assert.All(frame, s => Assert.Equal(short.MaxValue, s));
    }

    [Fact]
    public void Senders_past_the_limit_are_ignored_and_counted_until_a_slot_falls_silent()
    {
        var group = new GroupAudio(AudioCodec.Pcmu, new JitterBufferOptions());
        for (uint ssrc = 1; ssrc <= GroupAudio.MaxSenders; ssrc++)
        {
            Send(group, ssrc, frame: 0, level: 100);
        }

        Send(group, ssrc: 99, frame: 0, level: 100);
        Send(group, ssrc: 99, frame: 1, level: 100);
        Assert.Equal((GroupAudio.MaxSenders, 2L), (group.Senders, group.IgnoredPackets));

        // Senders 2 and up keep talking; sender 1 has been silent for a second, so the newcomer takes its slot.
        var later = TimeSpan.FromSeconds(1);
        for (uint ssrc = 2; ssrc <= GroupAudio.MaxSenders; ssrc++)
        {
            Send(group, ssrc, frame: 50, level: 100, at: later);
        }

        Send(group, ssrc: 99, frame: 50, level: 100, at: later);
        Assert.Equal((GroupAudio.MaxSenders, 2L), (group.Senders, group.IgnoredPackets));
        Send(group, ssrc: 100, frame: 50, level: 100, at: later); // no slot is silent now
        Assert.Equal(3L, group.IgnoredPackets);
    }
}

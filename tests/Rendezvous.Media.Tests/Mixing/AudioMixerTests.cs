using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>Mix-minus, flags, gain, clamping, shared encodes and allocation, at 20 ms / 8000 Hz (160 samples).</summary>
public sealed class AudioMixerTests
{
    private const int Samples = 160;
    private static readonly CallMedia Normal = new();

    private static readonly Guid A = new("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid B = new("bbbbbbbb-0000-0000-0000-000000000002");
    private static readonly Guid C = new("cccccccc-0000-0000-0000-000000000003");
    private static readonly Guid D = new("dddddddd-0000-0000-0000-000000000004");
    private static readonly Guid E = new("eeeeeeee-0000-0000-0000-000000000005");

    private static (AudioMixer Mixer, RecordingSink Sink) Create(MixerOptions? options = null)
    {
        var sink = new RecordingSink();
        return (new AudioMixer(options ?? new MixerOptions(), sink), sink);
    }

    private static void Add(AudioMixer mixer, RecordingSink sink, Guid id, IMixerSource source, CallMedia? media = null, AudioCodec? codec = null, int samples = Samples)
    {
        sink.Expect(id, samples);
        Assert.True(mixer.TryAdd(id, source, sink.Output(id), codec ?? AudioCodec.Pcmu, media ?? Normal));
    }

    /// <summary>What a listener should receive: the expected linear frame, clamped and encoded as mu-law.</summary>
    private static byte[] MuLawOf(Func<int, int> sample, int samples = Samples)
    {
        var linear = new short[samples];
        for (var i = 0; i < samples; i++)
        {
            linear[i] = (short)Math.Clamp(sample(i), short.MinValue, short.MaxValue);
        }

        var codes = new byte[samples];
        MuLaw.Encode(linear, codes);
        return codes;
    }

    private static byte[] MuLawOf(int constant, int samples = Samples) => MuLawOf(_ => constant, samples);

    [Fact]
    public void Hubs_mixed_one_after_another_on_one_thread_share_its_buffers_and_not_their_audio()
    {
        // A bigger hub, then a smaller one with longer frames, then both again: the second hub's tick reuses
        // (and the first grows) the thread's buffers, and neither hears what the other left in them.
        var (big, bigSink) = Create();
        Add(big, bigSink, A, ScriptedSource.Constant(1000));
        Add(big, bigSink, B, ScriptedSource.Constant(2000));
        Add(big, bigSink, C, ScriptedSource.Constant(3000));
        Add(big, bigSink, D, ScriptedSource.Constant(4000));
        var (small, smallSink) = Create(new MixerOptions { FrameDuration = TimeSpan.FromMilliseconds(30) });
        var f = new Guid("ffffffff-0000-0000-0000-000000000006");
        Add(small, smallSink, E, ScriptedSource.Constant(-500), samples: 240);
        Add(small, smallSink, f, ScriptedSource.Constant(700), samples: 240);

        for (var round = 0; round < 2; round++)
        {
            small.Mix();
            big.Mix();
            small.Mix();
            Assert.Equal(MuLawOf(9000), bigSink.Last(A));
            Assert.Equal(MuLawOf(6000), bigSink.Last(D));
            Assert.Equal(MuLawOf(700, 240), smallSink.Last(E));
            Assert.Equal(MuLawOf(-500, 240), smallSink.Last(f));
        }
    }

    [Fact]
    public void Each_of_three_hears_the_others_and_not_itself()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(1000));
        Add(mixer, sink, B, ScriptedSource.Constant(2000));
        Add(mixer, sink, C, ScriptedSource.Constant(-4000));
        mixer.Mix();

        Assert.Equal(MuLawOf(-2000), sink.Last(A));
        Assert.Equal(MuLawOf(-3000), sink.Last(B));
        Assert.Equal(MuLawOf(3000), sink.Last(C));
        Assert.Equal((3L, 0L), (mixer.PersonalEncodes, mixer.SharedEncodes));
    }

    [Fact]
    public void Sine_tones_mix_sample_by_sample()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Tone(440, 8000));
        Add(mixer, sink, B, ScriptedSource.Tone(700, 6000));
        Add(mixer, sink, C, ScriptedSource.Tone(1100, 9000));
        for (var tick = 0; tick < 3; tick++)
        {
            mixer.Mix();
            int Tone(double hertz, double amplitude, int i) => ScriptedSource.ToneSample(hertz, amplitude, 8000, (tick * Samples) + i);
            Assert.Equal(MuLawOf(i => Tone(700, 6000, i) + Tone(1100, 9000, i)), sink.Last(A));
            Assert.Equal(MuLawOf(i => Tone(440, 8000, i) + Tone(1100, 9000, i)), sink.Last(B));
            Assert.Equal(MuLawOf(i => Tone(440, 8000, i) + Tone(700, 6000, i)), sink.Last(C));
        }
    }

    [Theory]
    [InlineData(30000, 32767)]
    [InlineData(-30000, -32768)]
    public void Sums_past_16_bits_are_clamped(short each, int heard)
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(each));
        Add(mixer, sink, B, ScriptedSource.Constant(each));
        Add(mixer, sink, C, ScriptedSource.Constant(each));
        Add(mixer, sink, D, ScriptedSource.Silent());
        mixer.Mix();

        Assert.Equal(MuLawOf(heard), sink.Last(A));
        Assert.Equal(MuLawOf(heard), sink.Last(D)); // the full mix, 90000 in the accumulator
        Assert.Equal(each > 0 ? (byte)0x80 : (byte)0x00, sink.Last(D)[0]);
    }

    [Fact]
    public void Muted_and_listen_only_are_not_heard_but_hear()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(1000), new CallMedia { Muted = true });
        Add(mixer, sink, B, ScriptedSource.Constant(2000), new CallMedia { ListenOnly = true });
        Add(mixer, sink, C, ScriptedSource.Constant(4000));
        mixer.Mix();

        Assert.Equal(MuLawOf(4000), sink.Last(A));
        Assert.Equal(MuLawOf(4000), sink.Last(B));
        Assert.Equal(MuLawOf(0), sink.Last(C));
        Assert.Equal((1L, 1L, 2L), (mixer.SharedEncodes, mixer.PersonalEncodes, mixer.SharedDeliveries));
    }

    [Fact]
    public void Deaf_hears_nothing_but_is_heard()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(1000), new CallMedia { Deaf = true });
        Add(mixer, sink, B, ScriptedSource.Constant(2000));
        Add(mixer, sink, C, ScriptedSource.Constant(4000));
        mixer.Mix();

        Assert.Equal(0, sink.Deliveries[A]);
        Assert.Equal(MuLawOf(5000), sink.Last(B));
        Assert.Equal(MuLawOf(3000), sink.Last(C));
    }

    [Fact]
    public void Gain_scales_what_a_participant_sends_and_updates_take_effect_next_tick()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(2000), new CallMedia { Gain = 0.5 });
        Add(mixer, sink, B, ScriptedSource.Constant(3000), new CallMedia { Gain = 4 });
        Add(mixer, sink, C, ScriptedSource.Constant(100));
        mixer.Mix();
        Assert.Equal(MuLawOf(1000 + 100), sink.Last(B));
        Assert.Equal(MuLawOf(12000 + 100), sink.Last(A));
        Assert.Equal(MuLawOf(1000 + 12000), sink.Last(C));

        Assert.True(mixer.TryUpdate(A, new CallMedia { Gain = double.NaN }));
        Assert.True(mixer.TryUpdate(B, new CallMedia { Gain = 9 })); // clamped to 4
        mixer.Mix();
        Assert.Equal(MuLawOf(2000 + 12000), sink.Last(C));
        Assert.False(mixer.TryUpdate(D, Normal));
    }

    [Fact]
    public void Silent_listeners_share_one_encode_per_codec()
    {
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(1000));
        Add(mixer, sink, B, ScriptedSource.Constant(2000));
        Add(mixer, sink, C, ScriptedSource.Silent());
        Add(mixer, sink, D, ScriptedSource.Constant(3)); // below the silence threshold: not in the sum
        mixer.Mix();

        Assert.Equal((1L, 2L, 2L), (mixer.SharedEncodes, mixer.SharedDeliveries, mixer.PersonalEncodes));
        Assert.Equal(MuLawOf(3000), sink.Last(C));
        Assert.Equal(sink.Last(C), sink.Last(D));

        Add(mixer, sink, E, ScriptedSource.Silent(), codec: AudioCodec.Pcma);
        mixer.Mix();
        Assert.Equal(3L, mixer.SharedEncodes); // one more for PCMU, one for PCMA
        var alaw = new byte[Samples];
        ALaw.Encode(Enumerable.Repeat((short)3000, Samples).ToArray(), alaw);
        Assert.Equal(alaw, sink.Last(E));
    }

    [Fact]
    public void A_frame_of_the_wrong_length_is_rejected_counted_and_silent()
    {
        var (mixer, sink) = Create();
        var bad = ScriptedSource.Constant(5000);
        bad.Written = 80;
        Add(mixer, sink, A, bad);
        Add(mixer, sink, B, ScriptedSource.Constant(1000));
        mixer.Mix();

        Assert.Equal(1, mixer.RejectedFrames);
        Assert.Equal(MuLawOf(0), sink.Last(B));
        Assert.Equal(MuLawOf(1000), sink.Last(A));
    }

    [Fact]
    public void Membership_is_checked_and_bounded()
    {
        var (mixer, sink) = Create(new MixerOptions { MaxParticipants = 2 });
        Add(mixer, sink, A, ScriptedSource.Silent());
        Assert.False(mixer.TryAdd(A, ScriptedSource.Silent(), sink.Output(A), AudioCodec.Pcmu, Normal));
        Add(mixer, sink, B, ScriptedSource.Silent());
        Assert.False(mixer.TryAdd(C, ScriptedSource.Silent(), sink.Output(C), AudioCodec.Pcmu, Normal));
        Assert.Throws<ArgumentException>(() => mixer.TryAdd(C, ScriptedSource.Silent(), sink.Output(C), new AudioCodec(111, "opus", 48000, 2), Normal));
        Assert.Throws<ArgumentException>(() => mixer.TryAdd(C, ScriptedSource.Silent(), sink.Output(C), new AudioCodec(96, "PCMU", 16000), Normal));

        Assert.True(mixer.Remove(A));
        Assert.False(mixer.Remove(A));
        Assert.Equal(1, mixer.ParticipantCount);
        mixer.Mix();
        Assert.Equal((0, 1), (sink.Deliveries[A], sink.Deliveries[B]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioMixer(new MixerOptions { MaxParticipants = 0 }, sink));
    }

    [Fact]
    public void A_gain_that_clamps_to_the_most_negative_sample_is_mixed_not_thrown_on()
    {
        // Gain 2 on -20,000 clamps to -32,768, whose magnitude does not fit a short.
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(-20000), new CallMedia { Gain = 2 });
        Add(mixer, sink, B, ScriptedSource.Constant(1000));
        mixer.Mix();
        Assert.Equal(MuLawOf(-32768), sink.Last(B));
        Assert.Equal(MuLawOf(1000), sink.Last(A));
    }

    [Fact]
    public void Participants_are_mixed_whichever_slots_were_freed_and_reused()
    {
        // Slots fill from the lowest free one; a tick scans up to the highest one in use. Free the two top slots
        // and the bottom one, then add again, mixing after each add: everyone present is mixed, nobody removed is.
        var (mixer, sink) = Create();
        Add(mixer, sink, A, ScriptedSource.Constant(1000));
        Add(mixer, sink, B, ScriptedSource.Constant(2000));
        Add(mixer, sink, C, ScriptedSource.Constant(4000));
        Add(mixer, sink, D, ScriptedSource.Constant(8000));
        Assert.True(mixer.Remove(D));
        Assert.True(mixer.Remove(C));
        Assert.True(mixer.Remove(A));
        mixer.Mix();
        Assert.Equal((0, 1, 0, 0), (sink.Deliveries[A], sink.Deliveries[B], sink.Deliveries[C], sink.Deliveries[D]));

        Add(mixer, sink, E, ScriptedSource.Constant(-500)); // takes A's slot 0, below B's slot 1
        mixer.Mix();
        Assert.Equal((2, 1), (sink.Deliveries[B], sink.Deliveries[E]));
        Assert.Equal(MuLawOf(-500), sink.Last(B));
        Assert.Equal(MuLawOf(2000), sink.Last(E));

        Add(mixer, sink, C, ScriptedSource.Constant(4000)); // takes slot 2, above B, again
        mixer.Mix();
        Assert.Equal(3, mixer.ParticipantCount);
        Assert.Equal(MuLawOf(3500), sink.Last(B));
        Assert.Equal(MuLawOf(6000), sink.Last(E));
        Assert.Equal(MuLawOf(1500), sink.Last(C));
        Assert.Equal((0, 0), (sink.Deliveries[A], sink.Deliveries[D]));
        Assert.False(mixer.TryAdd(B, ScriptedSource.Silent(), sink.Output(B), AudioCodec.Pcmu, Normal));
    }

    [Fact]
    public void The_tick_allocates_nothing()
    {
        var (mixer, sink) = Create();
        for (var i = 0; i < 16; i++)
        {
            var id = Guid.NewGuid();
            ScriptedSource source = i switch
            {
                < 3 => ScriptedSource.Tone(300 + (100 * i), 9000),
                3 => new ScriptedSource((tick, frame) => frame.Fill((tick / 20) % 2 == 0 ? (short)2000 : (short)0)), // talks on and off
                _ => ScriptedSource.Silent(),
            };
            Add(mixer, sink, id, source, i == 5 ? new CallMedia { Deaf = true } : null, i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma);
        }

        for (var i = 0; i < 200; i++)
        {
            mixer.Mix();
        }

        var events = sink.TalkingEvents;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5000; i++)
        {
            mixer.Mix();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink.TalkingEvents > events + 100); // events were raised inside the measured ticks
    }
}

using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>Talking starts after 60 ms (3 ticks) of speech and stops after 100 ms (5 ticks) of quiet.</summary>
public sealed class TalkerDetectionTests
{
    private static readonly Guid Talker = new("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid Listener = new("bbbbbbbb-0000-0000-0000-000000000002");

    private static readonly MixerOptions Options = new()
    {
        TalkingThreshold = 1000,
        TalkingStartAfter = TimeSpan.FromMilliseconds(60),
        TalkingStopAfter = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>Runs one tick per character ('#' speech, '.' quiet) and returns the tick index of each event.</summary>
    private static List<(int Tick, bool Talking)> Run(string script, CallMedia? media = null)
    {
        var sink = new RecordingSink();
        var mixer = new AudioMixer(Options, sink);
        sink.Expect(Talker, 160);
        sink.Expect(Listener, 160);
        var level = (short)0;
        mixer.TryAdd(Talker, new ScriptedSource((_, frame) => frame.Fill(level)), sink.Output(Talker), AudioCodec.Pcmu, media ?? new CallMedia());
        mixer.TryAdd(Listener, ScriptedSource.Silent(), sink.Output(Listener), AudioCodec.Pcmu, new CallMedia());
        var events = new List<(int, bool)>();
        for (var tick = 0; tick < script.Length; tick++)
        {
            level = script[tick] == '#' ? (short)3000 : (short)200;
            mixer.Mix();
            events.AddRange(sink.Talking.Select(e => (tick, e.Talking)));
            Assert.All(sink.Talking, e => Assert.Equal(Talker, e.Participant));
            sink.Talking.Clear();
        }

        return events;
    }

    [Fact]
    public void Short_bursts_and_short_pauses_do_not_toggle()
    {
        Assert.Empty(Run("##.##.#.##.."));
        Assert.Equal([(2, true)], Run("###.#.##.#.##....#"));
    }

    [Fact]
    public void Speech_then_quiet_starts_and_stops_once_each()
    {
        Assert.Equal([(4, true), (11, false)], Run("..#####.....#....."));
    }

    [Fact]
    public void A_muted_participant_is_never_reported_talking()
    {
        Assert.Empty(Run("##########", new CallMedia { Muted = true }));
    }
}

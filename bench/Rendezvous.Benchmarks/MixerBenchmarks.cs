using BenchmarkDotNet.Attributes;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;

namespace Rendezvous.Benchmarks;

/// <summary>
/// One 20 ms tick of a call hub at 8 kHz: gather, read every participant's frame, mix-minus, encode and
/// deliver, for hubs of 3, 10 and 100 legs (the sizes). Three talkers in each; the other legs are
/// silent listeners split between PCMU and PCMA, so they share two full-mix encodes. The cost per
/// participant is the tick's time divided by <see cref="Parties"/>; allocations per tick should be 0.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MixerBenchmarks
{
    private AudioMixer _mixer = null!;

    [Params(3, 10, 100)]
    public int Parties { get; set; }

    [GlobalSetup]
    public void Setup() => _mixer = Create(Parties);

    [Benchmark(Description = "Mixer tick")]
    public long Tick()
    {
        _mixer.Mix();
        return _mixer.Ticks;
    }

    private static AudioMixer Create(int parties)
    {
        var sink = new MixerFixtures.DiscardingSink();
        var mixer = new AudioMixer(new MixerOptions { MaxParticipants = Math.Max(parties, 32) }, sink);
        for (var i = 0; i < parties; i++)
        {
            IMixerSource source = i < 3 ? new ToneSource(300 + (200 * i)) : new SilentSource();
            mixer.TryAdd(Guid.NewGuid(), source, sink, i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma, new CallMedia());
        }

        return mixer;
    }

    /// <summary>A precomputed tone frame, as a jitter buffer and decoder would hand over.</summary>
    private sealed class ToneSource(double hertz) : IMixerSource
    {
        private readonly short[] _frame = MixerFixtures.Tone(hertz);

        public int ReadFrame(Span<short> frame)
        {
            _frame.CopyTo(frame);
            return frame.Length;
        }
    }

    private sealed class SilentSource : IMixerSource
    {
        public int ReadFrame(Span<short> frame) => 0;
    }
}

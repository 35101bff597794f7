using BenchmarkDotNet.Attributes;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;

namespace Rendezvous.Benchmarks;

/// <summary>
/// One 20 ms tick of a call hub at 8 kHz: gather, read every participant's frame, mix-minus, encode and
/// deliver. Three talkers in the 3-party hub; in the 16-party hub three talkers and thirteen silent listeners
/// split between PCMU and PCMA (two shared encodes).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MixerBenchmarks
{
    private AudioMixer _three = null!;
    private AudioMixer _sixteen = null!;

    [GlobalSetup]
    public void Setup()
    {
        _three = Create(3);
        _sixteen = Create(16);
    }

    [Benchmark(Description = "Mixer tick, 3 parties")]
    public long ThreeParties()
    {
        _three.Mix();
        return _three.Ticks;
    }

    [Benchmark(Description = "Mixer tick, 16 parties")]
    public long SixteenParties()
    {
        _sixteen.Mix();
        return _sixteen.Ticks;
    }

    private static AudioMixer Create(int parties)
    {
        var mixer = new AudioMixer(new MixerOptions(), new DiscardingSink());
        for (var i = 0; i < parties; i++)
        {
            IMixerSource source = i < 3 ? new ToneSource(300 + (200 * i)) : new SilentSource();
            mixer.TryAdd(Guid.NewGuid(), source, i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma, new CallMedia());
        }

        return mixer;
    }

    /// <summary>A precomputed tone frame, as a jitter buffer and decoder would hand over.</summary>
    private sealed class ToneSource : IMixerSource
    {
        private readonly short[] _frame = new short[160];

        public ToneSource(double hertz)
        {
            for (var i = 0; i < _frame.Length; i++)
            {
                _frame[i] = (short)(9000 * Math.Sin(2 * Math.PI * hertz * i / 8000));
            }
        }

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

    private sealed class DiscardingSink : IMixerSink
    {
        public long Octets { get; private set; }

        public void Deliver(Guid participant, ReadOnlySpan<byte> payload, int samples) => Octets += payload.Length;

        public void TalkingChanged(Guid participant, bool talking)
        {
        }
    }
}

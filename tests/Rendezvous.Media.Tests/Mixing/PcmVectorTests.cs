using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>
/// The mixer's vector loops against the scalar arithmetic they replace: random frames, the extremes
/// (−32,768 and sums far past 16 bits), and lengths around the vector width so the scalar tail runs.
/// </summary>
public sealed class PcmVectorTests
{
    public static TheoryData<int> Lengths => [0, 1, 7, 15, 16, 17, 31, 33, 160, 161, 320, 959];

    private static short[] Frame(Random random, int length, bool extremes)
    {
        var frame = new short[length];
        for (var i = 0; i < length; i++)
        {
            frame[i] = extremes ? (i % 3 == 0 ? short.MinValue : short.MaxValue) : (short)random.Next(short.MinValue, short.MaxValue + 1);
        }

        return frame;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sum_of_magnitudes_is_the_scalar_sum(int length)
    {
        var random = new Random(length);
        foreach (var frame in new[] { Frame(random, length, false), Frame(random, length, true) })
        {
            Assert.Equal(frame.Sum(s => (long)Math.Abs((int)s)), PcmVector.SumOfMagnitudes(frame));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Accumulate_then_clamp_and_subtract_match_the_scalar_mix(int length)
    {
        var random = new Random(1000 + length);
        var inputs = Enumerable.Range(0, 6).Select(i => Frame(random, length, i >= 4)).ToList();
        var sum = new int[length];
        var expected = new int[length];
        foreach (var input in inputs)
        {
            PcmVector.Accumulate(sum, input);
            for (var i = 0; i < length; i++)
            {
                expected[i] += input[i];
            }
        }

        Assert.Equal(expected, sum);

        var full = new short[length];
        PcmVector.Clamp(sum, full);
        Assert.Equal(expected.Select(v => (short)Math.Clamp(v, short.MinValue, short.MaxValue)), full);

        foreach (var own in inputs)
        {
            var minus = new short[length];
            PcmVector.SubtractAndClamp(sum, own, minus);
            Assert.Equal(expected.Select((v, i) => (short)Math.Clamp(v - own[i], short.MinValue, short.MaxValue)), minus);
        }
    }

    [Fact]
    public void Spans_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PcmVector.Accumulate(new int[16], new short[17]));
        Assert.Throws<ArgumentException>(() => PcmVector.SubtractAndClamp(new int[16], new short[16], new short[15]));
        Assert.Throws<ArgumentException>(() => PcmVector.Clamp(new int[16], new short[8]));
    }
}

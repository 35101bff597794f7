using System.Numerics;
using System.Runtime.InteropServices;

namespace Rendezvous.Media.Mixing;

/// <summary>
/// The mixer's per-sample loops over 16-bit linear frames, a vector register at a time (<see cref="Vector{T}"/>:
/// 16 samples with AVX2), with a scalar tail for lengths that are not a multiple of the width. Every result
/// is exactly what the scalar loop gives: sums are widened to 32 bits before they can overflow, and narrowing
/// back to 16 bits clamps.
/// </summary>
internal static class PcmVector
{
    /// <summary>The sum of |sample| over the frame (widened first: |−32768| fits).</summary>
    public static long SumOfMagnitudes(ReadOnlySpan<short> samples)
    {
        var vectors = MemoryMarshal.Cast<short, Vector<short>>(samples);
        var total = Vector<int>.Zero;
        foreach (var v in vectors)
        {
            Vector.Widen(v, out var low, out var high);
            total += Vector.Abs(low) + Vector.Abs(high);
        }

        // A lane gains at most 2 × 32,768 per vector, so it cannot overflow below 32,768 vectors per frame (at
        // least 262,144 samples, with the narrowest vectors); the lanes are added up in 64 bits.
        long sum = 0;
        for (var lane = 0; lane < Vector<int>.Count; lane++)
        {
            sum += total[lane];
        }

        for (var i = vectors.Length * Vector<short>.Count; i < samples.Length; i++)
        {
            sum += Math.Abs((int)samples[i]);
        }

        return sum;
    }

    /// <summary><paramref name="sum"/>[i] += <paramref name="samples"/>[i] for every sample; the spans have one length.</summary>
    public static void Accumulate(Span<int> sum, ReadOnlySpan<short> samples)
    {
        if (sum.Length != samples.Length)
        {
            throw new ArgumentException("The sum and the samples must have one length.", nameof(samples));
        }

        var vectors = MemoryMarshal.Cast<short, Vector<short>>(samples);
        var sums = MemoryMarshal.Cast<int, Vector<int>>(sum);
        for (var v = 0; v < vectors.Length; v++)
        {
            Vector.Widen(vectors[v], out var low, out var high);
            sums[2 * v] += low;
            sums[(2 * v) + 1] += high;
        }

        for (var i = vectors.Length * Vector<short>.Count; i < samples.Length; i++)
        {
            sum[i] += samples[i];
        }
    }

    /// <summary><paramref name="output"/>[i] = clamp16(<paramref name="sum"/>[i] − <paramref name="minus"/>[i]): a listener's mix-minus. All three spans have one length.</summary>
    public static void SubtractAndClamp(ReadOnlySpan<int> sum, ReadOnlySpan<short> minus, Span<short> output)
    {
        if (sum.Length != minus.Length || sum.Length != output.Length)
        {
            throw new ArgumentException("The sum, what is taken from it and the output must have one length.", nameof(output));
        }

        var sums = MemoryMarshal.Cast<int, Vector<int>>(sum);
        var minuses = MemoryMarshal.Cast<short, Vector<short>>(minus);
        var outputs = MemoryMarshal.Cast<short, Vector<short>>(output);
        for (var v = 0; v < minuses.Length; v++)
        {
            Vector.Widen(minuses[v], out var low, out var high);
            outputs[v] = Narrow(sums[2 * v] - low, sums[(2 * v) + 1] - high);
        }

        for (var i = minuses.Length * Vector<short>.Count; i < sum.Length; i++)
        {
            output[i] = Clamp(sum[i] - minus[i]);
        }
    }

    /// <summary><paramref name="output"/>[i] = clamp16(<paramref name="sum"/>[i]): the full mix. Both spans have one length.</summary>
    public static void Clamp(ReadOnlySpan<int> sum, Span<short> output)
    {
        if (sum.Length != output.Length)
        {
            throw new ArgumentException("The sum and the output must have one length.", nameof(output));
        }

        var sums = MemoryMarshal.Cast<int, Vector<int>>(sum);
        var outputs = MemoryMarshal.Cast<short, Vector<short>>(output);
        for (var v = 0; v < outputs.Length; v++)
        {
            outputs[v] = Narrow(sums[2 * v], sums[(2 * v) + 1]);
        }

        for (var i = outputs.Length * Vector<short>.Count; i < sum.Length; i++)
        {
            output[i] = Clamp(sum[i]);
        }
    }

    public static short Clamp(int value) => (short)Math.Clamp(value, short.MinValue, short.MaxValue);

    private static Vector<short> Narrow(Vector<int> low, Vector<int> high)
    {
        var min = new Vector<int>(short.MinValue);
        var max = new Vector<int>(short.MaxValue);
        return Vector.Narrow(Vector.Min(Vector.Max(low, min), max), Vector.Min(Vector.Max(high, min), max));
    }
}

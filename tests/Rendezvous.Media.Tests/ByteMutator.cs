using static Rendezvous.Media.Tests.MediaSamples;

namespace Rendezvous.Media.Tests;

/// <summary>The loop of a seeded mutation fuzz test: mutate, check, and name the seed and input of any failure.</summary>
internal static class MutationFuzz
{
    /// <summary>
    /// Feeds <paramref name="iterations"/> mutated inputs to <paramref name="check"/>, which decodes one and returns
    /// its outcome (an error kind, or "valid") and a failure description or null. A check that throws fails too.
    /// Returns how often each outcome came up.
    /// </summary>
    public static Dictionary<string, int> Run(
        int seed, IReadOnlyList<byte[]> corpus, Action<List<byte>, Random> formatEdit, Func<byte[], (string Outcome, string? Failure)> check, int iterations)
    {
        var mutator = new ByteMutator(corpus, seed, formatEdit);
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < iterations; i++)
        {
            var input = mutator.Next();
            (string Outcome, string? Failure) result;
            try
            {
                result = check(input);
            }
            catch (Exception e)
            {
                result = ("threw", $"{e.GetType().Name}: {e.Message}");
            }

            if (result.Failure is not null)
            {
                Assert.Fail($"seed {seed}, iteration {i}: {result.Failure}; input {Hex(input)}");
            }

            outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
        }

        return outcomes;
    }
}

/// <summary>
/// Seeded mutations of valid datagrams for fuzzing decoders: 1 to 3 edits of bit flips, inserted, deleted
/// and overwritten octets, truncation, splices of two corpus entries, and a format-aware edit supplied by
/// the caller (lengths, counts, flags).
/// </summary>
internal sealed class ByteMutator(IReadOnlyList<byte[]> corpus, int seed, Action<List<byte>, Random> formatEdit)
{
    private static readonly byte[] Boundaries = [0x00, 0x01, 0x7F, 0x80, 0xFF];

    private readonly Random _random = new(seed);
    private readonly List<byte> _bytes = new(2048);

    public byte[] Next()
    {
        _bytes.Clear();
        _bytes.AddRange(corpus[_random.Next(corpus.Count)]);
        var edits = _random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            Edit();
        }

        return [.. _bytes];
    }

    private void Edit()
    {
        var count = _bytes.Count;
        var at = count == 0 ? 0 : _random.Next(count);
        switch (_random.Next(8))
        {
            case 0 when count > 0:
                _bytes[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                _bytes.Insert(_random.Next(count + 1), (byte)_random.Next(256));
                break;
            case 2 when count > 0:
                _bytes.RemoveAt(at);
                break;
            case 3:
                _bytes.RemoveRange(at, count - at);
                break;
            case 4:
                var donor = corpus[_random.Next(corpus.Count)];
                _bytes.RemoveRange(at, count - at);
                _bytes.AddRange(donor.Skip(_random.Next(donor.Length + 1)));
                break;
            case 5 when count > 0:
                _bytes[at] = Boundaries[_random.Next(Boundaries.Length)];
                break;
            default:
                formatEdit(_bytes, _random);
                break;
        }
    }

    /// <summary>Sets a 16-bit big-endian field to a nearby or arbitrary value.</summary>
    public static void NudgeUInt16(List<byte> bytes, int at, Random random)
    {
        if (at + 2 > bytes.Count)
        {
            return;
        }

        var value = (bytes[at] << 8) | bytes[at + 1];
        value = random.Next(3) switch
        {
            0 => value + 1,
            1 => value - 1,
            _ => random.Next(65536),
        };
        bytes[at] = (byte)(value >> 8);
        bytes[at + 1] = (byte)value;
    }
}

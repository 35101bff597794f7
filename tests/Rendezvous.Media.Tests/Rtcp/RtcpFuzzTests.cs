using Rendezvous.Media.Rtcp;
using static Rendezvous.Media.Tests.MediaSamples;
using static Rendezvous.Media.Tests.Rtcp.RtcpSamples;

namespace Rendezvous.Media.Tests.Rtcp;

/// <summary>
/// Seeded mutation fuzzing of <see cref="RtcpCompound.Read"/>: it never throws, what it rejects has an
/// offset inside the datagram, and what it accepts encodes to a compound that decodes to equal packets.
/// </summary>
public sealed class RtcpFuzzTests
{
    private const int Iterations = 100_000;

    private static readonly byte[][] Corpus = BuildCorpus();

    [Fact]
    public void Fixed_seed() => Run(20_061);

    [Fact]
    public void Random_seed() => Run(Random.Shared.Next());

    private static void Run(int seed)
    {
        var outcomes = MutationFuzz.Run(seed, Corpus, EditFraming, Check, Iterations);

        // Mutations that only ever produced garbage, or never did, would make the test toothless.
        Assert.InRange(outcomes.GetValueOrDefault(nameof(RtcpDecodeError.None)), Iterations / 20, Iterations - (Iterations / 20));
        var missing = Enum.GetNames<RtcpDecodeError>().Except(outcomes.Keys).ToList();
        Assert.True(missing.Count <= 1, $"seed {seed}: never {string.Join(", ", missing)}");
    }

    private static (string, string?) Check(byte[] input)
    {
        var result = RtcpCompound.Read(input);
        if (!result.IsValid)
        {
            return (result.Error.ToString(), result.Offset >= 0 && result.Offset <= input.Length ? null : $"{result} outside the input");
        }

        var again = RtcpCompound.Encode(result.Packets);
        var second = RtcpCompound.Read(again);
        return (nameof(RtcpDecodeError.None), second.IsValid && second.Packets == result.Packets ? null : $"re-encoded as {Hex(again)}: {second}");
    }

    /// <summary>The RTCP-aware edit: walks the original framing and changes one packet's length, count, P bit or type.</summary>
    private static void EditFraming(List<byte> bytes, Random random)
    {
        var starts = new List<int>();
        for (var at = 0; at + 4 <= bytes.Count; at += 4 * (((bytes[at + 2] << 8) | bytes[at + 3]) + 1))
        {
            starts.Add(at);
        }

        if (starts.Count == 0)
        {
            return;
        }

        var start = starts[random.Next(starts.Count)];
        switch (random.Next(4))
        {
            case 0:
                ByteMutator.NudgeUInt16(bytes, start + 2, random);
                break;
            case 1:
                bytes[start] = (byte)((bytes[start] & 0xE0) | random.Next(32));
                break;
            case 2:
                bytes[start] ^= 0x20;
                break;
            default:
                bytes[start + 1] = (byte)random.Next(200, 208);
                break;
        }
    }

    private static byte[][] BuildCorpus()
    {
        string[] samples =
        [
            SenderReport + SdesCnameTool,
            ReceiverReport + ByeWithReason,
            EmptyReceiverReport + SdesManyChunks,
            EmptyReceiverReport + App + "81 CB 0002 11223344 03 627965",
            EmptyReceiverReport + "A1 CA 0003 11223344 00000000 00000004",
            "80 C9 0002 11223344 CAFEF00D" + "82 CB 0002 11223344 55667788",
        ];
        var blocks = Enumerable.Range(1, 40).Select(i => new RtcpReportBlock((uint)i, (byte)i, -i, (uint)(65536 + i), (uint)i, 0xB7052000, 0x54000)).ToArray();
        var corpus = samples.Select(Hex).ToList();
        corpus.Add(RtcpCompound.Encode(RtcpCompound.CreateGoodbye(7, new RtcpSenderInfo(new NtpTimestamp(1), 2, 3, 4), blocks, "mixer@rendezvous.example", "bye")));
        Assert.All(corpus, c => Assert.True(RtcpCompound.Read(c).IsValid));
        return [.. corpus];
    }
}

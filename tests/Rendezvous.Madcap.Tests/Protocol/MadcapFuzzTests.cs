using System.Buffers.Binary;
using System.Net;
using Rendezvous.Madcap.Protocol;
using static Rendezvous.Madcap.Tests.Protocol.MadcapSamples;

namespace Rendezvous.Madcap.Tests.Protocol;

/// <summary>
/// Seeded mutation fuzzing of the decoder: it must never throw, and whatever it accepts must
/// encode and decode back to an equal message.
/// </summary>
public sealed class MadcapFuzzTests
{
    private const int Iterations = 100_000;

    private static readonly byte[][] Corpus = BuildCorpus();

    [Fact]
    public void Fixed_seed() => Run(20_021_999, Iterations);

    [Fact]
    public void Random_seed() => Run(Random.Shared.Next(), Iterations);

    private static void Run(int seed, int iterations)
    {
        var random = new Random(seed);
        var counts = new Dictionary<MadcapDecodeStatus, int>();
        for (var i = 0; i < iterations; i++)
        {
            var input = Mutate(random);
            MadcapDecodeResult result;
            try
            {
                result = MadcapDecoder.Decode(input);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, iteration {i}: Decode threw {e.GetType().Name} ({e.Message}) on {Hex(input)}");
                return;
            }

            counts[result.Status] = counts.GetValueOrDefault(result.Status) + 1;
            Assert.True(result.IsValid == (result.Message is not null), $"seed {seed}, iteration {i}: {result}");
            if (result.Message is { } message)
            {
                byte[] again;
                try
                {
                    again = MadcapEncoder.Encode(message);
                }
                catch (ArgumentException e)
                {
                    Assert.Fail($"seed {seed}, iteration {i}: an accepted message does not encode ({e.Message}); input {Hex(input)}");
                    return;
                }

                var second = MadcapDecoder.Decode(again);
                Assert.True(second.IsValid && message.Equals(second.Message), $"seed {seed}, iteration {i}: accepted {Hex(input)} but its re-encoding {Hex(again)} gives {second}");
            }
        }

        // Mutations that only ever produced garbage, or never did, would make the test toothless.
        foreach (var status in Enum.GetValues<MadcapDecodeStatus>())
        {
            Assert.True(counts.GetValueOrDefault(status) > iterations / 200, $"seed {seed}: only {counts.GetValueOrDefault(status)} results were {status}");
        }
    }

    private static byte[] Mutate(Random random)
    {
        var bytes = new List<byte>(Corpus[random.Next(Corpus.Length)]);
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            switch (random.Next(7))
            {
                case 0: // bit flip
                    var at = random.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // insert a byte
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                case 2: // delete a byte
                    bytes.RemoveAt(random.Next(bytes.Count));
                    break;
                case 3: // tweak an option's length field, walking the original framing
                    TweakLength(bytes, random);
                    break;
                case 4: // truncate
                    var keep = random.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                case 5: // splice: this one's head with another's tail
                    var other = Corpus[random.Next(Corpus.Length)];
                    var cut = random.Next(bytes.Count + 1);
                    var from = random.Next(other.Length + 1);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    bytes.AddRange(other.AsSpan(from).ToArray());
                    break;
                default: // overwrite with a boundary value
                    bytes[random.Next(bytes.Count)] = random.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => 0x80 };
                    break;
            }
        }

        return [.. bytes];
    }

    private static void TweakLength(List<byte> bytes, Random random)
    {
        var starts = new List<int>();
        var offset = MadcapDecoder.HeaderLength;
        while (offset + 4 <= bytes.Count)
        {
            starts.Add(offset);
            offset += 4 + ((bytes[offset + 2] << 8) | bytes[offset + 3]);
        }

        if (starts.Count == 0)
        {
            return;
        }

        var option = starts[random.Next(starts.Count)];
        var length = (bytes[option + 2] << 8) | bytes[option + 3];
        length = random.Next(4) switch
        {
            0 => length + 1,
            1 => length - 1,
            2 => length + random.Next(-8, 9),
            _ => random.Next(65536),
        };
        var value = (ushort)Math.Clamp(length, 0, 65535);
        bytes[option + 2] = (byte)(value >> 8);
        bytes[option + 3] = (byte)value;
    }

    private static byte[][] BuildCorpus()
    {
        var messages = new List<MadcapMessage>();
        foreach (var type in AllTypes)
        {
            foreach (var family in Families)
            {
                messages.Add(Minimal(type, family));
                messages.Add(Full(type, family));
            }
        }

        messages.Add(Minimal(MadcapMessageType.Ack) with
        {
            ScopeList =
            [
                new MadcapScope(IPAddress.Parse("239.192.0.0"), IPAddress.Parse("239.195.255.255"), 10, [new("en", "Inside abcd.com", true), new("de", "Innen", false)]),
                new MadcapScope(IPAddress.Parse("239.255.0.0"), IPAddress.Parse("239.255.255.255"), 16, [new("fr", "Local é", true)]),
            ],
            Features = new([MadcapFeature.RetryAfter, MadcapFeature.SharedLeaseIdentifier], [], [MadcapFeature.RetryAfter]),
            AddressRanges = [],
            RetryTime = Now.AddMinutes(1),
            CurrentTime = Now,
        });
        messages.Add(Minimal(MadcapMessageType.Nak, MadcapAddressFamily.IPv6) with { Error = MadcapError.RequiredFeatureNotSupported(MadcapFeature.ServerMobility) });
        messages.Add(Minimal(MadcapMessageType.Nak) with { Error = MadcapError.ExcessiveClockSkew(Now) });

        var corpus = messages.Select(MadcapEncoder.Encode).ToList();
        Assert.All(corpus, bytes => Assert.True(MadcapDecoder.Decode(bytes).IsValid));
        Assert.Equal((ushort)MadcapOptionCode.End, BinaryPrimitives.ReadUInt16BigEndian(corpus[0].AsSpan(corpus[0].Length - 4)));
        return [.. corpus];
    }
}

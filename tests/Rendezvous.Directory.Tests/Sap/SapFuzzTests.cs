using System.Diagnostics;
using System.Net;
using System.Text;
using Rendezvous.Directory.Sap;
using Xunit.Abstractions;
using static Rendezvous.Directory.Tests.Sap.SapBytes;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>
/// Seeded mutation fuzzing of <see cref="SapDecoder"/>: at least 100,000 mutated datagrams per run (bit
/// flips, overwritten octets, truncations, insertions, deletions, splices, random flags and lengths).
/// Nothing may throw; an invalid result names an error and an offset inside the datagram; whatever is
/// read must encode again to bytes that decode to the same packet, the very same bytes (bar the reserved
/// bit) when uncompressed; and memory per datagram stays bounded even for compressed ones.
/// </summary>
public sealed class SapFuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 100_000;

    [Theory]
    [InlineData(2974)]
    [InlineData(-1)]
    public void Mutated_datagrams_never_break_the_decoder(int seed)
    {
        if (seed < 0)
        {
            seed = Random.Shared.Next();
        }

        output.WriteLine($"fuzz seed: {seed} (rerun with [InlineData({seed})])");
        var random = new Random(seed);
        var corpus = Corpus();
        var counts = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Inputs; i++)
        {
            var datagram = Mutate(random, corpus[random.Next(corpus.Length)], corpus);
            var limit = random.Next(8) == 0 ? random.Next(0, 400) : SapDecoder.DefaultMaxDecompressedLength;
            SapDecodeResult result;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                result = SapDecoder.Decode(datagram, limit);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, input #{i} threw {e.GetType().Name}: {e.Message}\n{Hex(datagram)}");
                throw;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < (datagram.Length * 8L) + (3L * limit) + 65536, $"seed {seed}, input #{i}: {allocated} bytes allocated for {datagram.Length}");
            var key = result.Status == SapDecodeStatus.Invalid ? result.Error.ToString() : result.Status + (result.Packet!.Compressed ? " compressed" : "");
            counts[key] = counts.GetValueOrDefault(key) + 1;
            Check(seed, i, datagram, limit, result);
        }

        output.WriteLine($"{Inputs} datagrams in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.InRange(counts.GetValueOrDefault(nameof(SapDecodeStatus.Valid)), Inputs / 20, Inputs - 1);
        Assert.True(counts.GetValueOrDefault("Valid compressed") > 0, "no compressed datagram was read");
        Assert.True(counts.GetValueOrDefault(nameof(SapDecodeStatus.Encrypted)) > 0, "no encrypted datagram was reported");
        Assert.True(counts.Count >= 10, "too few outcomes: " + string.Join(", ", counts.Keys));
    }

    private static void Check(int seed, int i, byte[] datagram, int limit, SapDecodeResult result)
    {
        var where = $"seed {seed}, input #{i}: {result}\n{Hex(datagram)}";
        if (result.Status == SapDecodeStatus.Invalid)
        {
            Assert.True(result.Packet is null && result.Error != SapDecodeError.None, where);
            Assert.True(result.Offset >= 0 && result.Offset <= datagram.Length, where);
            return;
        }

        var packet = result.Packet!;
        Assert.True(result.Error == SapDecodeError.None, where);
        Assert.True(packet.Encrypted == (result.Status == SapDecodeStatus.Encrypted), where);
        Assert.True(result.Warnings.HasFlag(SapDecodeWarnings.ZeroMessageIdHash) == (packet.MessageIdHash == 0), where);
        Assert.True(packet.AuthenticationData.Length == datagram[1] * 4, where);

        byte[] encoded;
        try
        {
            encoded = SapEncoder.Encode(packet);
        }
        catch (ArgumentException e)
        {
            Assert.Fail($"{where}\ndecoded but cannot be encoded: {e.Message}");
            throw;
        }

        if (!packet.Compressed || packet.Encrypted)
        {
            var expected = datagram.ToArray();
            expected[0] &= 0xF7; // the reserved bit is ignored on receipt and sent as 0
            Assert.True(expected.AsSpan().SequenceEqual(encoded), $"{where}\nre-encoded differently:\n{Hex(encoded)}");
        }

        var again = SapDecoder.Decode(encoded, Math.Max(limit, SapDecoder.DefaultMaxDecompressedLength));
        Assert.True(again.Status == result.Status && packet.Equals(again.Packet) && again.Warnings == result.Warnings, $"{where}\nre-decoded as {again}");
    }

    private static byte[][] Corpus()
    {
        var v4 = IPAddress.Parse("192.0.2.10");
        var v6 = IPAddress.Parse("2001:db8::1");
        var long_ = SampleSdp + string.Concat(Enumerable.Range(0, 12).Select(i => $"a=tool:rendezvous {i}\r\n"));
        SapPacket[] packets =
        [
            SapPacket.Announcement(SampleSdp, v4),
            SapPacket.Announcement(SampleSdp, v6, includePayloadType: false),
            SapPacket.Announcement(long_, v4, compressed: true),
            SapPacket.Announcement(SampleSdp, v6, includePayloadType: false, compressed: true),
            SapPacket.Deletion(SampleSdp, v4, originLineOnly: true),
            SapPacket.Deletion(SampleSdp, v6, originLineOnly: true, includePayloadType: false),
            SapPacket.Deletion(SampleSdp, v6, compressed: true),
            SapPacket.Announcement(SampleSdp, v4) with { AuthenticationData = Ascii("v=0\0auth") },
            SapPacket.Announcement(SampleSdp, v6, compressed: true) with { AuthenticationData = new byte[12] },
            SapPacket.Announcement(SampleSdp, v4) with { PayloadType = "Application/SDP; charset=utf-8" },
            new SapPacket { Origin = v4, MessageIdHash = 9, Encrypted = true, PayloadType = null, Payload = Encoding.ASCII.GetBytes("opaque ciphertext") },
            new SapPacket { Origin = IPAddress.Any, MessageIdHash = 0, PayloadType = null, Payload = Encoding.UTF8.GetBytes(SampleSdp) },
        ];
        return
        [
            .. packets.Select(SapEncoder.Encode),
            Concat([0x21, 0, 0x12, 0x34, 192, 0, 2, 10], Zlib(Concat(SdpType, Ascii(SampleSdp), new byte[200_000]))), // a small zip bomb
            Concat([0x20, 0, 0x12, 0x34, 192, 0, 2, 10], Ascii("text/plain\0hello")),
        ];
    }

    private static byte[] Mutate(Random random, byte[] seed, byte[][] corpus)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(12))
            {
                case 0: // flip one bit
                case 1:
                    if (bytes.Count > 0)
                    {
                        bytes[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 2: // overwrite an octet
                    if (bytes.Count > 0)
                    {
                        bytes[at] = (byte)random.Next(256);
                    }

                    break;
                case 3: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4: // insert random octets
                    bytes.InsertRange(at, RandomBytes(random, random.Next(1, 17)));
                    break;
                case 5: // delete a range
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 24), bytes.Count - at));
                    break;
                case 6: // another flags octet, usually keeping V = 1
                    if (bytes.Count > 0)
                    {
                        bytes[0] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)(0x20 | random.Next(32));
                    }

                    break;
                case 7: // another authentication length, usually small
                    if (bytes.Count > 1)
                    {
                        bytes[1] = (byte)(random.Next(3) == 0 ? random.Next(256) : random.Next(6));
                    }

                    break;
                case 8: // octets that matter to the payload type and SDP
                    bytes.InsertRange(at, random.Next(4) switch { 0 => [0], 1 => "v=0"u8.ToArray(), 2 => "o="u8.ToArray(), _ => SdpType });
                    break;
                case 9: // splice in part of another datagram
                    var other = corpus[random.Next(corpus.Length)];
                    var from = random.Next(other.Length);
                    bytes.InsertRange(at, other.Skip(from).Take(random.Next(1, 64)));
                    break;
                case 10: // a datagram of random length and content
                    bytes = [.. RandomBytes(random, random.Next(0, 80))];
                    if (bytes.Count > 0 && random.Next(2) == 0)
                    {
                        bytes[0] = (byte)(0x20 | random.Next(32));
                    }

                    break;
                default: // duplicate the tail
                    bytes.AddRange(bytes.Skip(at).Take(random.Next(1, 200)).ToList());
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}

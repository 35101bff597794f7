using Rendezvous.Media.Rtp;
using static Rendezvous.Media.Tests.MediaSamples;

namespace Rendezvous.Media.Tests.Rtp;

/// <summary>
/// Seeded mutation fuzzing of <see cref="RtpPacket.Read"/>: it never throws, what it rejects has an offset
/// inside the datagram, and what it accepts re-encodes to a packet that decodes to the same fields.
/// </summary>
public sealed class RtpFuzzTests
{
    private const int Iterations = 100_000;

    private static readonly byte[][] Corpus =
    [
        Hex(RtpPacketTests.Full),
        Hex(RtpPacketTests.Plain),
        Hex("80 00 0001 00000000 00000001"),
        Hex("90 60 0001 00000000 00000001 BEDE 0002 1122334455667788 AABBCCDD"),
        Hex("A3 08 8000 00001000 00000001 00000002 00000003 00000004" + string.Concat(Enumerable.Repeat("D5", 160)) + "00000004"),
        Hex("8F E5 FFFF FFFFFFFF FFFFFFFF" + string.Concat(Enumerable.Range(1, 15).Select(i => $"{i:X8}")) + "0B8A0640"),
    ];

    [Fact]
    public void Fixed_seed() => Run(3550);

    [Fact]
    public void Random_seed() => Run(Random.Shared.Next());

    private static void Run(int seed)
    {
        var buffer = new byte[70_000];
        var outcomes = MutationFuzz.Run(seed, Corpus, EditHeader, input => Check(input, buffer), Iterations);

        // Mutations that only ever produced garbage, or never did, would make the test toothless.
        Assert.InRange(outcomes.GetValueOrDefault(nameof(RtpDecodeError.None)), Iterations / 20, Iterations - (Iterations / 20));
        Assert.Equal(Enum.GetNames<RtpDecodeError>().Order(), outcomes.Keys.Order());
    }

    private static (string, string?) Check(byte[] input, byte[] buffer)
    {
        var result = RtpPacket.Read(input);
        if (!result.IsValid)
        {
            return (result.Error.ToString(), result.Offset >= 0 && result.Offset <= input.Length ? null : $"offset {result.Offset} outside the input");
        }

        var packet = result.Packet;
        if (input.Length != packet.HeaderLength + packet.Payload.Length + packet.PaddingLength)
        {
            return ("valid", "header, payload and padding do not add up to the datagram");
        }

        if (!packet.ToBuilder().TryWrite(buffer, out var written) || !RtpPacket.TryRead(buffer.AsSpan(0, written), out var again))
        {
            return ("valid", "accepted, but its re-encoding is not");
        }

        return (nameof(RtpDecodeError.None), SameFields(packet, again) ? null : $"re-encoded as {Hex(buffer.AsSpan(0, written))}");
    }

    private static bool SameFields(RtpPacket a, RtpPacket b) =>
        a.Marker == b.Marker && a.PayloadType == b.PayloadType && a.SequenceNumber == b.SequenceNumber
        && a.Timestamp == b.Timestamp && a.Ssrc == b.Ssrc && a.CsrcBytes.SequenceEqual(b.CsrcBytes)
        && a.HasExtension == b.HasExtension && a.ExtensionProfile == b.ExtensionProfile && a.ExtensionData.SequenceEqual(b.ExtensionData)
        && a.Payload.SequenceEqual(b.Payload) && a.HasPadding == b.HasPadding && a.PaddingLength == b.PaddingLength;

    /// <summary>The RTP-aware edit: the first octet's flags and CC, the extension length, or the padding count.</summary>
    private static void EditHeader(List<byte> bytes, Random random)
    {
        if (bytes.Count < 12)
        {
            return;
        }

        switch (random.Next(3))
        {
            case 0:
                bytes[0] = (byte)((bytes[0] & 0xC0) | random.Next(64)); // P, X, CC
                break;
            case 1:
                ByteMutator.NudgeUInt16(bytes, 12 + (4 * (bytes[0] & 0x0F)) + 2, random);
                break;
            default:
                bytes[^1] = (byte)random.Next(bytes.Count + 2);
                break;
        }
    }
}

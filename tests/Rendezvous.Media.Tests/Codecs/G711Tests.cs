using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Tests.Codecs;

/// <summary>
/// ITU-T G.711 with the usual 16-bit scaling: mu-law levels are the 14-bit table values times 4, A-law
/// levels the 13-bit values times 8 (G.711 tables 1a and 2a; the scaling of ITU-T G.191's reference code).
/// </summary>
public sealed class G711Tests
{
    public static TheoryData<byte, short> MuLawLevels => new()
    {
        { 0x00, -32124 }, // the most negative code: 14-bit 8031
        { 0x80, 32124 },
        { 0xFF, 0 },      // positive zero
        { 0x7F, 0 },      // negative zero
        { 0xFE, 8 },      // 14-bit 2, the first step of segment 0 (steps of 2)
        { 0xF0, 120 },    // 14-bit 30, the last level of segment 0
        { 0xEF, 132 },    // 14-bit 33, the first of segment 1 (steps of 4, decision values 31, 35)
        { 0x8F, 16764 },  // 14-bit 4191, the first of segment 7 (steps of 256)
        { 0x6F, -132 },
    };

    public static TheoryData<byte, short> ALawLevels => new()
    {
        { 0xD5, 8 },      // 13-bit 1: A-law has no zero level
        { 0x55, -8 },
        { 0xAA, 32256 },  // 13-bit 4032, the top level
        { 0x2A, -32256 },
        { 0xD4, 24 },     // 13-bit 3
        { 0xC5, 264 },    // 13-bit 33, the first of segment 1 (still steps of 2)
        { 0xF5, 528 },    // 13-bit 66, the first of segment 2 (steps of 4)
        { 0x45, -264 },
    };

    [Theory]
    [MemberData(nameof(MuLawLevels))]
    public void Mu_law_levels(byte code, short value) => Assert.Equal(value, MuLaw.Decode(code));

    [Theory]
    [MemberData(nameof(ALawLevels))]
    public void A_law_levels(byte code, short value) => Assert.Equal(value, ALaw.Decode(code));

    [Fact]
    public void Encoding_zero_and_the_smallest_samples()
    {
        Assert.Equal(0xFF, MuLaw.Encode(0));
        Assert.Equal(0xFF, MuLaw.Encode(3));
        Assert.Equal(0x7F, MuLaw.Encode(-1)); // one's complement: -1 to -4 are the negative zero
        Assert.Equal(0x7F, MuLaw.Encode(-4));
        Assert.Equal(0x7E, MuLaw.Encode(-5));
        Assert.Equal(0xD5, ALaw.Encode(0));
        Assert.Equal(0xD5, ALaw.Encode(15));
        Assert.Equal(0x55, ALaw.Encode(-1));
        Assert.Equal(0x55, ALaw.Encode(-16));
        Assert.Equal(0x80, MuLaw.Encode(short.MaxValue));
        Assert.Equal(0x00, MuLaw.Encode(short.MinValue));
        Assert.Equal(0xAA, ALaw.Encode(short.MaxValue));
        Assert.Equal(0x2A, ALaw.Encode(short.MinValue));
    }

    [Fact]
    public void Every_mu_law_code_round_trips_but_negative_zero()
    {
        for (var code = 0; code < 256; code++)
        {
            var expected = code == 0x7F ? 0xFF : code; // G.711 has two zero codes; 0 encodes as 0xFF
            Assert.True(expected == MuLaw.Encode(MuLaw.Decode((byte)code)), $"code {code:X2}");
        }
    }

    [Fact]
    public void Every_a_law_code_round_trips()
    {
        for (var code = 0; code < 256; code++)
        {
            Assert.True(code == ALaw.Encode(ALaw.Decode((byte)code)), $"code {code:X2}");
        }
    }

    [Fact]
    public void Levels_are_symmetric_and_strictly_increasing()
    {
        for (var i = 0; i < 128; i++)
        {
            Assert.Equal(MuLaw.Decode((byte)i), -MuLaw.Decode((byte)(i | 0x80)));
            Assert.Equal(ALaw.Decode((byte)i), -ALaw.Decode((byte)(i | 0x80)));
        }

        for (var i = 1; i < 128; i++)
        {
            // Mu-law magnitudes grow as the inverted code does; A-law's as the code with even bits restored.
            Assert.True(MuLaw.Decode((byte)(0xFF - i)) > MuLaw.Decode((byte)(0xFF - i + 1)));
            Assert.True(ALaw.Decode((byte)((0x80 | i) ^ 0x55)) > ALaw.Decode((byte)((0x80 | (i - 1)) ^ 0x55)));
        }
    }

    [Fact]
    public void Mu_law_quantizes_every_sample_to_its_interval() => CheckEverySample(MuLaw.Encode, MuLaw.Decode, MuLawHalfStep, top: 32124);

    [Fact]
    public void A_law_quantizes_every_sample_to_its_interval() => CheckEverySample(ALaw.Encode, ALaw.Decode, ALawHalfStep, top: 32256);

    [Fact]
    public void Negative_samples_mirror_positive_ones_by_ones_complement()
    {
        for (var x = 0; x <= short.MaxValue; x++)
        {
            Assert.Equal(MuLaw.Encode((short)x) & 0x7F, MuLaw.Encode((short)~x));
            Assert.Equal(ALaw.Encode((short)x) ^ 0x80, ALaw.Encode((short)~x));
        }
    }

    [Fact]
    public void Bulk_conversion_matches_one_at_a_time_and_allocates_nothing()
    {
        var samples = new short[65536];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(i - 32768);
        }

        var mu = new byte[samples.Length];
        var a = new byte[samples.Length];
        var back = new short[samples.Length];
        MuLaw.Encode(samples, mu);
        ALaw.Encode(samples, a);
        MuLaw.Decode(mu, back);
        var before = GC.GetAllocatedBytesForCurrentThread();
        MuLaw.Encode(samples, mu);
        ALaw.Encode(samples, a);
        MuLaw.Decode(mu, back);
        ALaw.Decode(a, back);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(MuLaw.Encode(samples[i]), mu[i]);
            Assert.Equal(ALaw.Encode(samples[i]), a[i]);
            Assert.Equal(ALaw.Decode(a[i]), back[i]);
        }
    }

    [Fact]
    public void Bulk_conversion_refuses_a_short_destination()
    {
        Assert.Throws<ArgumentException>(() => MuLaw.Encode(new short[160], new byte[159]));
        Assert.Throws<ArgumentException>(() => ALaw.Decode(new byte[160], new short[159]));
        MuLaw.Decode(new byte[160], new short[200]); // a longer one is fine: only the first 160 are written
    }

    [Fact]
    public void Transcoding_goes_through_the_linear_value()
    {
        for (var code = 0; code < 256; code++)
        {
            Assert.Equal(ALaw.Encode(MuLaw.Decode((byte)code)), G711Transcoder.MuLawToALaw((byte)code));
            Assert.Equal(MuLaw.Encode(ALaw.Decode((byte)code)), G711Transcoder.ALawToMuLaw((byte)code));

            // There and back lands within one A-law step of where it started.
            var there = ALaw.Decode(G711Transcoder.MuLawToALaw((byte)code));
            Assert.InRange(Math.Abs(there - MuLaw.Decode((byte)code)), 0, ALawHalfStep(G711Transcoder.MuLawToALaw((byte)code)) * 2);
        }

        Assert.Equal(0xD5, G711Transcoder.MuLawToALaw(0xFF));
        byte[] frame = [0x00, 0x7F, 0xFF, 0x80];
        G711Transcoder.MuLawToALaw(frame, frame); // in place
        Assert.Equal([0x2A, 0xD5, 0xD5, 0xAA], frame); // both zeros are 0, which A-law puts at +8
        G711Transcoder.ALawToMuLaw(frame, frame);
        Assert.Equal([0x00, 0xFE, 0xFE, 0x80], frame); // +8 is mu-law's level 8: not lossless
        Assert.Throws<ArgumentException>(() => G711Transcoder.ALawToMuLaw(new byte[2], new byte[1]));
    }

    // 14-bit steps of 2^(segment+1), times 4, halved.
    private static int MuLawHalfStep(byte code) => 4 << ((~code >> 4) & 0x07);

    // 13-bit steps of 2 in segments 0 and 1, 2^segment above; times 8, halved.
    private static int ALawHalfStep(byte code)
    {
        var segment = ((code ^ 0x55) >> 4) & 0x07;
        return segment <= 1 ? 8 : 4 << segment;
    }

    private static void CheckEverySample(Func<short, byte> encode, Func<byte, short> decode, Func<byte, int> halfStep, int top)
    {
        var previous = int.MinValue;
        for (int x = short.MinValue; x <= short.MaxValue; x++)
        {
            var code = encode((short)x);
            int level = decode(code);

            // Monotonic: a larger sample never gets a lower level.
            Assert.True(level >= previous, $"sample {x}: level {level} below {previous}");
            previous = level;

            // The level is the middle of the decision interval holding x: within half a step, except past
            // the top level, where every sample takes the top level.
            if (Math.Abs(x) >= top && Math.Abs(level) == top && Math.Sign(x) == Math.Sign(level))
            {
                continue;
            }

            Assert.True(Math.Abs(x - level) <= halfStep(code), $"sample {x}: code {code:X2}, level {level}, half step {halfStep(code)}");
        }
    }
}

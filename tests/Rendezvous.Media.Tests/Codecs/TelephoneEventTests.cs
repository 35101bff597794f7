using Rendezvous.Media.Codecs;
using static Rendezvous.Media.Tests.MediaSamples;

namespace Rendezvous.Media.Tests.Codecs;

/// <summary>RFC 4733 section 2.3 payloads.</summary>
public sealed class TelephoneEventTests
{
    [Theory]
    [InlineData("05 0A 0320", 5, false, false, 10, 800)]       // digit 5, -10 dBm0, 100 ms at 8 kHz
    [InlineData("0B 8A 0640", 11, true, false, 10, 1600)]      // #, end of event
    [InlineData("0F 7F FFFF", 15, false, true, 63, 65535)]     // D, R set (kept), quietest, longest
    [InlineData("20 00 0000", 32, false, false, 0, 0)]         // fax CNG (event 32), loudest
    public void Fields(string hex, int evt, bool end, bool reserved, int volume, int duration)
    {
        var bytes = Hex(hex);
        Assert.True(TelephoneEvent.TryRead(bytes, out var value, out var errorOffset));
        Assert.Equal(0, errorOffset);
        Assert.Equal(new TelephoneEvent((byte)evt, end, (byte)volume, (ushort)duration) { Reserved = reserved }, value);
        var written = new byte[TelephoneEvent.Length];
        Assert.True(value.TryWrite(written, out var length));
        Assert.Equal(TelephoneEvent.Length, length);
        Assert.Equal(bytes, written);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("05 0A 03", 3)]
    [InlineData("05 0A 0320 05", 4)]
    [InlineData("05 0A 0320 05 0A 0320", 4)]
    public void Only_exactly_four_octets_decode(string hex, int errorOffset)
    {
        Assert.False(TelephoneEvent.TryRead(Hex(hex), out var value, out var offset));
        Assert.Equal(errorOffset, offset);
        Assert.Equal(default, value);
    }

    [Fact]
    public void Dtmf_digits_and_limits()
    {
        Assert.Equal("0123456789*#ABCD", string.Concat(Enumerable.Range(0, 16).Select(e => new TelephoneEvent((byte)e, false, 10, 0).DtmfDigit!.Value)));
        Assert.Null(new TelephoneEvent(16, false, 10, 0).DtmfDigit);
        Assert.False(new TelephoneEvent(1, false, 10, 0).TryWrite(new byte[3], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TelephoneEvent(1, false, 64, 0).TryWrite(new byte[4], out _));
    }
}

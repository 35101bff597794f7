using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Tests.Codecs;

public sealed class AudioCodecTests
{
    [Fact]
    public void Static_g711_formats()
    {
        Assert.Equal((0, "PCMU", 8000, 1, "PCMU/8000"), (AudioCodec.Pcmu.PayloadType, AudioCodec.Pcmu.EncodingName, AudioCodec.Pcmu.ClockRate, AudioCodec.Pcmu.Channels, AudioCodec.Pcmu.RtpMap));
        Assert.Equal((8, "PCMA", 8000, 1, "PCMA/8000"), (AudioCodec.Pcma.PayloadType, AudioCodec.Pcma.EncodingName, AudioCodec.Pcma.ClockRate, AudioCodec.Pcma.Channels, AudioCodec.Pcma.RtpMap));
        Assert.False(AudioCodec.Pcmu.IsDynamic);
        Assert.True(AudioCodec.Pcmu.Matches("pcmu", 8000));
        Assert.False(AudioCodec.Pcmu.Matches("PCMU", 16000));
    }

    [Fact]
    public void Telephone_event_is_dynamic_at_any_rate()
    {
        var dtmf = AudioCodec.CreateTelephoneEvent(101);
        Assert.Equal("telephone-event/8000", dtmf.RtpMap);
        Assert.True(dtmf.IsDynamic);
        Assert.Equal("telephone-event/48000", AudioCodec.CreateTelephoneEvent(110, 48000).RtpMap);
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioCodec.CreateTelephoneEvent(95));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioCodec.CreateTelephoneEvent(128));
    }

    [Fact]
    public void Timestamps_follow_the_clock_rate()
    {
        var ptime = TimeSpan.FromMilliseconds(20);
        Assert.Equal(160, AudioCodec.Pcmu.GetTimestampUnits(ptime));
        var opus = new AudioCodec(111, "opus", 48000, 2);
        Assert.Equal(960, opus.GetTimestampUnits(ptime));
        Assert.Equal("opus/48000/2", opus.RtpMap);
        Assert.Equal(ptime, opus.GetDuration(960));
        Assert.Equal(ptime, AudioCodec.Pcma.GetDuration(160));
    }

    [Fact]
    public void Invalid_descriptions_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioCodec(128, "x", 8000));
        Assert.Throws<ArgumentException>(() => new AudioCodec(96, " ", 8000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioCodec(96, "x", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioCodec(96, "x", 8000, 0));
    }
}

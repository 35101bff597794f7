using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

public sealed class LossConcealerTests
{
    [Fact]
    public void Repeats_the_last_frame_halved_then_silence()
    {
        var concealer = new LossConcealer(repeatLimit: 2);
        Assert.Equal(0, concealer.NextRepeat()); // nothing to repeat yet
        concealer.Played();
        Assert.Equal(1, concealer.NextRepeat());
        Assert.Equal(2, concealer.NextRepeat());
        Assert.Equal(0, concealer.NextRepeat()); // past the limit: silence
        Assert.Equal(0, concealer.NextRepeat());
        Assert.Equal(5, concealer.Concealed);

        concealer.Played(); // a good frame starts the count again
        Assert.Equal(1, concealer.NextRepeat());
        concealer.Reset(); // a new stream: nothing to repeat
        Assert.Equal(0, concealer.NextRepeat());
    }

    [Fact]
    public void Attenuation_halves_every_sample_once_per_missing_frame()
    {
        short[] frame = [800, -800, 401, 0, short.MinValue];
        LossConcealer.Attenuate(frame, 1);
        Assert.Equal(new short[] { 400, -400, 200, 0, -16384 }, frame);
        LossConcealer.Attenuate(frame, 2);
        Assert.Equal(new short[] { 100, -100, 50, 0, -4096 }, frame);
    }
}

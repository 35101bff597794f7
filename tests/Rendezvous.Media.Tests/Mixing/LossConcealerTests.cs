using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

public sealed class LossConcealerTests
{
    [Fact]
    public void Repeats_the_last_frame_halved_then_silence()
    {
        var concealer = new LossConcealer(4, repeatLimit: 2);
        var frame = new short[4];
        Assert.False(concealer.Conceal(frame)); // nothing to repeat yet
        concealer.Remember([800, -800, 400, 0]);
        Assert.True(concealer.Conceal(frame));
        Assert.Equal(new short[] { 400, -400, 200, 0 }, frame);
        Assert.True(concealer.Conceal(frame));
        Assert.Equal(new short[] { 200, -200, 100, 0 }, frame);
        Assert.False(concealer.Conceal(frame));
        Assert.Equal(new short[4], frame);
        Assert.Equal(4, concealer.Concealed);

        concealer.Remember([8, 8, 8, 8]); // a good frame starts the count again
        Assert.True(concealer.Conceal(frame));
        Assert.Equal(new short[] { 4, 4, 4, 4 }, frame);
    }

    [Fact]
    public void A_frame_of_the_wrong_length_is_ignored_and_counted()
    {
        var concealer = new LossConcealer(4);
        concealer.Remember([1, 2, 3]);
        Assert.Equal(1, concealer.Rejected);
        Assert.False(concealer.Conceal(new short[4]));
    }
}

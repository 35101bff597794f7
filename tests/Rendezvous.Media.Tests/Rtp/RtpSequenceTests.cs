using Rendezvous.Media.Rtp;
using V = Rendezvous.Media.Rtp.RtpSequenceVerdict;

namespace Rendezvous.Media.Tests.Rtp;

/// <summary>RFC 3550 appendix A.1 on synthetic sequences.</summary>
public sealed class RtpSequenceTests
{
    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(65535, 0, 1)]
    [InlineData(0, 65535, -1)]
    [InlineData(100, 100, 0)]
    [InlineData(0, 32767, 32767)]
    [InlineData(0, 32768, -32768)]
    [InlineData(65000, 500, 1036)]
    public void Delta_takes_the_short_way_round(int from, int to, int expected)
    {
        Assert.Equal(expected, RtpSequence.Delta((ushort)from, (ushort)to));
        Assert.Equal(expected > 0, RtpSequence.IsNewer((ushort)to, (ushort)from));
    }

    [Theory]
    [InlineData(5, 65540, 65541)] // just after the wrap, reference in cycle 1
    [InlineData(65535, 65540, 65535)] // just before it
    [InlineData(65535, 3, -1)] // older than the first cycle
    [InlineData(10, 131072 + 20, 131072 + 10)]
    public void Extend_unwraps_near_the_reference(int sequenceNumber, long reference, long expected) =>
        Assert.Equal(expected, RtpSequence.Extend((ushort)sequenceNumber, reference));

    [Fact]
    public void Probation_needs_two_in_sequence()
    {
        var state = new RtpSequenceState();
        Assert.False(state.IsValid);
        Assert.Equal(V.Probation, state.Update(1000));
        Assert.False(state.IsValid);
        Assert.Equal(V.InOrder, state.Update(1001));
        Assert.True(state.IsValid);
        Assert.Equal(1001, state.BaseSequence);
        AssertCounts(state, expected: 1, received: 1, lost: 0);
    }

    [Fact]
    public void A_break_during_probation_starts_it_again()
    {
        var state = new RtpSequenceState(3);
        Assert.Equal(V.Probation, state.Update(10));
        Assert.Equal(V.Probation, state.Update(11));
        Assert.Equal(V.Probation, state.Update(20)); // out of sequence: probation back to MIN_SEQUENTIAL - 1
        Assert.Equal(V.Probation, state.Update(21));
        Assert.Equal(V.InOrder, state.Update(22));
        Assert.Equal(22, state.BaseSequence);
    }

    [Fact]
    public void Probation_across_the_wrap()
    {
        var state = new RtpSequenceState();
        Assert.Equal(V.Probation, state.Update(65535));
        Assert.Equal(V.InOrder, state.Update(0));
        Assert.True(state.IsValid);
    }

    [Fact]
    public void Without_probation_the_first_packet_counts()
    {
        var state = new RtpSequenceState(1);
        Assert.Equal(V.InOrder, state.Update(7));
        Assert.True(state.IsValid);
        AssertCounts(state, expected: 1, received: 1, lost: 0);
    }

    [Fact]
    public void Wraparound_counts_a_cycle()
    {
        var state = new RtpSequenceState(1);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(V.InOrder, state.Update((ushort)(65530 + i)));
        }

        Assert.Equal(1, state.Cycles);
        Assert.Equal(65536 + 3, state.ExtendedHighestSequence);
        AssertCounts(state, expected: 10, received: 10, lost: 0);
    }

    [Fact]
    public void Loss_reorder_and_duplicates()
    {
        var state = new RtpSequenceState(1);
        // 1..10 with 4 and 5 lost, 8 and 7 swapped, 9 twice.
        ushort[] sequence = [1, 2, 3, 6, 8, 7, 9, 9, 10];
        var verdicts = sequence.Select(s => state.Update(s)).ToArray();
        Assert.Equal([V.InOrder, V.InOrder, V.InOrder, V.InOrder, V.InOrder, V.Late, V.InOrder, V.Late, V.InOrder], verdicts);
        AssertCounts(state, expected: 10, received: 9, lost: 1); // the duplicate counts, as in A.1
    }

    [Fact]
    public void Duplicates_can_make_the_loss_negative()
    {
        var state = new RtpSequenceState(1);
        foreach (var s in new ushort[] { 1, 2, 2, 2, 3 })
        {
            state.Update(s);
        }

        AssertCounts(state, expected: 3, received: 5, lost: -2);
        Assert.Equal(0, state.TakeFractionLost());
    }

    [Fact]
    public void A_large_jump_is_dropped_unless_the_next_follows_it()
    {
        var state = new RtpSequenceState(1);
        state.Update(100);
        state.Update(101);
        Assert.Equal(V.Rejected, state.Update(40000));
        Assert.Equal(101, state.HighestSequence);
        Assert.Equal(V.InOrder, state.Update(102)); // the stray was alone
        Assert.Equal(V.Rejected, state.Update(50000));
        Assert.Equal(V.Restarted, state.Update(50001)); // two in a row: the sender restarted
        Assert.Equal(50001, state.BaseSequence);
        AssertCounts(state, expected: 1, received: 1, lost: 0);
    }

    [Fact]
    public void Gaps_below_max_dropout_are_in_order_and_lost()
    {
        var state = new RtpSequenceState(1);
        state.Update(0);
        Assert.Equal(V.InOrder, state.Update(RtpSequenceState.MaxDropout - 1));
        Assert.Equal(RtpSequenceState.MaxDropout, state.Expected);
        Assert.Equal(RtpSequenceState.MaxDropout - 2, state.CumulativeLost);
        Assert.Equal(V.Rejected, state.Update((ushort)(RtpSequenceState.MaxDropout - 1 + RtpSequenceState.MaxDropout)));
    }

    [Fact]
    public void Late_packets_up_to_max_misorder_count()
    {
        var state = new RtpSequenceState(1);
        state.Update(1000);
        Assert.Equal(V.Late, state.Update(1000 - RtpSequenceState.MaxMisorder + 1));
        Assert.Equal(V.Rejected, state.Update(1000 - RtpSequenceState.MaxMisorder));
    }

    [Fact]
    public void Fraction_lost_is_per_interval()
    {
        var state = new RtpSequenceState(1);
        // Interval 1: 1..100, every 4th lost (25 of 100).
        for (ushort s = 1; s <= 100; s++)
        {
            if (s % 4 != 0)
            {
                state.Update(s);
            }
        }

        state.Update(100); // 100 arrives after all: 24 of 100 lost
        AssertCounts(state, expected: 100, received: 76, lost: 24);
        Assert.Equal(24 * 256 / 100, state.TakeFractionLost());

        // Interval 2: 101..200 all arrive.
        for (ushort s = 101; s <= 200; s++)
        {
            state.Update(s);
        }

        Assert.Equal(0, state.TakeFractionLost());
        Assert.Equal(24, state.CumulativeLost);

        // Interval 3: nothing arrived.
        Assert.Equal(0, state.TakeFractionLost());

        // Interval 4: 201..210 with 9 lost.
        state.Update(210);
        Assert.Equal(9 * 256 / 10, state.TakeFractionLost());
    }

    [Fact]
    public void The_struct_default_uses_min_sequential_two()
    {
        RtpSequenceState state = default;
        Assert.Equal(V.Probation, state.Update(5));
        Assert.Equal(V.InOrder, state.Update(6));
    }

    private static void AssertCounts(in RtpSequenceState state, long expected, long received, int lost)
    {
        Assert.Equal(expected, state.Expected);
        Assert.Equal(received, state.Received);
        Assert.Equal(lost, state.CumulativeLost);
    }
}

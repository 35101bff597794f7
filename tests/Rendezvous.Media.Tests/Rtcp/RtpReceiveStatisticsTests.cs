using Rendezvous.Media.Rtcp;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Tests.Rtcp;

/// <summary>RFC 3550 appendix A.3 (loss) and A.8 (jitter) on synthetic streams.</summary>
public sealed class RtpReceiveStatisticsTests
{
    private const uint Source = 0xAABBCCDD;

    [Fact]
    public void Perfect_pacing_has_no_jitter()
    {
        var stats = new RtpReceiveStatistics(Source, 8000);
        for (var i = 0; i < 100; i++)
        {
            stats.OnPacket((ushort)i, (uint)(1000 + (160 * i)), (uint)(777_777 + (160 * i)));
        }

        Assert.Equal(0u, stats.Jitter);
        Assert.True(stats.TryCreateReportBlock(TimeSpan.Zero, out var block));
        Assert.Equal(0u, block.Jitter);
    }

    [Fact]
    public void A_constant_swing_converges_to_its_size()
    {
        // Every other packet 40 units late: |D| is 40 each time, so J tends to 40 (A.8 estimator).
        var stats = new RtpReceiveStatistics(Source, 8000, minSequential: 1);
        for (var i = 0; i < 400; i++)
        {
            stats.OnPacket((ushort)i, (uint)(160 * i), (uint)((160 * i) + (i % 2 == 0 ? 0 : 40)));
        }

        Assert.InRange(stats.Jitter, 39u, 40u);
        Assert.InRange(stats.JitterTime, TimeSpan.FromMilliseconds(4.8), TimeSpan.FromMilliseconds(5.1));
    }

    [Fact]
    public void Jitter_follows_the_a8_formula()
    {
        // The integer estimator against J += (|D| - J) / 16 in floating point, on random delays.
        var random = new Random(8000);
        var stats = new RtpReceiveStatistics(Source, 8000, minSequential: 1);
        double reference = 0;
        long previousTransit = 0;
        for (var i = 0; i < 2000; i++)
        {
            var timestamp = (uint)(4_000_000_000u + (160u * (uint)i)); // wraps past 2^32
            var arrival = (uint)(123 + (160 * i) + random.Next(0, 400));
            stats.OnPacket((ushort)(65000 + i), timestamp, arrival);
            long transit = (int)(arrival - timestamp);
            if (i > 0)
            {
                reference += (Math.Abs(transit - previousTransit) - reference) / 16;
            }

            previousTransit = transit;
            Assert.InRange((double)stats.Jitter, reference - 1.5, reference + 1.5);
        }
    }

    [Fact]
    public void Arrival_times_convert_at_the_clock_rate()
    {
        // 48 kHz, 20 ms packets (960 units), arrivals alternately 5 ms early and late: |D| = 10 ms = 480 units.
        var stats = new RtpReceiveStatistics(Source, 48000, minSequential: 1);
        for (var i = 0; i < 400; i++)
        {
            var arrival = TimeSpan.FromMilliseconds((20 * i) + (i % 2 == 0 ? -5 : 5) + 1000);
            stats.OnPacket((ushort)i, (uint)(960 * i), arrival);
        }

        Assert.InRange(stats.Jitter, 478u, 480u);
        Assert.InRange(stats.JitterTime.TotalMilliseconds, 9.9, 10.0);
        Assert.Equal(48000u, stats.ToTimestampUnits(TimeSpan.FromSeconds(1)));
        Assert.Equal((uint)(48_000_000_000L % (1L << 32)), stats.ToTimestampUnits(TimeSpan.FromSeconds(1_000_000)));
    }

    [Fact]
    public void Probation_and_rejected_packets_do_not_move_the_jitter()
    {
        var stats = new RtpReceiveStatistics(Source, 8000);
        Assert.Equal(RtpSequenceVerdict.Probation, stats.OnPacket(10, 0, 99_999u)); // wild arrival, not counted
        Assert.Equal(RtpSequenceVerdict.InOrder, stats.OnPacket(11, 160, 1160u)); // sets the reference transit
        Assert.Equal(RtpSequenceVerdict.InOrder, stats.OnPacket(12, 320, 1320u));
        Assert.Equal(RtpSequenceVerdict.Rejected, stats.OnPacket(30000, 0, 5u));
        Assert.Equal(0u, stats.Jitter);
        Assert.False(new RtpReceiveStatistics(Source, 8000).TryCreateReportBlock(TimeSpan.Zero, out _));
    }

    [Fact]
    public void A_restart_resets_the_reference_transit()
    {
        var stats = new RtpReceiveStatistics(Source, 8000, minSequential: 1);
        stats.OnPacket(100, 0, 1000u);
        stats.OnPacket(101, 160, 1160u);
        stats.OnPacket(40000, 9_000_000, 1320u); // new sequence and timestamp bases
        Assert.Equal(RtpSequenceVerdict.Restarted, stats.OnPacket(40001, 9_000_160, 1480u));
        stats.OnPacket(40002, 9_000_320, 1640u);
        Assert.Equal(0u, stats.Jitter);
    }

    [Fact]
    public void Loss_reorder_duplicates_and_wraparound_in_report_blocks()
    {
        var stats = new RtpReceiveStatistics(Source, 8000, minSequential: 1);

        // Interval 1: 65530..65535, 0..9 (16 expected); 65533 and 2 lost, 5 before 4, 7 twice.
        ushort[] first = [65530, 65531, 65532, 65534, 65535, 0, 1, 3, 5, 4, 6, 7, 7, 8, 9];
        foreach (var s in first)
        {
            stats.OnPacket(s, (uint)(s * 160), (uint)(s * 160));
        }

        Assert.True(stats.TryCreateReportBlock(TimeSpan.FromSeconds(5), out var block));
        Assert.Equal(Source, block.Ssrc);
        Assert.Equal(65536u + 9, block.ExtendedHighestSequence);
        Assert.Equal(1, block.CumulativeLost); // 2 lost, 1 duplicate
        Assert.Equal(1 * 256 / 16, block.FractionLost);
        Assert.Equal(0u, block.LastSenderReport);
        Assert.Equal(0u, block.DelaySinceLastSenderReport);

        // Interval 2: 10..29 with 5 lost (every 4th).
        for (ushort s = 10; s < 30; s++)
        {
            if (s % 4 != 0)
            {
                stats.OnPacket(s, (uint)(s * 160), (uint)(s * 160));
            }
        }

        Assert.True(stats.TryCreateReportBlock(TimeSpan.FromSeconds(10), out block));
        Assert.Equal(65536u + 29, block.ExtendedHighestSequence);
        Assert.Equal(6, block.CumulativeLost);
        Assert.Equal(5 * 256 / 20, block.FractionLost);

        // Interval 3: nothing arrived.
        Assert.True(stats.TryCreateReportBlock(TimeSpan.FromSeconds(15), out block));
        Assert.Equal(0, block.FractionLost);
        Assert.Equal(6, block.CumulativeLost);
    }

    [Fact]
    public void Lsr_and_dlsr_come_from_the_last_sender_report()
    {
        var stats = new RtpReceiveStatistics(Source, 8000, minSequential: 1);
        stats.OnPacket(1, 0, 0u);
        var ntp = new NtpTimestamp(0xE8A1B2C3_80000000);
        stats.OnSenderReport(ntp, TimeSpan.FromSeconds(100));
        Assert.True(stats.TryCreateReportBlock(TimeSpan.FromSeconds(101.5), out var block));
        Assert.Equal(0xB2C38000u, block.LastSenderReport);
        Assert.Equal((uint)(1.5 * 65536), block.DelaySinceLastSenderReport);

        // The sender, receiving this block 0.25 s after our report left (no real network delay
        // otherwise), computes RTT = A - LSR - DLSR.
        var arrival = new NtpTimestamp(ntp.Value + (ulong)(1.75 * 65536 * 65536));
        Assert.True(block.TryGetRoundTripTime(arrival, out var rtt));
        Assert.Equal(TimeSpan.FromMilliseconds(250), rtt);
    }

    [Fact]
    public void The_clock_rate_is_a_parameter()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpReceiveStatistics(Source, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpReceiveStatistics(Source, 8000, -1));
        Assert.Equal(16000, new RtpReceiveStatistics(Source, 16000).ClockRate);
    }
}

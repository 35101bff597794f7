using Rendezvous.Media.Rtcp;

namespace Rendezvous.Media.Tests.Rtcp;

/// <summary>Our own compound reports, the NTP helpers and the section 6.4.1 round-trip time.</summary>
public sealed class RtcpReportTests
{
    private static readonly RtcpSenderInfo Sender = new(new NtpTimestamp(0xE8A1B2C3_80000000), 160, 10, 1600);

    private static RtcpReportBlock Block(uint ssrc) => new(ssrc, 12, -3, 70000, 45, 0x12345678, 0x00010000);

    [Fact]
    public void A_sender_reports_with_sr_then_sdes_cname()
    {
        var packets = RtcpCompound.CreateReport(7, Sender, [Block(1), Block(2)], "mixer@rendezvous");
        Assert.Equal(
            [
                new RtcpSenderReport(7, Sender, [Block(1), Block(2)]),
                new RtcpSourceDescription([new RtcpSdesChunk(7, [new(RtcpSdesItemType.Cname, "mixer@rendezvous")])]),
            ],
            packets);
        var decoded = RtcpCompound.Read(RtcpCompound.Encode(packets));
        Assert.True(decoded.IsValid, decoded.ToString());
        Assert.Equal(packets, decoded.Packets);
    }

    [Fact]
    public void A_receiver_only_reports_with_rr()
    {
        var packets = RtcpCompound.CreateReport(7, null, [], "listener@rendezvous");
        Assert.Equal(new RtcpReceiverReport(7, []), packets[0]);
        Assert.Equal(2, packets.Count);
    }

    [Fact]
    public void More_than_31_blocks_continue_in_receiver_reports()
    {
        var blocks = Enumerable.Range(1, 70).Select(i => Block((uint)i)).ToArray();
        var packets = RtcpCompound.CreateReport(7, Sender, blocks, "c");
        Assert.Equal([31, 31, 8], packets.Take(3).Select(p => ((RtcpReportPacket)p).ReportBlocks.Count));
        Assert.IsType<RtcpSenderReport>(packets[0]);
        Assert.IsType<RtcpReceiverReport>(packets[1]);
        Assert.IsType<RtcpReceiverReport>(packets[2]);
        Assert.IsType<RtcpSourceDescription>(packets[3]);
        Assert.Equal(blocks, packets.Take(3).SelectMany(p => ((RtcpReportPacket)p).ReportBlocks));
        Assert.Equal(packets, RtcpCompound.Read(RtcpCompound.Encode(packets)).Packets);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("call ended")]
    public void Leaving_adds_a_bye_last(string? reason)
    {
        var packets = RtcpCompound.CreateGoodbye(7, null, [Block(1)], "c", reason);
        Assert.Equal(new RtcpGoodbye([7], reason), packets[^1]);
        Assert.Equal(packets, RtcpCompound.Read(RtcpCompound.Encode(packets)).Packets);
    }

    [Fact]
    public void What_cannot_be_encoded_throws()
    {
        Assert.Throws<ArgumentException>(() => RtcpCompound.CreateReport(7, null, [], new string('x', 256)));
        Assert.Throws<ArgumentException>(() => RtcpCompound.CreateGoodbye(7, null, [], "c", new string('é', 128)));
        Assert.Throws<ArgumentException>(() => RtcpCompound.CreateReport(7, null, [Block(1) with { CumulativeLost = 0x800000 }], "c"));
        Assert.Throws<ArgumentException>(() => RtcpCompound.Encode([]));
        Assert.Throws<ArgumentException>(() => RtcpCompound.Encode([new RtcpGoodbye([1])]));
        Assert.Throws<ArgumentException>(() => new RtcpReceiverReport(1, [.. Enumerable.Repeat(Block(1), 32)]).GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtcpReceiverReport(1, []) { ProfileExtension = [1, 2] }.GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtcpSourceDescription([new RtcpSdesChunk(1, [new(RtcpSdesItemType.End, "")])]).GetEncodedLength());
        Assert.Throws<ArgumentException>(() => new RtcpRawPacket(RtcpPacketType.SenderReport, 0, []));
        Assert.Throws<ArgumentException>(() => new RtcpRawPacket(RtcpPacketType.ApplicationDefined, 0, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtcpRawPacket(RtcpPacketType.ApplicationDefined, 32, []));
    }

    [Fact]
    public void The_extreme_cumulative_losses_survive_the_wire()
    {
        RtcpPacket[] packets = [new RtcpReceiverReport(1, [Block(1) with { CumulativeLost = -0x800000 }, Block(2) with { CumulativeLost = 0x7FFFFF }])];
        Assert.Equal(packets, RtcpCompound.Read(RtcpCompound.Encode(packets)).Packets);
    }

    [Fact]
    public void A_short_destination_is_refused()
    {
        var packets = RtcpCompound.CreateReport(7, Sender, [Block(1)], "c");
        var length = RtcpCompound.GetEncodedLength(packets);
        Assert.False(RtcpCompound.TryWrite(packets, new byte[length - 1], out var written));
        Assert.Equal(0, written);
        Assert.True(RtcpCompound.TryWrite(packets, new byte[length + 10], out written));
        Assert.Equal(length, written);
        Assert.False(packets[0].TryWrite(new byte[3], out _));
    }

    [Fact]
    public void Round_trip_time_from_the_rfc_example()
    {
        // RFC 3550 section 6.4.1, figure 2: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
        // DLSR = 0x0005:4000 (5.250 s): RTT = 0x0006:2000 (6.125 s).
        Assert.True(RtcpReportBlock.TryComputeRoundTrip(0xB7108000, 0xB7052000, 0x00054000, out var units));
        Assert.Equal(0x00062000u, units);
        var block = new RtcpReportBlock(1, 0, 0, 0, 0, 0xB7052000, 0x00054000);
        Assert.True(block.TryGetRoundTripTime(new NtpTimestamp(0x0000B710_80000000), out var rtt));
        Assert.Equal(TimeSpan.FromMilliseconds(6125), rtt);
    }

    [Theory]
    [InlineData(0xB7108000u, 0u, 0u)] // no SR received yet: LSR 0
    [InlineData(0xB7108000u, 0xB7052000u, 0x000C0000u)] // DLSR longer than the time since the SR
    [InlineData(0x00001000u, 0x00002000u, 0u)] // A before LSR
    public void Round_trip_time_is_refused_when_it_cannot_be_right(uint arrival, uint lsr, uint dlsr) =>
        Assert.False(RtcpReportBlock.TryComputeRoundTrip(arrival, lsr, dlsr, out _));

    [Fact]
    public void Round_trip_time_across_the_wrap_of_the_short_format()
    {
        Assert.True(RtcpReportBlock.TryComputeRoundTrip(0x00010000, 0xFFFF8000, 0x00004000, out var units));
        Assert.Equal(0x0001_4000u, units); // 1.25 s
    }

    [Fact]
    public void Ntp_timestamps_from_dates()
    {
        // 1970-01-01 is 2,208,988,800 s after 1900-01-01.
        var unixEpoch = NtpTimestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMilliseconds(500));
        Assert.Equal(2_208_988_800u, unixEpoch.Seconds);
        Assert.Equal(0x80000000u, unixEpoch.Fraction);
        Assert.Equal(unchecked((uint)((2_208_988_800ul << 16) | 0x8000)), unixEpoch.Middle32);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddMilliseconds(500), unixEpoch.ToDateTimeOffset());
    }

    [Theory]
    [InlineData("1968-01-20T03:14:08Z", 0x80000000u)]
    [InlineData("2036-02-07T06:28:15Z", 0xFFFFFFFFu)]
    [InlineData("2036-02-07T06:28:16Z", 0u)] // era 1 starts
    [InlineData("2104-02-26T09:42:23Z", 0x7FFFFFFFu)]
    public void Ntp_eras(string time, uint seconds)
    {
        var when = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
        var ntp = NtpTimestamp.FromDateTimeOffset(when);
        Assert.Equal(seconds, ntp.Seconds);
        Assert.Equal(when, ntp.ToDateTimeOffset());
    }

    [Theory]
    [InlineData("1968-01-20T03:14:07Z")]
    [InlineData("2104-02-26T09:42:24Z")]
    public void Ntp_times_outside_the_two_eras_throw(string time) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NtpTimestamp.FromDateTimeOffset(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Ntp_fractions_round_trip_to_the_tick()
    {
        var random = new Random(3550);
        for (var i = 0; i < 1000; i++)
        {
            var when = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 365));
            Assert.Equal(when, NtpTimestamp.FromDateTimeOffset(when).ToDateTimeOffset());
        }
    }

    [Theory]
    [InlineData(0, 0u)]
    [InlineData(-5, 0u)]
    [InlineData(5250, 0x00054000u)]
    [InlineData(1000L * 65535, 0xFFFF0000u)]
    [InlineData(1000L * 70000, uint.MaxValue)]
    public void Short_format_durations(long milliseconds, uint units)
    {
        Assert.Equal(units, NtpTimestamp.ToShortFormat(TimeSpan.FromMilliseconds(milliseconds)));
        if (units is not 0 and not uint.MaxValue)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), NtpTimestamp.FromShortFormat(units));
        }
    }
}

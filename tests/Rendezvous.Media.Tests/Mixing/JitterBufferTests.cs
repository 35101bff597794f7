using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>
/// The playout buffer of one leg. Defaults: 20 ms frames at 8000 Hz (160 units), floor 40 ms (2 frames),
/// ceiling 200 ms (10 frames). Each payload's first octet names its frame so the playout order is visible.
/// </summary>
public sealed class JitterBufferTests
{
    private const uint Ssrc = 0x1234_5678;
    private const uint BaseTimestamp = 0xFFFF_FD00; // wraps after a few frames
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);

    private static JitterPushResult Push(JitterBuffer buffer, int frame, TimeSpan? arrival = null, uint ssrc = Ssrc, int unitsPerFrame = 160) =>
        buffer.Push(ssrc, (ushort)(100 + frame), BaseTimestamp + (uint)(frame * unitsPerFrame), [(byte)frame, 0x55], arrival ?? Frame * frame);

    /// <summary>Pops <paramref name="ticks"/> times; a frame shows as its number, a missing one as -1, silence as -2.</summary>
    private static int[] Play(JitterBuffer buffer, int ticks)
    {
        var played = new int[ticks];
        var payload = new byte[320];
        for (var i = 0; i < ticks; i++)
        {
            played[i] = buffer.Pop(payload, out var length) switch
            {
                JitterPopResult.Frame when length == 2 => payload[0],
                JitterPopResult.Missing => -1,
                JitterPopResult.Silence => -2,
                var other => throw new InvalidOperationException($"{other} of {length} octets"),
            };
        }

        return played;
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(16000)]
    [InlineData(48000)]
    public void In_order_frames_play_in_order_at_any_clock_rate(int clockRate)
    {
        var buffer = new JitterBuffer(new JitterBufferOptions { ClockRate = clockRate });
        var units = clockRate / 50;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i == 0 ? JitterPushResult.Resynchronized : JitterPushResult.Accepted, Push(buffer, i, unitsPerFrame: units));
        }

        Assert.Equal(5, buffer.Level);
        Assert.Equal([0, 1, 2, 3, 4], Play(buffer, 5));
        Assert.Equal((5L, 0L, 0L, 0L), (buffer.Received, buffer.Late, buffer.Duplicates, buffer.Resyncs));
    }

    [Fact]
    public void Popping_in_place_gives_the_buffered_payload_itself_and_nothing_for_a_missing_frame()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Push(buffer, 0);
        Push(buffer, 1);
        Push(buffer, 3);
        Assert.Equal(JitterPopResult.Frame, buffer.Pop(out var first));
        Assert.Equal([0, 0x55], first.ToArray());
        Assert.Equal(JitterPopResult.Frame, buffer.Pop(out var second));
        Assert.Equal([1, 0x55], second.ToArray());
        Assert.Equal(JitterPopResult.Missing, buffer.Pop(out var missing));
        Assert.True(missing.IsEmpty);

        // The copying pop gives the same bytes, and a short destination their start.
        var two = new byte[1];
        Assert.Equal(JitterPopResult.Frame, buffer.Pop(two, out var length));
        Assert.Equal((1, (byte)3), (length, two[0]));
    }

    [Fact]
    public void A_kept_payload_stays_until_a_packet_takes_its_slot()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Assert.False(buffer.TryGetKept(out _)); // nothing played yet
        Push(buffer, 0);
        Push(buffer, 1);
        Assert.Equal([0, 1], Play(buffer, 2));
        buffer.KeepPlayed();
        Assert.Equal([-1], Play(buffer, 1));
        buffer.KeepPlayed(); // that pop played nothing: frame 1 stays kept
        Assert.True(buffer.TryGetKept(out var last));
        Assert.Equal([1, 0x55], last.ToArray());

        // A packet a whole ring ahead of frame 1 lands in frame 1's slot: that payload is gone.
        Push(buffer, 1 + buffer.Capacity);
        Assert.False(buffer.TryGetKept(out _));

        // A frame played but not kept (one that did not decode whole, say) is not what is repeated.
        Push(buffer, 3);
        Play(buffer, 1);
        Assert.False(buffer.TryGetKept(out _));
        Push(buffer, 4);
        Play(buffer, 1);
        buffer.KeepPlayed();
        Assert.True(buffer.TryGetKept(out var kept));
        Assert.Equal([4, 0x55], kept.ToArray());
        buffer.Reset();
        Assert.False(buffer.TryGetKept(out _));
    }

    [Fact]
    public void Prefills_to_the_target_before_playing()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Assert.Equal([-2], Play(buffer, 1)); // nothing yet
        Push(buffer, 0);
        Assert.Equal([-2], Play(buffer, 1)); // one frame, target two
        Push(buffer, 1);
        Assert.Equal([0], Play(buffer, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(40), buffer.TargetDelay);
    }

    [Fact]
    public void Reordered_frames_play_in_timestamp_order()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        foreach (var frame in new[] { 1, 0, 3, 2, 5, 4 })
        {
            Push(buffer, frame);
        }

        Assert.Equal([0, 1, 2, 3, 4, 5], Play(buffer, 6));
        Assert.Equal(0, buffer.Late);
    }

    [Fact]
    public void Duplicates_are_dropped_and_counted()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        foreach (var frame in new[] { 0, 1, 1, 2, 0 })
        {
            Push(buffer, frame);
        }

        Assert.Equal(2, buffer.Duplicates);
        Assert.Equal([0, 1, 2], Play(buffer, 3));
    }

    [Fact]
    public void A_frame_after_its_playout_time_is_late()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Push(buffer, 0);
        Push(buffer, 2);
        Push(buffer, 3);
        Assert.Equal([0, -1], Play(buffer, 2));
        Assert.Equal(JitterPushResult.Late, Push(buffer, 1));
        Assert.Equal(JitterPushResult.Late, Push(buffer, 0));
        Assert.Equal((2L, 1L), (buffer.Late, buffer.Concealed));
    }

    [Fact]
    public void Loss_asks_for_concealment_and_a_stopped_stream_goes_silent()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        foreach (var frame in new[] { 0, 1, 3, 4 })
        {
            Push(buffer, frame);
        }

        Assert.Equal([0, 1, -1, 3, 4], Play(buffer, 5));
        Assert.Equal(1, buffer.Concealed);

        // The sender stops: concealment for one buffer's worth, then silence (no endless concealing).
        var after = Play(buffer, 15);
        Assert.Equal(Enumerable.Repeat(-1, 10), after[..10]);
        Assert.Equal(Enumerable.Repeat(-2, 5), after[10..]);

        // It resumes later (same SSRC, within the resync threshold): prefill again, then play.
        Push(buffer, 30);
        Push(buffer, 31);
        Assert.Equal([30, 31], Play(buffer, 2));
        Assert.Equal(0, buffer.Resyncs);
    }

    [Fact]
    public void A_new_ssrc_resynchronises()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Push(buffer, 0);
        Push(buffer, 1);
        Push(buffer, 2);
        Assert.Equal([0], Play(buffer, 1));

        // Another sender (a re-INVITE, a switch to another party): its own timestamps, in the past even.
        Assert.Equal(JitterPushResult.Resynchronized, buffer.Push(0xBEEF, 7, 12345, [40, 0], Frame * 3));
        Assert.Equal(JitterPushResult.Accepted, buffer.Push(0xBEEF, 8, 12345 + 160, [41, 0], Frame * 4));
        Assert.Equal([40, 41], Play(buffer, 2));
        Assert.Equal((1L, 0xBEEFu), (buffer.Resyncs, buffer.Ssrc!.Value));
    }

    [Theory]
    [InlineData(5_000)]   // 5 s ahead
    [InlineData(-5_000)]  // 5 s back
    public void A_timestamp_jump_beyond_the_threshold_resynchronises(int milliseconds)
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        Push(buffer, 0);
        Push(buffer, 1);
        Assert.Equal([0], Play(buffer, 1));
        var jump = BaseTimestamp + (uint)(milliseconds * 8);
        Assert.Equal(JitterPushResult.Resynchronized, buffer.Push(Ssrc, 102, jump, [50, 0], Frame * 2));
        Assert.Equal(JitterPushResult.Accepted, buffer.Push(Ssrc, 103, jump + 160, [51, 0], Frame * 3));
        Assert.Equal([50, 51], Play(buffer, 2));
        Assert.Equal(1, buffer.Resyncs);
    }

    [Fact]
    public void A_burst_never_grows_the_buffer_past_its_ceiling()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        for (var i = 0; i < 50; i++)
        {
            Push(buffer, i, TimeSpan.Zero);
            Assert.InRange(buffer.Level, 1, buffer.Capacity);
        }

        Assert.Equal(10, buffer.Capacity);
        Assert.Equal(40, buffer.OverflowDrops);
        Assert.True(buffer.CurrentDelay <= TimeSpan.FromMilliseconds(200));
        Assert.Equal([40, 41, 42], Play(buffer, 3)); // the oldest went first
    }

    [Fact]
    public void Bad_payloads_are_rejected_and_counted_not_thrown()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions { MaxPayloadLength = 160 });
        Assert.Equal(JitterPushResult.Rejected, buffer.Push(Ssrc, 1, 0, [], TimeSpan.Zero));
        Assert.Equal(JitterPushResult.Rejected, buffer.Push(Ssrc, 1, 0, new byte[161], TimeSpan.Zero));
        Assert.Equal((2L, 0L, 0), (buffer.Rejected, buffer.Received, buffer.Level));
    }

    [Fact]
    public void Jitter_raises_the_target_within_floor_and_ceiling()
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            Push(buffer, i, (Frame * i) + TimeSpan.FromMilliseconds(random.Next(0, 40)));
            Play(buffer, 1);
        }

        // Uniform 0-40 ms delays: A.8 jitter near 13 ms, so three times that wants two or three frames.
        Assert.InRange(buffer.Jitter, 60, 160);
        Assert.InRange(buffer.TargetFrames, 2, 3);

        var worse = new JitterBuffer(new JitterBufferOptions());
        for (var i = 0; i < 500; i++)
        {
            Push(worse, i, (Frame * i) + TimeSpan.FromMilliseconds(random.Next(0, 400)));
            Play(worse, 1);
        }

        Assert.Equal(10, worse.TargetFrames); // clamped to the ceiling
    }

    [Theory]
    [InlineData(1.005)] // sender 0.5 % fast
    [InlineData(0.995)] // sender 0.5 % slow
    public void Sender_clock_drift_over_a_minute_stays_within_floor_and_ceiling(double senderRate)
    {
        var buffer = new JitterBuffer(new JitterBufferOptions());
        var random = new Random(11);
        var payload = new byte[320];
        var sent = 0;
        var levels = new List<int>();
        for (var tick = 1; tick <= 3000; tick++)
        {
            // Deliver every packet sent (by the sender's clock, plus up to 4 ms of network jitter) before this tick.
            var now = Frame * tick;
            while ((Frame * sent / senderRate) + TimeSpan.FromMilliseconds(random.Next(0, 5)) < now)
            {
                Push(buffer, sent, Frame * sent / senderRate);
                sent++;
            }

            levels.Add(buffer.Level);
            Assert.InRange(buffer.Level, 0, buffer.Capacity);
            buffer.Pop(payload, out _);
        }

        // About 15 frames' drift in 60 s: corrected one at a time, never by overflowing.
        var corrections = senderRate > 1 ? buffer.DriftDrops : buffer.DriftInsertions;
        Assert.InRange(corrections, 10, 25);
        Assert.Equal(0, buffer.OverflowDrops);
        Assert.Equal(0, buffer.Late);
        Assert.InRange(levels[^500..].Max(), 1, buffer.TargetFrames + 2);
        Assert.InRange(levels[^500..].Min(), 1, buffer.TargetFrames + 1);
    }
}

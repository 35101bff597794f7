using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

public sealed class MixerClockTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);

    /// <summary>Records when (since <see cref="Start"/>) each of its ticks ran.</summary>
    private sealed class RecordingHub(ManualTimeProvider time) : IMixStep
    {
        public long Start { get; set; } = time.GetTimestamp();

        public List<TimeSpan> Times { get; } = [];

        public void Mix() => Times.Add(time.GetElapsedTime(Start));
    }

    private sealed class FaultyHub : IMixStep
    {
        public void Mix() => throw new InvalidOperationException("a hub's bug");
    }

    [Fact]
    public void Ticks_fall_on_exact_multiples_of_the_period()
    {
        var time = new ManualTimeProvider();
        using var clock = new MixerClock(time, Period);
        var hub = new RecordingHub(time);
        Assert.True(clock.Attach(hub));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Enumerable.Range(1, 50).Select(n => Period * n), hub.Times);
        Assert.Equal((50L, 0L, 0L), (clock.Ticks, clock.LateTicks, clock.SkippedTicks));
    }

    [Fact]
    public void Late_timers_do_not_accumulate_over_ten_thousand_ticks()
    {
        // Every wake-up is 0 to 3 ms late; sleeping a period each time would drift by about 15 s.
        var random = new Random(3);
        var time = new ManualTimeProvider { Latency = () => TimeSpan.FromTicks(random.Next(0, 30_000)) };
        using var clock = new MixerClock(time, Period);
        var hub = new RecordingHub(time);
        clock.Attach(hub);
        time.Advance((Period * 10_000) + TimeSpan.FromMilliseconds(10));

        Assert.Equal(10_000, hub.Times.Count);
        for (var n = 1; n <= hub.Times.Count; n++)
        {
            Assert.InRange(hub.Times[n - 1] - (Period * n), TimeSpan.Zero, TimeSpan.FromMilliseconds(3));
        }

        Assert.Equal(0, clock.LateTicks);
    }

    [Fact]
    public void A_late_wake_up_catches_up_and_a_long_stall_skips()
    {
        var time = new ManualTimeProvider();
        var lateness = new List<TimeSpan>();
        using var clock = new MixerClock(time, Period, maxCatchUp: 5, tickLateness: lateness.Add);
        var hub = new RecordingHub(time);
        time.Latency = () => TimeSpan.FromMilliseconds(70);
        clock.Attach(hub);
        time.Latency = null;
        time.Advance(TimeSpan.FromMilliseconds(100));

        // Tick 1 was due at 20 ms and ran at 90 ms with ticks 2-4 behind it; tick 5 ran on time at 100 ms.
        Assert.Equal([90, 90, 90, 90, 100], hub.Times.Select(t => (int)t.TotalMilliseconds));
        Assert.Equal((5L, 3L), (clock.Ticks, clock.LateTicks));
        Assert.Equal([70, 50, 30, 10, 0], lateness.Select(t => (int)t.TotalMilliseconds));

        time.Latency = () => TimeSpan.FromSeconds(1);
        time.Advance(TimeSpan.FromMilliseconds(20)); // nothing due yet; the next arming is late
        time.Latency = null;
        time.Advance(TimeSpan.FromSeconds(2));

        // Tick 7 was due at 140 ms and woke at 1140 ms, 51 ticks behind: 6 run back to back, 45 skipped.
        // Then the schedule goes on: 106 ticks due by 2120 ms, less the skipped ones.
        Assert.Equal(45, clock.SkippedTicks);
        Assert.Equal((61L, 61), (clock.Ticks, hub.Times.Count));
        Assert.Equal(Period * 106, hub.Times[^1]);
    }

    [Fact]
    public void No_timer_runs_while_no_hub_is_attached()
    {
        var time = new ManualTimeProvider();
        using var clock = new MixerClock(time, Period);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((0, false, 0L), (time.TimersCreated, clock.IsRunning, clock.Ticks));

        var first = new RecordingHub(time);
        var second = new RecordingHub(time);
        clock.Attach(first);
        clock.Attach(second);
        Assert.False(clock.Attach(first));
        Assert.Equal((1, 1), (time.TimersCreated, time.LiveTimers));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(clock.Detach(first));
        Assert.True(clock.IsRunning);
        Assert.True(clock.Detach(second));
        Assert.False(clock.Detach(second));
        Assert.Equal((false, 0), (clock.IsRunning, time.LiveTimers));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(5, clock.Ticks);

        // A new first participant starts a new run whose ticks count from its own start.
        var third = new RecordingHub(time);
        clock.Attach(third);
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal([Period, Period * 2], third.Times);
    }

    [Fact]
    public void A_throwing_hub_is_counted_and_does_not_stop_the_others()
    {
        var time = new ManualTimeProvider();
        using var clock = new MixerClock(time, Period);
        var hub = new RecordingHub(time);
        clock.Attach(new FaultyHub());
        clock.Attach(hub);
        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal((3L, 3), (clock.Faults, hub.Times.Count));
    }

    /// <summary>Detaches another hub from inside its own mix, as a hangup handled during a tick would.</summary>
    private sealed class DetachingHub(Func<MixerClock> clock, IMixStep other) : IMixStep
    {
        public void Mix() => clock().Detach(other);
    }

    [Fact]
    public void A_hub_detached_during_a_tick_is_not_mixed_in_it()
    {
        var time = new ManualTimeProvider();
        MixerClock? clock = null;
        using var created = clock = new MixerClock(time, Period);
        var later = new RecordingHub(time);
        var stays = new RecordingHub(time);
        Assert.True(clock.Attach(new DetachingHub(() => clock!, later)));
        Assert.True(clock.Attach(later));
        Assert.True(clock.Attach(stays));

        time.Advance(Period * 3);
        Assert.Empty(later.Times);
        Assert.Equal(3, stays.Times.Count);
    }
}

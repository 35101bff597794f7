namespace Rendezvous.Media.Tests.Mixing;

/// <summary>
/// A TimeProvider whose time and timers move only in <see cref="Advance"/>: each timer fires at its due
/// time (plus <see cref="Latency"/>, to imitate a late OS timer), in due order.
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _now = TimeSpan.FromHours(1).Ticks;

    /// <summary>How late a timer armed now will fire; none by default.</summary>
    public Func<TimeSpan>? Latency { get; set; }

    public int TimersCreated { get; private set; }

    /// <summary>Timers created and not disposed.</summary>
    public int LiveTimers => _timers.Count;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(_now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        _timers.Add(timer);
        TimersCreated++;
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        var end = _now + by.Ticks;
        while (_timers.Where(t => t.DueAt <= end).MinBy(t => t.DueAt) is { } next)
        {
            _now = Math.Max(_now, next.DueAt!.Value);
            next.Fire();
        }

        _now = end;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public long? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime.Ticks + (owner.Latency?.Invoke() ?? TimeSpan.Zero).Ticks;
            return true;
        }

        public void Fire()
        {
            DueAt = _period == Timeout.InfiniteTimeSpan ? null : DueAt + _period.Ticks;
            callback(state);
        }

        public void Dispose()
        {
            DueAt = null;
            owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

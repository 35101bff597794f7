namespace Rendezvous.Media.Mixing;

/// <summary>
/// The tick that drives the mixers of every active call hub. Tick n is due at start + n × period, computed
/// from a monotonic <see cref="TimeProvider"/> timestamp, never by sleeping a period, so timer lateness does not
/// accumulate. A late timer is caught up by running the missed ticks back to back, up to
/// <see cref="MaxCatchUp"/>; beyond that the oldest missed ticks are skipped and counted. No timer exists while
/// no hub is attached: it starts with the first <see cref="Attach"/> and stops with the last
/// <see cref="Detach"/>.
/// </summary>
/// <remarks>Thread-safe. The lock is held to attach, detach and gather the hubs, never while a hub mixes.
/// One tick runs at a time (the timer is one-shot and re-armed after each run). The ticks run where
/// <see cref="TimeProvider"/>'s timers run: the media switch gives it a <see cref="TimerThread"/> of its own.</remarks>
public sealed class MixerClock : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<TimeSpan>? _tickDuration;
    private readonly Action<TimeSpan>? _tickLateness;
    private readonly List<IMixStep> _hubs = [];
    private IMixStep?[] _gathered = new IMixStep?[4];
    private ITimer? _timer;
    private long _start;
    private long _due;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a period of zero or less or a negative catch-up.</summary>
    /// <param name="tickDuration">Told how long each tick took to mix every hub (on <paramref name="time"/>), if given.</param>
    /// <param name="tickLateness">Told how long after it was due each tick started, if given: the clock keeping time, whatever a tick costs.</param>
    public MixerClock(TimeProvider time, TimeSpan period, int maxCatchUp = 5, Action<TimeSpan>? tickDuration = null, Action<TimeSpan>? tickLateness = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCatchUp);
        _time = time;
        _tickDuration = tickDuration;
        _tickLateness = tickLateness;
        Period = period;
        MaxCatchUp = maxCatchUp;
    }

    public TimeSpan Period { get; }

    /// <summary>The most ticks run back to back to catch up after a late wake-up; older missed ticks are skipped.</summary>
    public int MaxCatchUp { get; }

    /// <summary>True while a timer exists (at least one hub is attached).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _timer is not null;
            }
        }
    }

    /// <summary>Ticks run since the clock was created (across start and stop).</summary>
    public long Ticks { get; private set; }

    /// <summary>Ticks run late, back to back with the one before, to catch up.</summary>
    public long LateTicks { get; private set; }

    /// <summary>Ticks skipped because the clock fell more than <see cref="MaxCatchUp"/> ticks behind.</summary>
    public long SkippedTicks { get; private set; }

    /// <summary>Exceptions thrown by a hub's <see cref="IMixStep.Mix"/>: caught so one hub cannot stop the others.</summary>
    public long Faults { get; private set; }

    /// <summary>The time tick n of the current run is due, measured from its start (n × period).</summary>
    public TimeSpan DueTime(long tick) => Period * tick;

    /// <summary>Mixes <paramref name="hub"/> from the next tick on; starts the timer if it was idle. False when already attached.</summary>
    public bool Attach(IMixStep hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        lock (_lock)
        {
            if (_hubs.Contains(hub))
            {
                return false;
            }

            _hubs.Add(hub);
            if (_gathered.Length < _hubs.Count)
            {
                // Grown here, outside the tick, so the tick never allocates.
                _gathered = new IMixStep?[_hubs.Count * 2];
            }

            if (_timer is null)
            {
                _start = _time.GetTimestamp();
                _due = 1;
                _timer = _time.CreateTimer(static state => ((MixerClock)state!).OnTimer(), this, Period, Timeout.InfiniteTimeSpan);
            }

            return true;
        }
    }

    /// <summary>Stops mixing <paramref name="hub"/>; the last detach disposes the timer. False when it was not attached.</summary>
    public bool Detach(IMixStep hub)
    {
        lock (_lock)
        {
            if (!_hubs.Remove(hub))
            {
                return false;
            }

            // A tick running now gathered its hubs before this: clear this one's slot, so that it is
            // not mixed again unless its mix has already begun.
            var slot = Array.IndexOf(_gathered, hub);
            if (slot >= 0)
            {
                Volatile.Write(ref _gathered[slot], null);
            }

            if (_hubs.Count == 0)
            {
                StopTimer();
            }

            return true;
        }
    }

    /// <summary>Detaches every hub and stops the timer.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _hubs.Clear();
            StopTimer();
        }
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
        Array.Clear(_gathered);
    }

    private void OnTimer()
    {
        ITimer? timer;
        IMixStep?[] hubs;
        long due;
        long first;
        long start;
        int count;
        lock (_lock)
        {
            timer = _timer;
            if (timer is null)
            {
                return;
            }

            var elapsedTicks = (long)(_time.GetElapsedTime(_start).Ticks / Period.Ticks);
            var behind = elapsedTicks - _due + 1;
            if (behind > MaxCatchUp + 1)
            {
                SkippedTicks += behind - MaxCatchUp - 1;
                _due += behind - MaxCatchUp - 1;
                behind = MaxCatchUp + 1;
            }

            due = Math.Max(0, behind);
            first = _due;
            start = _start;
            count = _hubs.Count;
            for (var i = 0; i < count; i++)
            {
                _gathered[i] = _hubs[i];
            }

            hubs = _gathered;
        }

        for (var n = 0; n < due; n++)
        {
            LateTicks += n > 0 ? 1 : 0;
            Ticks++;
            var started = _time.GetTimestamp();
            if (_tickLateness is { } lateness)
            {
                var late = _time.GetElapsedTime(start, started) - DueTime(first + n);
                lateness(late > TimeSpan.Zero ? late : TimeSpan.Zero);
            }

            for (var i = 0; i < count; i++)
            {
                // A detach during this tick clears the slot: that hub is not mixed again.
                if (Volatile.Read(ref hubs[i]) is { } hub)
                {
                    RunHub(hub);
                }
            }

            _tickDuration?.Invoke(_time.GetElapsedTime(started));
        }

        lock (_lock)
        {
            if (_timer != timer)
            {
                return; // stopped (or restarted) while mixing
            }

            _due += due;
            var wait = DueTime(_due) - _time.GetElapsedTime(_start);
            timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private void RunHub(IMixStep hub)
    {
        try
        {
            hub.Mix();
        }
#pragma warning disable CA1031 // A hub's bug must not stop the tick of every other hub: counted in Faults.
        catch (Exception)
#pragma warning restore CA1031
        {
            Faults++;
        }
    }
}

using System.Diagnostics;

namespace Rendezvous.Media;

/// <summary>
/// The system clock, with every timer it creates run on one thread of its own instead of the thread
/// pool. A <see cref="TimeProvider.System"/> timer that fires wakes the runtime's timer thread and then
/// a pool worker, which spins (yielding the core) before it sleeps again: at 50 mixer ticks and
/// hundreds of RTCP reports a second, that hand-off and spinning was most of the media switch's CPU
/// at low load. Here a timer that fires costs one wake-up of this thread, at most.
/// </summary>
/// <remarks>
/// Callbacks run one at a time, in due order, and must be short (they delay each other). Wake-ups
/// are rounded up to the next millisecond (a timed wait on a condition variable). An exception from a
/// callback is caught and counted in <see cref="Faults"/>, so one timer's bug cannot stop the others.
/// </remarks>
public sealed class TimerThread : TimeProvider, IDisposable
{
    private readonly object _gate = new();
    private readonly PriorityQueue<(Entry Timer, long Version), long> _due = new();
    private readonly List<(Entry Timer, long Version)> _firing = [];
    private bool _disposed;
    private long _faults;

    private readonly int _nice;
    private volatile bool _priorityRaised;

    /// <param name="name">The thread's name (at most 15 characters show in Linux tools).</param>
    /// <param name="nice">
    /// On Linux, the thread's nice value (-20 to 19; 0: the process's). A negative one needs
    /// CAP_SYS_NICE; without it the thread keeps the process's priority (<see cref="PriorityRaised"/> says which).
    /// </param>
    public TimerThread(string name, int nice = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nice, -20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        _nice = nice;
        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Whether the thread runs at the nice value it was given (false: none given, not Linux, or not permitted).</summary>
    public bool PriorityRaised => _priorityRaised;

    /// <summary>Callbacks that threw.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Timers armed now.</summary>
    public int Armed
    {
        get
        {
            lock (_gate)
            {
                return _due.UnorderedItems.Count(d => d.Element.Timer.Version == d.Element.Version);
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new Entry(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Run()
    {
        if (_nice != 0 && OperatingSystem.IsLinux())
        {
            _priorityRaised = Relay.Reactor.Libc.SetPriority(Relay.Reactor.Libc.PrioProcess, (uint)Relay.Reactor.Libc.GetTid(), _nice) == 0;
        }

        while (true)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    var now = Stopwatch.GetTimestamp();
                    while (_due.TryPeek(out var next, out var at) && at <= now)
                    {
                        _due.Dequeue();
                        if (next.Timer.Version == next.Version)
                        {
                            _firing.Add(next);
                        }
                    }

                    if (_firing.Count > 0)
                    {
                        break;
                    }

                    var wait = _due.TryPeek(out _, out var first) ? (int)Math.Min(int.MaxValue, Math.Ceiling((first - now) * 1000.0 / Stopwatch.Frequency)) : Timeout.Infinite;
                    Monitor.Wait(_gate, wait);
                }
            }

            foreach (var (timer, version) in _firing)
            {
                timer.Fire(version);
            }

            _firing.Clear();
        }
    }

    /// <summary>The <see cref="Stopwatch"/> timestamp <paramref name="span"/> from now (now, for a negative span).</summary>
    private static long After(TimeSpan span) => Stopwatch.GetTimestamp() + (long)(Math.Max(0, span.TotalSeconds) * Stopwatch.Frequency);

    /// <summary>Stops the thread (after the callbacks it is running); timers never fire again.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _due.Clear();
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>One timer: its version changes at each <see cref="Change"/>, so a queued firing of an older arming is skipped.</summary>
    private sealed class Entry(TimerThread owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        /// <summary>Under the owner's lock.</summary>
        public long Version { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (owner._disposed || Version < 0)
                {
                    return false;
                }

                Version++;
                _period = period;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    owner._due.Enqueue((this, Version), After(dueTime));
                    Monitor.Pulse(owner._gate);
                }

                return true;
            }
        }

        /// <summary>On the timer thread: runs the callback unless changed or disposed since, then re-arms a periodic timer.</summary>
        public void Fire(long version)
        {
            lock (owner._gate)
            {
                if (Version != version)
                {
                    return;
                }
            }

            try
            {
                callback(state);
            }
#pragma warning disable CA1031 // One timer's bug must not stop every other timer on this thread: counted in Faults.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref owner._faults);
            }

            lock (owner._gate)
            {
                if (Version == version && _period != Timeout.InfiniteTimeSpan && !owner._disposed)
                {
                    owner._due.Enqueue((this, version), After(_period));
                }
            }
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                Version = long.MinValue; // never matches a queued firing again
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

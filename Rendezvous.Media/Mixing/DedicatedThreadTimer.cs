using System.Diagnostics;

namespace Rendezvous.Media.Mixing;

/// <summary>
/// A one-shot, re-armable timer whose callback runs on a thread of its own instead of the thread
/// pool. The mixer clock uses it on the system clock: a 20 ms tick then wakes one thread, where a
/// <see cref="TimeProvider"/> timer wakes the runtime's timer thread and then a pool worker (which
/// spins, yielding the core, before it sleeps again: most of the service's CPU at low load).
/// </summary>
/// <remarks>Wake-ups are rounded up to the next millisecond (a timed wait on a condition variable).
/// Only one-shot use is supported: <see cref="Change"/> with a period other than infinite throws.</remarks>
internal sealed class DedicatedThreadTimer : ITimer
{
    private readonly object _gate = new();
    private readonly TimerCallback _callback;
    private readonly object? _state;
    private long _due = long.MaxValue; // a Stopwatch timestamp; MaxValue: not armed
    private bool _disposed;

    public DedicatedThreadTimer(TimerCallback callback, object? state, TimeSpan dueTime, string name)
    {
        (_callback, _state) = (callback, state);
        Change(dueTime, Timeout.InfiniteTimeSpan);
        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan)
        {
            throw new NotSupportedException("a one-shot timer: re-arm it from the callback");
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(dueTime.TotalSeconds * Stopwatch.Frequency);
            Monitor.Pulse(_gate);
            return true;
        }
    }

    private void Run()
    {
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
                    if (_due <= now)
                    {
                        _due = long.MaxValue;
                        break;
                    }

                    var wait = _due == long.MaxValue ? Timeout.Infinite : (int)Math.Ceiling((_due - now) * 1000.0 / Stopwatch.Frequency);
                    Monitor.Wait(_gate, wait);
                }
            }

            _callback(_state);
        }
    }

    /// <summary>Stops the timer; a callback already running finishes (its thread then ends).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Collections.Concurrent;
using Rendezvous.Testing;

namespace Rendezvous.Media.Tests;

/// <summary>The timer thread on the real clock: order, re-arming, cancelling, periods, faults and disposal.</summary>
[Collection(RunAlone.Name)]
public sealed class TimerThreadTests : IDisposable
{
    private static readonly int[] DueMilliseconds = [60, 20, 40];

    private readonly TimerThread _thread = new("test-timers");

    [Fact]
    public async Task Timers_fire_once_in_due_order_on_the_one_thread_and_not_early()
    {
        var fired = new ConcurrentQueue<(int Timer, int Thread, long At)>();
        var start = _thread.GetTimestamp();
        var timers = DueMilliseconds.Select((ms, i) => _thread.CreateTimer(
            _ => fired.Enqueue((i, Environment.CurrentManagedThreadId, _thread.GetTimestamp())), null, TimeSpan.FromMilliseconds(ms), Timeout.InfiniteTimeSpan)).ToList();
        await Eventually.TrueAsync(() => fired.Count == 3, every: TimeSpan.FromMilliseconds(5));
        await Task.Delay(100);
        Assert.Equal([1, 2, 0], fired.Select(f => f.Timer));
        Assert.Single(fired.Select(f => f.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, fired.First().Thread);
        Assert.True(_thread.GetElapsedTime(start, fired.First().At) >= TimeSpan.FromMilliseconds(20));
        timers.ForEach(t => t.Dispose());
    }

    [Fact]
    public async Task Change_re_arms_or_cancels_and_a_disposed_timer_never_fires()
    {
        var (a, b, c) = (0, 0, 0);
        using var rearmed = _thread.CreateTimer(_ => Interlocked.Increment(ref a), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
        using var cancelled = _thread.CreateTimer(_ => Interlocked.Increment(ref b), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
        var disposed = _thread.CreateTimer(_ => Interlocked.Increment(ref c), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
        Assert.True(rearmed.Change(TimeSpan.FromMilliseconds(60), Timeout.InfiniteTimeSpan));
        Assert.True(cancelled.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        disposed.Dispose();
        Assert.False(disposed.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        await Task.Delay(40);
        Assert.Equal(0, Volatile.Read(ref a)); // the first arming was replaced
        await Eventually.TrueAsync(() => Volatile.Read(ref a) == 1, every: TimeSpan.FromMilliseconds(5));
        await Task.Delay(50);
        Assert.Equal((1, 0, 0), (Volatile.Read(ref a), Volatile.Read(ref b), Volatile.Read(ref c)));
        Assert.Equal(0, _thread.Armed);
    }

    [Fact]
    public async Task A_periodic_timer_repeats_and_a_throwing_callback_is_counted_without_stopping_the_others()
    {
        var ticks = 0;
        using var periodic = _thread.CreateTimer(_ => Interlocked.Increment(ref ticks), null, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10));
        using var faulty = _thread.CreateTimer(_ => throw new InvalidOperationException("a timer's bug"), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        await Eventually.TrueAsync(() => Volatile.Read(ref ticks) >= 5, every: TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, _thread.Faults);
    }

    [Fact]
    public async Task After_dispose_nothing_fires_and_no_timer_can_be_armed()
    {
        var fired = 0;
        var timer = _thread.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMilliseconds(30), Timeout.InfiniteTimeSpan);
        _thread.Dispose();
        await Task.Delay(80);
        Assert.Equal(0, Volatile.Read(ref fired));
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        Assert.InRange(_thread.GetUtcNow() - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1)); // still the system's clock
    }

    [Fact]
    public async Task A_thread_given_a_nice_value_runs_its_callbacks_at_it_where_permitted()
    {
        using var raised = new TimerThread("test-nice", nice: -5);
        var seen = new TaskCompletionSource<int>();
        using var timer = raised.CreateTimer(_ =>
        {
            // /proc/thread-self/stat: the 19th field is the nice value (after the parenthesised name).
            var stat = File.ReadAllText("/proc/thread-self/stat");
            seen.SetResult(int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture));
        }, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        var nice = await seen.Task.WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(Environment.IsPrivilegedProcess, raised.PriorityRaised);
        Assert.Equal(raised.PriorityRaised ? -5 : 0, nice);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerThread("test-nice", nice: -21));
    }

    public void Dispose() => _thread.Dispose();
}

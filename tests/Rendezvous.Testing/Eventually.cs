using System.Diagnostics;
using Xunit;

namespace Rendezvous.Testing;

/// <summary>Waiting for something another thread or process does: polls a condition, then asserts it.</summary>
public static class Eventually
{
    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="every"/> (10 ms unless given) until it holds
    /// or <paramref name="within"/> (3 s unless given) has passed, then asserts it once more, so a test fails
    /// with the condition as it last stood.
    /// </summary>
    public static Task TrueAsync(Func<bool> condition, TimeSpan? within = null, TimeSpan? every = null, string? message = null) =>
        TrueAsync(condition, () => message, within, every);

    /// <summary>
    /// As <see cref="TrueAsync(Func{bool}, TimeSpan?, TimeSpan?, string?)"/>, with the failure message made only on
    /// failure, so that it can say what was last seen.
    /// </summary>
    public static async Task TrueAsync(Func<bool> condition, Func<string?> describe, TimeSpan? within = null, TimeSpan? every = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var limit = within ?? TimeSpan.FromSeconds(3);
        var step = every ?? TimeSpan.FromMilliseconds(10);
        var waited = Stopwatch.StartNew();
        while (!condition() && waited.Elapsed < limit)
        {
            await Task.Delay(step);
        }

        var holds = condition();
        Assert.True(holds, holds ? null : describe());
    }
}

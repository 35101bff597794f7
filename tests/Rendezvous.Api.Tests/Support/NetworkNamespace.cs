using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Rendezvous.Api.Tests.Support;

/// <summary>
/// Runs a bash script inside a private network namespace (`unshare -n`; the tests run as root), so that
/// whatever it multicasts reaches no real network. The script sets up loopback itself (typically
/// <c>ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo</c>).
/// </summary>
internal static class NetworkNamespace
{
    /// <summary>Runs <paramref name="script"/> with these environment variables and returns its exit code and its standard output, a newline, and its standard error. Throws <see cref="OperationCanceledException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("unshare", ["-n", "bash", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var cancel = new CancellationTokenSource(timeout))
        {
            await process.WaitForExitAsync(cancel.Token);
        }

        return (process.ExitCode, await stdout + "\n" + await stderr);
    }

    /// <summary>The value of the first line <c>name=value</c> in the output (up to the first space), or null.</summary>
    public static string? Field(string output, string name) =>
        Regex.Match(output, $"^{Regex.Escape(name)}=(\\S+)", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : null;
}

using System.Diagnostics;

namespace Rendezvous.Api.Tests.Support;

/// <summary>The real `rendezvous` executable from the test output, run as an operator would.</summary>
internal static class Executable
{
    /// <summary>Runs it to completion (killed after a minute) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "rendezvous.dll") },
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

namespace Rendezvous.Benchmarks;

/// <summary>
/// The SDP files in bench/corpus, read at run time so that this program and
/// bench/sdp-transform/bench.js measure exactly the same bytes.
/// </summary>
public static class Corpus
{
    /// <summary>Set this variable to a folder to use another corpus.</summary>
    public const string DirectoryVariable = "RENDEZVOUS_SDP_CORPUS";

    public static string Directory { get; } = Locate();

    /// <summary>The file names (e.g. "typical-1k.sdp"), smallest first.</summary>
    public static IReadOnlyList<string> Files { get; } =
        [.. System.IO.Directory.GetFiles(Directory, "*.sdp").OrderBy(f => new FileInfo(f).Length).Select(Path.GetFileName).OfType<string>()];

    public static string ReadText(string file) => File.ReadAllText(Path.Combine(Directory, file));

    public static byte[] ReadBytes(string file) => File.ReadAllBytes(Path.Combine(Directory, file));

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        // BenchmarkDotNet runs each benchmark from a generated project under bin/, so walk up
        // from the program and from the working folder until bench/corpus appears.
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(folder.FullName, "corpus"), Path.Combine(folder.FullName, "bench", "corpus") })
                {
                    if (System.IO.Directory.Exists(candidate) && System.IO.Directory.GetFiles(candidate, "*.sdp").Length > 0)
                    {
                        return candidate;
                    }
                }
            }
        }

        throw new DirectoryNotFoundException($"bench/corpus was not found above {AppContext.BaseDirectory}; set {DirectoryVariable}.");
    }
}

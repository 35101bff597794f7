using Rendezvous.Directory.Sdp;

namespace Rendezvous.Benchmarks;

/// <summary>Every corpus file must parse in strict mode with no diagnostic at all, and round-trip through the writer.</summary>
public static class CorpusCheck
{
    public static SessionDescription ParseClean(string file, string text)
    {
        var result = SdpParser.Parse(text);
        if (result.Description is null || result.Diagnostics.Count > 0)
        {
            throw new InvalidOperationException($"{file} does not parse cleanly in strict mode: {string.Join("; ", result.Diagnostics)}");
        }

        var written = SdpWriter.Write(result.Description);
        if (SdpParser.Parse(written).Description != result.Description)
        {
            throw new InvalidOperationException($"{file} does not read back the same after SdpWriter.Write.");
        }

        return result.Description;
    }

    /// <summary>Checks every file; prints one line each. Returns the exit status.</summary>
    public static int Run()
    {
        var failed = 0;
        foreach (var file in Corpus.Files)
        {
            var text = Corpus.ReadText(file);
            try
            {
                var description = ParseClean(file, text);
                var bytes = SdpParser.Parse(Corpus.ReadBytes(file));
                if (bytes.Description != description || bytes.Diagnostics.Count > 0)
                {
                    throw new InvalidOperationException($"{file}: the UTF-8 parse differs from the string parse.");
                }

                Console.WriteLine($"ok   {file}: {text.Length} characters, {description.Media.Count} media, no diagnostics in strict mode");
            }
            catch (InvalidOperationException e)
            {
                failed++;
                Console.WriteLine($"FAIL {e.Message}");
            }
        }

        return failed == 0 ? 0 : 1;
    }
}

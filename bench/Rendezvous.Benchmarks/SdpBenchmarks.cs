using BenchmarkDotNet.Attributes;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Benchmarks;

/// <summary>
/// The SDP parser and writer over every corpus file. Parse+validate in strict mode is the
/// default of <see cref="SdpParser.Parse(string, SdpParseOptions?)"/> and the baseline.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SdpBenchmarks
{
    private static readonly SdpParseOptions NoValidation = SdpParseOptions.Strict with { Validate = false };

    private string _text = "";
    private byte[] _utf8 = [];
    private SessionDescription _description = null!;

    public static IEnumerable<string> Files => Corpus.Files;

    [ParamsSource(nameof(Files))]
    public string File { get; set; } = "typical-1k.sdp";

    [GlobalSetup]
    public void Setup()
    {
        _text = Corpus.ReadText(File);
        _utf8 = Corpus.ReadBytes(File);
        _description = CorpusCheck.ParseClean(File, _text);
    }

    [Benchmark(Baseline = true, Description = "Parse+validate (strict)")]
    public SdpParseResult ParseValidate() => SdpParser.Parse(_text);

    [Benchmark(Description = "Parse, no validation")]
    public SdpParseResult ParseNoValidation() => SdpParser.Parse(_text, NoValidation);

    [Benchmark(Description = "Parse+validate from UTF-8")]
    public SdpParseResult ParseUtf8() => SdpParser.Parse(_utf8.AsSpan());

    [Benchmark(Description = "Write")]
    public string Write() => SdpWriter.Write(_description);
}

using BenchmarkDotNet.Running;
using Rendezvous.Benchmarks;

// dotnet run -c Release --project bench/Rendezvous.Benchmarks -- --filter '*'   BenchmarkDotNet
// ... -- throughput   the batch/median procedure of bench/sdp-transform/bench.js, as JSON
// ... -- model        allocated bytes per parse against the size of the model it builds
// ... -- check        every corpus file parses with no diagnostic in strict mode
return args switch
{
    ["throughput"] => Throughput.Run(),
    ["model"] => ModelSize.Run(),
    ["check"] => CorpusCheck.Run(),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(SdpBenchmarks).Assembly).Run(args);
    return 0;
}

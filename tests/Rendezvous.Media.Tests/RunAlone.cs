namespace Rendezvous.Media.Tests;

/// <summary>
/// Tests that run on the real clock (the 20 ms mixer, UDP parties sending every 20 ms) run alone:
/// CPU-bound tests in parallel (the fuzzers) could delay their timers, which says nothing about the code.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunAlone
{
    public const string Name = "RunAlone";
}

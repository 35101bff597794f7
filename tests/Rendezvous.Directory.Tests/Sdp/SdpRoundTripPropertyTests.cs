using Rendezvous.Directory.Sdp;
using Xunit.Abstractions;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>parse(write(x)) == x over many generated descriptions, in both modes.</summary>
public sealed class SdpRoundTripPropertyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(20261121)]
    [InlineData(-1)]
    public void Every_generated_description_round_trips(int seed)
    {
        if (seed < 0)
        {
            seed = Environment.TickCount;
            output.WriteLine($"random seed: {seed}");
        }

        var generator = new SdpGenerator(seed);
        for (var i = 0; i < 2000; i++)
        {
            var description = generator.Next();
            Assert.DoesNotContain(SdpValidator.Validate(description), d => d.Severity == SdpSeverity.Error);
            var text = SdpWriter.Write(description);

            var strict = SdpParser.Parse(text, SdpParseOptions.Strict);
            Assert.True(strict.Success, $"seed {seed}, #{i}: {string.Join("; ", strict.Diagnostics)}\n{text}");
            Assert.Equal(description, strict.Description);
            Assert.DoesNotContain(strict.Diagnostics, d => d.Severity == SdpSeverity.Warning && d.Line > 0 && d.Field != "r=");

            Assert.Equal(description, SdpParser.Parse(text, SdpParseOptions.Lenient).Description);
            Assert.Equal(text, SdpWriter.Write(strict.Description!));

            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            Assert.Equal(description, SdpParser.Parse(bytes).Description);
        }
    }
}

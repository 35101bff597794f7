using System.Text;
using Rendezvous.Directory.Sdp;
using Xunit.Abstractions;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>
/// Seeded mutation fuzzing: at least 100,000 mutated descriptions per run, through both
/// modes and both the text and byte entry points. Nothing may throw (the parser reports
/// problems as diagnostics), whatever is accepted must write back and re-read as the same
/// description, and memory per input stays proportional to the input.
/// </summary>
public sealed class SdpFuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 100_000;

    [Theory]
    [InlineData(1998)]
    [InlineData(-1)]
    public void Mutated_descriptions_never_break_the_parser(int seed)
    {
        if (seed < 0)
        {
            seed = Random.Shared.Next();
        }

        output.WriteLine($"fuzz seed: {seed} (rerun with [InlineData({seed})])");
        var generator = new SdpGenerator(seed);
        var random = generator.Random;
        var corpus = Enumerable.Range(0, 64).Select(_ => SdpWriter.Write(generator.Next())).Append(SdpParserTests.Seminar).ToArray();
        var accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = Mutate(random, corpus[random.Next(corpus.Length)], corpus);
            var options = (i & 1) == 0 ? SdpParseOptions.Strict : SdpParseOptions.Lenient;
            SdpParseResult result;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                result = (i & 2) == 0 ? SdpParser.Parse(input, options) : SdpParser.Parse(Bytes(random, input), options);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, input #{i} threw {e.GetType().Name}: {e.Message}\n{Escape(input)}");
                throw;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < (input.Length * 64L) + 65536, $"seed {seed}, input #{i}: {allocated} bytes allocated for {input.Length} characters");
            Assert.Equal(result.Success, !result.Errors.Any());
            if (result.Description is { } description)
            {
                accepted++;
                var text = SdpWriter.Write(description);
                var reread = SdpParser.Parse(text, options);
                Assert.True(description == reread.Description,
                    $"seed {seed}, input #{i} does not survive writing:\n{Escape(input)}\n--- written ---\n{Escape(text)}\n--- re-read ---\n{string.Join("\n", reread.Diagnostics)}\n{(reread.Description is null ? "" : Escape(SdpWriter.Write(reread.Description)))}");
            }
        }

        output.WriteLine($"{Inputs} inputs, {accepted} accepted");
        Assert.InRange(accepted, Inputs / 20, Inputs - 1);
    }

    private static string Mutate(Random random, string seed, string[] corpus)
    {
        var text = new StringBuilder(seed);
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations && text.Length > 0; m++)
        {
            var at = random.Next(text.Length);
            switch (random.Next(11))
            {
                case 0: // replace a character with anything, controls and NUL included
                    text[at] = (char)random.Next(0, 0x300);
                    break;
                case 1: // insert a character that matters to SDP
                    text.Insert(at, " \r\n=:/-0123456789dhms\0\t"[random.Next(23)]);
                    break;
                case 2: // delete a range
                    text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at));
                    break;
                case 3: // duplicate a line many times
                    var line = Line(text.ToString(), at);
                    text.Insert(at, string.Concat(Enumerable.Repeat(line, random.Next(1, 200))));
                    break;
                case 4: // swap two lines
                    var lines = text.ToString().Split('\n');
                    var (a, b) = (random.Next(lines.Length), random.Next(lines.Length));
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    text.Clear().Append(string.Join('\n', lines));
                    break;
                case 5: // truncate
                    text.Length = at;
                    break;
                case 6: // a huge or signed number
                    text.Insert(at, random.Next(3) switch { 0 => "99999999999999999999999", 1 => "-1", _ => "18446744073709551616" });
                    break;
                case 7: // splice in part of another description
                    var other = corpus[random.Next(corpus.Length)];
                    var from = random.Next(other.Length);
                    text.Insert(at, other.AsSpan(from, Math.Min(random.Next(1, 200), other.Length - from)));
                    break;
                case 8: // change a line type letter
                    var start = text.ToString().LastIndexOf('\n', at) + 1;
                    if (start < text.Length)
                    {
                        text[start] = "vosiuepcbtrzkamxyA="[random.Next(19)];
                    }

                    break;
                case 9: // lone surrogates and other awkward UTF-16
                    text.Insert(at, random.Next(2) == 0 ? '\uD800' : '\uDFFF');
                    break;
                default: // flip the line ends
                    text.Replace("\r\n", random.Next(2) == 0 ? "\n" : "\r");
                    break;
            }
        }

        return text.ToString();
    }

    private static byte[] Bytes(Random random, string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        if (bytes.Length > 0 && random.Next(4) == 0)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100); // often not UTF-8
        }

        return bytes;
    }

    private static string Line(string text, int at)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
        var end = text.IndexOf('\n', at);
        return end < 0 ? text[start..] + "\n" : text[start..(end + 1)];
    }

    private static string Escape(string input) => input.Length > 2000 ? input[..2000] + "..." : input.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}

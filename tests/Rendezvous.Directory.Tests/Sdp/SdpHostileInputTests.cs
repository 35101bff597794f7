using System.Text;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>Huge, binary or endlessly repeated input fails fast, with a diagnostic, in bounded memory.</summary>
public sealed class SdpHostileInputTests
{
    private const string Head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\nc=IN IP4 239.255.1.1/16\r\nt=0 0\r\n";

    [Fact]
    public void Input_over_the_length_limit_is_refused_before_reading_it()
    {
        var huge = Head + new string('a', 10 * 1024 * 1024);
        var error = Assert.Single(SdpParser.Parse(huge).Diagnostics);
        Assert.Equal(("sdp", "at most 65536"), (error.Field, error.Expected));

        var bytes = Encoding.UTF8.GetBytes(huge);
        Assert.Equal("sdp", Assert.Single(SdpParser.Parse(bytes).Diagnostics).Field);
    }

    [Fact]
    public void Too_many_lines_stop_the_parse()
    {
        var repeated = Head + string.Concat(Enumerable.Repeat("a=x\r\n", 5000));
        var result = SdpParser.Parse(repeated);
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == 4097 && e.Expected == "at most 4096 lines");
    }

    [Fact]
    public void Too_many_media_sections_stop_the_parse()
    {
        var options = SdpParseOptions.Strict with { MaxMedia = 8 };
        var result = SdpParser.Parse(Head + string.Concat(Enumerable.Repeat("m=audio 1 RTP/AVP 0\r\n", 20)), options);
        Assert.False(result.Success);
        Assert.Equal("m=", result.Errors.Last().Field);
        Assert.Equal(14, result.Errors.Last().Line);
    }

    [Fact]
    public void Garbage_gives_a_bounded_number_of_errors()
    {
        var random = new Random(42);
        var garbage = new char[60_000];
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = random.Next(5) == 0 ? '\n' : (char)random.Next(1, 0x250);
        }

        var result = SdpParser.Parse(new string(garbage), SdpParseOptions.Lenient);
        Assert.False(result.Success);
        Assert.InRange(result.Diagnostics.Count(d => d.Severity == SdpSeverity.Error), 1, SdpParseOptions.Lenient.MaxErrors + 1);
        Assert.Contains("too many errors", result.Diagnostics[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_bytes_are_reported_at_their_offset()
    {
        byte[] bytes = [.. "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=caf"u8, 0xC3, 0x28, .. "\r\nt=0 0\r\n"u8];
        var error = Assert.Single(SdpParser.Parse(bytes).Diagnostics);
        Assert.Equal((3, 36), (error.Line, error.Offset));
        Assert.Contains("0xC3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_utf8_text_fields_are_kept()
    {
        var d = SdpParser.ParseOrThrow(Head.Replace("s=x", "s=Réunion 会議 🎤", StringComparison.Ordinal) + "m=audio 5004 RTP/AVP 0\r\n");
        Assert.Equal("Réunion 会議 🎤", d.Name);
        var bytes = Encoding.UTF8.GetBytes(SdpWriter.Write(d));
        Assert.Equal(d, SdpParser.Parse(bytes).Description);
    }

    [Fact]
    public void Memory_stays_bounded_on_large_inputs()
    {
        // A 60 KB description of 4000 attribute lines parses with allocations of the order of its size.
        var text = Head + "m=audio 5004 RTP/AVP 0\r\n" + string.Concat(Enumerable.Range(0, 4000).Select(i => $"a=x{i}:{i}\r\n"));
        Assert.True(text.Length < SdpParseOptions.Strict.MaxLength);
        SdpParser.Parse(text);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = SdpParser.Parse(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(result.Success);
        Assert.InRange(allocated, 0, text.Length * 16L);
    }
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>Strict mode follows RFC 8866; lenient mode accepts what real programs emit, and says so.</summary>
public sealed class SdpModesTests
{
    private const string Good = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=Modes\r\nc=IN IP4 239.255.1.1/16\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

    /// <summary>Each deviation, the line and field its diagnostic names, and what lenient mode keeps.</summary>
    public static TheoryData<string, string, int, string> Deviations => new()
    {
        { "attribute before time", Good.Replace("t=0 0\r\n", "a=recvonly\r\nt=0 0\r\n", StringComparison.Ordinal), 6, "t=" },
        { "connection after time", Good.Replace("c=IN IP4 239.255.1.1/16\r\nt=0 0\r\n", "t=0 0\r\nc=IN IP4 239.255.1.1/16\r\n", StringComparison.Ordinal), 5, "c=" },
        { "unknown line type", Good.Replace("t=0 0\r\n", "t=0 0\r\nx=vendor\r\n", StringComparison.Ordinal), 6, "x=" },
        { "trailing spaces", Good.Replace("t=0 0\r\n", "t=0 0  \r\n", StringComparison.Ordinal), 5, "t=" },
        { "blank line", Good.Replace("t=0 0\r\n", "t=0 0\r\n\r\n", StringComparison.Ordinal), 6, "line" },
        { "no final line end", Good.TrimEnd(), 6, "line end" },
        { "two spaces between fields", Good.Replace("m=audio 5004", "m=audio  5004", StringComparison.Ordinal), 6, "m=" },
        { "media line in the wrong place", Good + "u=http://example.com\r\n", 7, "u=" },
        { "duplicate session line", Good.Replace("s=Modes\r\n", "s=Modes\r\ns=Again\r\n", StringComparison.Ordinal), 4, "s=" },
        { "zone adjustment without repeats (RFC 4566)", Good.Replace("t=0 0\r\n", "t=3034423619 3042462419\r\nz=2882844526 -1h\r\n", StringComparison.Ordinal), 6, "z=" },
        { "empty session name", Good.Replace("s=Modes", "s=", StringComparison.Ordinal), 3, "s=" },
        { "no time line", Good.Replace("t=0 0\r\n", "", StringComparison.Ordinal), 0, "t=" },
    };

    [Theory]
    [MemberData(nameof(Deviations))]
    public void Strict_mode_rejects_and_lenient_mode_warns(string deviation, string text, int line, string field)
    {
        var strict = SdpParser.Parse(text, SdpParseOptions.Strict);
        Assert.False(strict.Success, deviation);
        Assert.Contains(strict.Errors, e => e.Line == line && e.Field == field);

        var lenient = SdpParser.Parse(text, SdpParseOptions.Lenient);
        Assert.True(lenient.Success, $"{deviation}: {string.Join("; ", lenient.Diagnostics)}");
        Assert.Contains(lenient.Warnings, w => w.Line == line && w.Field == field);
        Assert.Empty(lenient.Errors);
    }

    [Fact]
    public void Lenient_mode_keeps_what_it_can_use_and_the_first_of_duplicates()
    {
        var text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=First\r\ns=Second\r\nt=0 0\r\nc=IN IP4 239.255.1.1/16\r\na=tool:x  \r\nm=audio 5004 RTP/AVP 0\r\nt=1 2\r\n";
        var d = SdpParser.Parse(text, SdpParseOptions.Lenient).Description!;
        Assert.Equal("First", d.Name);
        Assert.Equal("239.255.1.1", d.Connection!.Address);
        Assert.Equal([new SdpAttribute("tool", "x")], d.Attributes);
        Assert.Equal([new SdpTime(0, 0)], d.Times);
    }

    [Theory]
    [InlineData("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", 1, "o=")]
    [InlineData("v=1\r\n", 1, "v=")]
    [InlineData("v=0\r\no=- 1 IN IP4 192.0.2.1\r\n", 2, "o=")]
    [InlineData("v=0\r\no=- x1 1 IN IP4 192.0.2.1\r\n", 2, "o= sess-id")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\nhello\r\n", 4, "line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\nA=b\r\n", 4, "line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\na = b\r\n", 4, "line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\rt=0 0\r\n", 3, "line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\0y\r\n", 3, "line")]
    public void Some_things_no_mode_accepts(string text, int line, string field)
    {
        foreach (var options in new[] { SdpParseOptions.Strict, SdpParseOptions.Lenient })
        {
            var result = SdpParser.Parse(text + "s=x\r\nt=0 0\r\n", options);
            Assert.False(result.Success);
            Assert.Contains(result.Errors, e => e.Line == line && e.Field == field);
        }
    }
}

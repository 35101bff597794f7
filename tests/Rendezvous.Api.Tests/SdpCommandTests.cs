using System.Text.Json;
using Rendezvous.Api.Cli;
using Rendezvous.Api.Tests.Support;

namespace Rendezvous.Api.Tests;

/// <summary><c>rendezvous sdp check FILE [--lenient] [--json]</c>.</summary>
public sealed class SdpCommandTests : IDisposable
{
    private const string Valid =
        "v=0\r\no=jdoe 123456789012345678901234567890 7 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\n" +
        "c=IN IP4 224.2.17.12/127\r\nt=2873397496 2873404696\r\nr=7d 1h 0 25h\r\na=recvonly\r\n" +
        "m=audio 49170/2 RTP/AVP 0 8\r\nc=IN IP4 224.2.17.14/127/2\r\na=rtpmap:0 PCMU/8000\r\n";

    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("rendezvous-sdp-cli-").FullName;

    private string FileWith(string text, string name = "test.sdp")
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await SdpCommand.RunAsync(args, new StringReader(stdin), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_valid_file_exits_0_and_prints_json_in_the_shared_shape()
    {
        var (exit, output, error) = await Run("", "check", FileWith(Valid), "--json");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("SDP Seminar", json.GetProperty("name").GetString());
        var origin = json.GetProperty("origin");
        Assert.Equal("jdoe", origin.GetProperty("username").GetString());
        Assert.Equal("123456789012345678901234567890", origin.GetProperty("sessionId").GetString());
        Assert.Equal("7", origin.GetProperty("sessionVersion").GetString());
        Assert.Equal("10.47.16.5", origin.GetProperty("address").GetString());
        var connection = json.GetProperty("connection");
        Assert.Equal("224.2.17.12", connection.GetProperty("address").GetString());
        Assert.Equal(127, connection.GetProperty("ttl").GetInt32());
        Assert.Equal(JsonValueKind.Null, connection.GetProperty("count").ValueKind);
        var time = json.GetProperty("times")[0];
        Assert.Equal(2873397496UL, time.GetProperty("start").GetUInt64());
        Assert.Equal(2873404696UL, time.GetProperty("stop").GetUInt64());
        var repeat = time.GetProperty("repeats")[0];
        Assert.Equal(604800, repeat.GetProperty("interval").GetInt64());
        Assert.Equal([0L, 90000L], repeat.GetProperty("offsets").EnumerateArray().Select(o => o.GetInt64()));
        var media = json.GetProperty("media")[0];
        Assert.Equal("audio", media.GetProperty("kind").GetString());
        Assert.Equal(49170, media.GetProperty("port").GetInt32());
        Assert.Equal(2, media.GetProperty("portCount").GetInt32());
        Assert.Equal("RTP/AVP", media.GetProperty("proto").GetString());
        Assert.Equal(["0", "8"], media.GetProperty("formats").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(2, media.GetProperty("connections")[0].GetProperty("count").GetInt32());
        var attribute = json.GetProperty("attributes")[0];
        Assert.Equal("recvonly", attribute.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, attribute.GetProperty("value").ValueKind);
        Assert.Equal("0 PCMU/8000", media.GetProperty("attributes")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task An_invalid_file_exits_1_with_line_numbers_on_stderr()
    {
        var path = FileWith(Valid.Replace("m=audio 49170/2", "m=audio 70000/2", StringComparison.Ordinal));
        var (exit, output, error) = await Run("", "check", path, "--json");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains($"{path}: line 8: error: m= port '70000' is not a port (expected 0-65535)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lenient_mode_accepts_what_strict_mode_rejects_and_prints_the_warnings()
    {
        var vendor = "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=Vendor\nc=IN IP4 239.255.1.1/16\na=tool:x\nt=0 0\nm=audio 5004 RTP/AVP 0";
        var path = FileWith(vendor);
        Assert.Equal(1, (await Run("", "check", path)).Exit);
        var (exit, _, error) = await Run("", "check", path, "--lenient");
        Assert.Equal(0, exit);
        Assert.Contains("line 6: warning: t= is out of RFC 8866 order", error, StringComparison.Ordinal);
        Assert.Contains("line 7: warning: line end is missing after the last line", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_input_is_read_for_a_dash()
    {
        var (exit, output, _) = await Run(Valid, "check", "-", "--json");
        Assert.Equal(0, exit);
        Assert.Contains("\"name\": \"SDP Seminar\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_reported_with_their_offset()
    {
        var path = Path.Combine(_folder, "binary.sdp");
        await File.WriteAllBytesAsync(path, [.. "v=0\r\ns="u8, 0xFF, 0xFE, .. "\r\n"u8]);
        var (exit, _, error) = await Run("", "check", path);
        Assert.Equal(1, exit);
        Assert.Contains("byte 7", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "missing command")]
    [InlineData(new[] { "lint", "x.sdp" }, "unknown command 'lint'")]
    [InlineData(new[] { "check" }, "missing FILE")]
    [InlineData(new[] { "check", "a.sdp", "--strict" }, "unknown option '--strict'")]
    [InlineData(new[] { "check", "a.sdp", "b.sdp" }, "unexpected argument 'b.sdp'")]
    [InlineData(new[] { "check", "/nonexistent/file.sdp" }, "cannot read '/nonexistent/file.sdp'")]
    public async Task Usage_errors_exit_2_and_say_what_is_wrong(string[] args, string problem)
    {
        var (exit, _, error) = await Run("", args);
        Assert.Equal(2, exit);
        Assert.Contains($"rendezvous sdp: {problem}", error, StringComparison.Ordinal);
        Assert.Contains("usage: rendezvous sdp check FILE [--lenient] [--json]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_real_executable_answers_the_command()
    {
        var (exit, output, error) = await Executable.RunAsync(["sdp", "check", FileWith(Valid), "--json"]);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Equal("SDP Seminar", JsonDocument.Parse(output).RootElement.GetProperty("name").GetString());
    }

    public void Dispose() => System.IO.Directory.Delete(_folder, recursive: true);
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Cli;

/// <summary>
/// <c>rendezvous sdp check FILE [--lenient] [--json]</c>: checks a session description.
/// Exit codes: 0 valid, 1 invalid (errors on stderr with line numbers), 2 usage error.
/// FILE may be <c>-</c> for standard input.
/// </summary>
internal static class SdpCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    private const string UsageText =
        """
        usage: rendezvous sdp check FILE [--lenient] [--json]

          Checks an SDP session description (RFC 8866; RFC 4566 and 2327 are read too).
          FILE        the description, or - for standard input
          --lenient   also accept what real programs emit (lines out of order, unknown line
                      types, trailing spaces, blank lines, no final line end), as warnings
          --json      print the parsed description as JSON on standard output

          Exit status: 0 valid, 1 invalid (errors on standard error), 2 usage error.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args is ["--help" or "-h"] or ["check", "--help" or "-h"])
        {
            await stdout.WriteLineAsync(UsageText).ConfigureAwait(false);
            return Valid;
        }

        if (args.Count == 0 || args[0] != "check")
        {
            return await UsageErrorAsync(stderr, args.Count == 0 ? "missing command" : $"unknown command '{args[0]}'").ConfigureAwait(false);
        }

        string? file = null;
        var lenient = false;
        var json = false;
        foreach (var arg in args.Skip(1))
        {
            switch (arg)
            {
                case "--lenient":
                    lenient = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "-":
                case not ['-', ..] when file is null:
                    file = arg;
                    break;
                default:
                    return await UsageErrorAsync(stderr, arg.StartsWith('-') ? $"unknown option '{arg}'" : $"unexpected argument '{arg}'").ConfigureAwait(false);
            }
        }

        if (file is null)
        {
            return await UsageErrorAsync(stderr, "missing FILE").ConfigureAwait(false);
        }

        byte[] bytes;
        try
        {
            bytes = file == "-" ? await ReadAllAsync(stdin).ConfigureAwait(false) : await File.ReadAllBytesAsync(file).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return await UsageErrorAsync(stderr, $"cannot read '{file}': {e.Message}").ConfigureAwait(false);
        }

        var options = lenient ? SdpParseOptions.Lenient : SdpParseOptions.Strict;
        var result = SdpParser.Parse(bytes, options);
        foreach (var diagnostic in result.Diagnostics)
        {
            await stderr.WriteLineAsync($"{(file == "-" ? "<stdin>" : file)}: {diagnostic}").ConfigureAwait(false);
        }

        if (result.Description is null)
        {
            return Invalid;
        }

        if (json)
        {
            await stdout.WriteLineAsync(SdpJson.Serialize(result.Description)).ConfigureAwait(false);
        }

        return Valid;
    }

    private static async Task<int> UsageErrorAsync(TextWriter stderr, string problem)
    {
        await stderr.WriteLineAsync($"rendezvous sdp: {problem}").ConfigureAwait(false);
        await stderr.WriteLineAsync(UsageText).ConfigureAwait(false);
        return Usage;
    }

    private static async Task<byte[]> ReadAllAsync(TextReader stdin)
    {
        // Standard input arrives as text here; hand the parser its UTF-8 bytes.
        var text = await stdin.ReadToEndAsync().ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetBytes(text);
    }
}

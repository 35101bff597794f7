namespace Rendezvous.Directory.Sdp;

public enum SdpSeverity
{
    Warning,
    Error,
}

/// <summary>
/// One problem found in a description.
/// </summary>
/// <param name="Line">1-based line number; 0 when the problem is not tied to a line (a whole-description rule, or an edited model).</param>
/// <param name="Field">The line type and part, e.g. "c=" or "o= sess-id".</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Expected">What would have been right, when that can be said.</param>
/// <param name="Offset">For byte input: the 0-based byte offset of the problem, when known.</param>
public sealed record SdpDiagnostic(SdpSeverity Severity, int Line, string Field, string Message, string? Expected = null, int? Offset = null)
{
    public override string ToString()
    {
        var where = (Line, Offset) switch
        {
            ( > 0, { } o) => $"line {Line}, byte {o}",
            ( > 0, null) => $"line {Line}",
            (_, { } o) => $"byte {o}",
            _ => "description",
        };
        var expected = Expected is null ? "" : $" (expected {Expected})";
        return $"{where}: {Severity.ToString().ToLowerInvariant()}: {Field} {Message}{expected}";
    }
}

public enum SdpParseMode
{
    /// <summary>RFC 8866 order and syntax (line ends may be CRLF or LF, as RFC 8866 section 5 allows).</summary>
    Strict,

    /// <summary>
    /// Also accepts what real programs emit: lines out of order, unknown line types, trailing
    /// spaces, blank lines, a missing final line end. Each deviation is reported as a warning.
    /// </summary>
    Lenient,
}

/// <summary>How to parse, and the limits that keep hostile input cheap.</summary>
public sealed record SdpParseOptions
{
    public static SdpParseOptions Strict { get; } = new();

    public static SdpParseOptions Lenient { get; } = new() { Mode = SdpParseMode.Lenient };

    public SdpParseMode Mode { get; init; } = SdpParseMode.Strict;

    /// <summary>Longest description accepted, in characters (bytes for UTF-8 input). 64 KiB by default.</summary>
    public int MaxLength { get; init; } = 64 * 1024;

    /// <summary>Most lines accepted.</summary>
    public int MaxLines { get; init; } = 4096;

    /// <summary>Most m= sections accepted.</summary>
    public int MaxMedia { get; init; } = 256;

    /// <summary>Parsing stops after this many errors.</summary>
    public int MaxErrors { get; init; } = 32;

    /// <summary>Whether to run <see cref="SdpValidator"/> rules after a successful parse.</summary>
    public bool Validate { get; init; } = true;

    /// <summary>The advertising scope the description is published with, for the address-scope rule.</summary>
    public SdpAdvertisingScope? AdvertisingScope { get; init; }
}

/// <summary>The outcome of parsing: a description when there were no errors, and every diagnostic.</summary>
public sealed class SdpParseResult
{
    internal SdpParseResult(SessionDescription? description, IReadOnlyList<SdpDiagnostic> diagnostics)
    {
        Description = description;
        Diagnostics = diagnostics;
    }

    /// <summary>The description; null when there was at least one error.</summary>
    public SessionDescription? Description { get; }

    /// <summary>Errors and warnings, in line order.</summary>
    public IReadOnlyList<SdpDiagnostic> Diagnostics { get; }

    public bool Success => Description is not null;

    public IEnumerable<SdpDiagnostic> Errors => Diagnostics.Where(d => d.Severity == SdpSeverity.Error);

    public IEnumerable<SdpDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == SdpSeverity.Warning);
}

/// <summary>The parser's own error type: the only exception <see cref="SdpParser.ParseOrThrow(string, SdpParseOptions?)"/> throws for bad input.</summary>
public sealed class SdpParseException : FormatException
{
    public SdpParseException(IReadOnlyList<SdpDiagnostic> diagnostics)
        : base(Describe(diagnostics)) => Diagnostics = diagnostics;

    public SdpParseException()
        : this([])
    {
    }

    public SdpParseException(string message)
        : base(message) => Diagnostics = [];

    public SdpParseException(string message, Exception innerException)
        : base(message, innerException) => Diagnostics = [];

    public IReadOnlyList<SdpDiagnostic> Diagnostics { get; }

    private static string Describe(IReadOnlyList<SdpDiagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == SdpSeverity.Error).ToList();
        return errors.Count == 0
            ? "The session description is not valid."
            : $"The session description is not valid: {string.Join("; ", errors.Take(5))}{(errors.Count > 5 ? $"; and {errors.Count - 5} more" : "")}";
    }
}

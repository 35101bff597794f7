namespace Rendezvous.Directory.Sdp;

/// <summary>
/// A description together with its text. A document parsed from text keeps that text
/// byte-exact, so an SDP that came in is served back unchanged; an edited document carries
/// canonical text from <see cref="SdpWriter"/>.
/// </summary>
public sealed class SdpDocument
{
    private SdpDocument(string text, SessionDescription description)
    {
        Text = text;
        Description = description;
    }

    /// <summary>The SDP text: as received, or canonical after an edit.</summary>
    public string Text { get; }

    public SessionDescription Description { get; }

    /// <summary>Parses <paramref name="text"/>; returns null (and the diagnostics in <paramref name="result"/>) when it has errors.</summary>
    public static SdpDocument? TryParse(string text, SdpParseOptions? options, out SdpParseResult result)
    {
        result = SdpParser.Parse(text, options);
        return result.Description is { } description ? new SdpDocument(text, description) : null;
    }

    /// <summary>
    /// Parses UTF-8 bytes, decoding them once; the document keeps the decoded text, which
    /// encodes back to the same bytes. Returns null (diagnostics in <paramref name="result"/>) on errors.
    /// </summary>
    public static SdpDocument? TryParse(ReadOnlySpan<byte> utf8, SdpParseOptions? options, out SdpParseResult result)
    {
        result = SdpParser.Parse(utf8, options, out var text);
        return result.Description is { } description ? new SdpDocument(text!, description) : null;
    }

    /// <summary>Parses <paramref name="text"/>, throwing <see cref="SdpParseException"/> when it has errors.</summary>
    public static SdpDocument Parse(string text, SdpParseOptions? options = null) =>
        TryParse(text, options, out var result) ?? throw new SdpParseException(result.Diagnostics);

    /// <summary>A document for a description built in code, with canonical text.</summary>
    public static SdpDocument FromDescription(SessionDescription description) => new(SdpWriter.Write(description), description);

    /// <summary>
    /// Applies <paramref name="edit"/>. When it changed anything, the o= session version goes
    /// up by one (RFC 8866 section 5.2: it must increase with every modification) and the text
    /// is rewritten; when it changed nothing, this same document is returned, text untouched.
    /// </summary>
    public SdpDocument Edit(Func<SessionDescription, SessionDescription> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var edited = edit(Description);
        if (edited == Description)
        {
            return this;
        }

        return FromDescription(edited.WithNextVersion());
    }
}

using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Conferences;

/// <summary>RFC 7807 problem details for the conference API, each with a stable type URI.</summary>
internal static class Problems
{
    private const string TypeBase = "https://rendezvous.invalid/problems/";

    /// <summary>400 with every error (and warning) of the SDP: line, byte offset when known, field, and what was expected.</summary>
    public static IResult InvalidSdp(IEnumerable<SdpDiagnostic> diagnostics)
    {
        var all = diagnostics.ToList();
        var errors = all.Where(d => d.Severity == SdpSeverity.Error).Select(DiagnosticResponse.From).ToList();
        return TypedResults.Problem(
            title: "The session description is not valid.",
            detail: $"{errors.Count} error(s); the first: {all.First(d => d.Severity == SdpSeverity.Error)}",
            statusCode: StatusCodes.Status400BadRequest,
            type: TypeBase + "invalid-sdp",
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = errors,
                ["warnings"] = all.Where(d => d.Severity == SdpSeverity.Warning).Select(DiagnosticResponse.From).ToList(),
            });
    }

    public static IResult BadParameter(string name, string message) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [name] = [message] }, title: $"The query parameter '{name}' is not valid.", type: TypeBase + "invalid-parameter");

    public static IResult NotFound(Guid id) => TypedResults.Problem(
        title: "No such conference.", detail: $"There is no conference {id}.", statusCode: StatusCodes.Status404NotFound, type: TypeBase + "not-found");

    public static IResult NotOwner(Guid id) => TypedResults.Problem(
        title: "Forbidden.", detail: $"Only the owner of conference {id} or an administrator may change or delete it.", statusCode: StatusCodes.Status403Forbidden, type: TypeBase + "not-owner");

    public static IResult PreconditionRequired() => TypedResults.Problem(
        title: "If-Match is required.", detail: "Send the conference's current ETag in If-Match, so that a change made meanwhile is not overwritten.",
        statusCode: StatusCodes.Status428PreconditionRequired, type: TypeBase + "if-match-required");

    public static IResult PreconditionFailed(long current) => TypedResults.Problem(
        title: "The conference has changed.", detail: $"If-Match does not match the current version (ETag \"{current}\"); fetch it again and retry.",
        statusCode: StatusCodes.Status412PreconditionFailed, type: TypeBase + "stale-etag");

    public static IResult TooLarge(long limit) => TypedResults.Problem(
        title: "The body is too large.", detail: $"At most {limit} bytes are accepted.", statusCode: StatusCodes.Status413PayloadTooLarge, type: TypeBase + "too-large");

    public static IResult UnsupportedMediaType(string? contentType, string expected = "application/sdp or application/json") => TypedResults.Problem(
        title: "Unsupported content type.", detail: $"Send {expected}, not '{contentType ?? "(none)"}'.",
        statusCode: StatusCodes.Status415UnsupportedMediaType, type: TypeBase + "unsupported-media-type");

    public static IResult InvalidJson(string detail) => TypedResults.Problem(
        title: "The JSON body is not valid.", detail: detail, statusCode: StatusCodes.Status400BadRequest, type: TypeBase + "invalid-json");

    public static IResult NoAddressSource() => TypedResults.Problem(
        title: "Automatic multicast addresses are not available.",
        detail: "A connection address of \"auto\" needs a multicast address source (the MADCAP client), and none is configured. Give the address yourself.",
        statusCode: StatusCodes.Status501NotImplemented, type: TypeBase + "no-address-source");
}

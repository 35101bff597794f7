namespace Rendezvous.Api;

internal static class RequestBodies
{
    /// <summary>
    /// Reads the request body, stopping as soon as it passes <paramref name="limit"/> bytes:
    /// returns null then (answer 413), so an oversized body is never held in memory.
    /// </summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Whether the request says its body is JSON (application/json or any +json type).</summary>
    public static bool IsJson(HttpRequest request) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) &&
        (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A JSON body read within <paramref name="limit"/> bytes and bound with the service's JSON
    /// settings, or the problem to answer: 415 when it is not JSON, 413 when too large, 400 naming
    /// the path, line and byte of a syntax error (never quoting the body), or 400 when empty.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpContext http, int limit, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!IsJson(http.Request))
        {
            return (null, Conferences.Problems.UnsupportedMediaType(http.Request.ContentType, "application/json"));
        }

        var body = await ReadLimitedAsync(http.Request, limit, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return (null, Conferences.Problems.TooLarge(limit));
        }

        var value = ParseJson<T>(http, body, out var problem);
        return (value, problem);
    }

    /// <summary>Binds a JSON body with the service's JSON settings; on failure, the problem naming where.</summary>
    public static T? ParseJson<T>(HttpContext http, byte[] body, out IResult? problem)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = System.Text.Json.JsonSerializer.Deserialize<T>(body, options);
            problem = value is null ? Conferences.Problems.InvalidJson("The body is empty or null.") : null;
            return value;
        }
        catch (System.Text.Json.JsonException e)
        {
            // The path, line and byte of the problem; never the body itself.
            problem = Conferences.Problems.InvalidJson($"At {e.Path ?? "$"} (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {FirstSentence(e.Message)}");
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

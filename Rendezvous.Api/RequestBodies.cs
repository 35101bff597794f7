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
}

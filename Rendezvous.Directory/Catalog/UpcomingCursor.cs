using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Rendezvous.Directory.Catalog;

/// <summary>
/// The keyset position after the last item of a page: (start, conference, sequence). It is
/// opaque to clients (base64url of 28 bytes). Because it names a position rather than an
/// offset, a conference inserted before it does not shift the next page.
/// </summary>
public readonly record struct UpcomingCursor(DateTime Start, Guid ConferenceId, int Seq)
{
    private const int Length = 8 + 16 + 4;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, Start.Ticks);
        ConferenceId.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(bytes[24..], Seq);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string? text, [NotNullWhen(true)] out UpcomingCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        Span<byte> bytes = stackalloc byte[48];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != Length)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        cursor = new UpcomingCursor(new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes[8..24], bigEndian: true), BinaryPrimitives.ReadInt32BigEndian(bytes[24..]));
        return true;
    }
}

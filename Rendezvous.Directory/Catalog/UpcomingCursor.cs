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

    /// <summary>
    /// The catalog's order of positions, as PostgreSQL sorts them: start, then the conference id in
    /// uuid order (its 16 bytes big-endian), then the sequence. For merging other listings into a page.
    /// </summary>
    public static IComparer<UpcomingCursor> Order { get; } = Comparer<UpcomingCursor>.Create(Compare);

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, Start.Ticks);
        ConferenceId.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(bytes[24..], Seq);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static int Compare(UpcomingCursor a, UpcomingCursor b)
    {
        var c = a.Start.Ticks.CompareTo(b.Start.Ticks);
        if (c != 0)
        {
            return c;
        }

        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.ConferenceId.TryWriteBytes(x, bigEndian: true, out _);
        b.ConferenceId.TryWriteBytes(y, bigEndian: true, out _);
        c = x.SequenceCompareTo(y);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
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

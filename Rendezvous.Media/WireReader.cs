using System.Buffers.Binary;

namespace Rendezvous.Media;

/// <summary>
/// Reads a region of a datagram front to back in network byte order. Every read goes through
/// <see cref="TryTake"/>, the one guarded slice, and fails instead of reading past the region.
/// <see cref="Offset"/> is absolute (from the datagram's first byte), for error reports.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> region, int regionOffset)
{
    private readonly ReadOnlySpan<byte> _region = region;
    private int _position;

    /// <summary>Offset of the next unread byte within the whole datagram.</summary>
    public readonly int Offset => regionOffset + _position;

    public readonly int Remaining => _region.Length - _position;

    public bool TryTake(int count, out ReadOnlySpan<byte> bytes)
    {
        if ((uint)count > (uint)Remaining)
        {
            bytes = default;
            return false;
        }

        bytes = _region.Slice(_position, count);
        _position += count;
        return true;
    }

    public bool TryReadByte(out byte value)
    {
        var ok = TryTake(1, out var bytes);
        value = ok ? bytes[0] : (byte)0;
        return ok;
    }

    public bool TryReadUInt32(out uint value)
    {
        var ok = TryTake(4, out var bytes);
        value = ok ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : 0;
        return ok;
    }
}

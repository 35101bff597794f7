using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Unicode;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// Reads one option value front to back. Every read goes through <see cref="TryTake"/>, the one
/// guarded slice, and fails (returns false) instead of reading past the value.
/// </summary>
internal ref struct MadcapReader
{
    private ReadOnlySpan<byte> _rest;

    public MadcapReader(ReadOnlySpan<byte> value) => _rest = value;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly int Remaining => _rest.Length;

    public bool TryTake(int count, out ReadOnlySpan<byte> bytes)
    {
        if ((uint)count > (uint)_rest.Length)
        {
            bytes = default;
            return false;
        }

        bytes = _rest[..count];
        _rest = _rest[count..];
        return true;
    }

    public bool TryReadByte(out byte value)
    {
        value = 0;
        if (!TryTake(1, out var bytes))
        {
            return false;
        }

        value = bytes[0];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        value = 0;
        if (!TryTake(2, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        value = 0;
        if (!TryTake(4, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }

    public bool TryReadAddress(int length, out IPAddress address)
    {
        address = IPAddress.None;
        if (!TryTake(length, out var bytes))
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>A length-prefixed (1 octet) UTF-8 string that must not be empty (RFC 2730 section 3.10).</summary>
    public bool TryReadShortString(out string value)
    {
        value = "";
        return TryReadByte(out var length) && length != 0 && TryTake(length, out var bytes) && TryDecodeUtf8(bytes, out value);
    }

    public static bool TryDecodeUtf8(ReadOnlySpan<byte> bytes, out string value)
    {
        // Checked first, so hostile bytes cost no exception.
        if (!Utf8.IsValid(bytes))
        {
            value = "";
            return false;
        }

        value = Encoding.UTF8.GetString(bytes);
        return true;
    }
}

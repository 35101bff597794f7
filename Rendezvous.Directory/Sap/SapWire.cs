using System.Net;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// The wire layout of RFC 2974 section 3, shared by <see cref="SapDecoder"/> and <see cref="SapEncoder"/>
/// so that whatever one writes the other reads.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | V=1 |A|R|T|E|C|   auth len    |         msg id hash           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        originating source (4 octets if A = 0, 16 if A = 1)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        authentication data (auth len 32-bit words)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  optional payload type (MIME type, then one NUL octet)        |
/// |  payload (SDP)                                                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// With C = 1 the part after the authentication data (payload type and payload) is one zlib stream;
/// with E = 1 it is encrypted.
/// </remarks>
internal static class SapWire
{
    public const int HeaderLength = 4;
    public const int IPv4OriginLength = 4;
    public const int IPv6OriginLength = 16;
    public const int AuthenticationLengthOffset = 1;
    public const int MessageIdHashOffset = 2;
    public const int BytesPerAuthenticationWord = 4;
    public const int MaxAuthenticationLength = byte.MaxValue * BytesPerAuthenticationWord;

    public const int Version = 1;
    public const int VersionShift = 5;
    public const byte AddressTypeBit = 0x10;
    public const byte ReservedBit = 0x08;
    public const byte MessageTypeBit = 0x04;
    public const byte EncryptedBit = 0x02;
    public const byte CompressedBit = 0x01;

    /// <summary>Whether a payload without a payload type is taken for SDP: it starts with v=0, or (a deletion's) o=.</summary>
    public static bool StartsAsSdp(ReadOnlySpan<byte> content, bool isDeletion) =>
        content.StartsWith("v=0"u8) || (isDeletion && content.StartsWith("o="u8));

    public static bool IsUnspecified(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>
    /// Checks a payload type (the octets before the NUL): printable ASCII of the form type/subtype,
    /// optionally followed by <c>;</c> and parameters (RFC 2045 section 5.1). Only application/sdp,
    /// in any letter case, is known.
    /// </summary>
    public static SapDecodeError CheckPayloadType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return SapDecodeError.InvalidPayloadType;
            }
        }

        var end = type.IndexOf((byte)';');
        var mediaType = (end < 0 ? type : type[..end]).TrimEnd((byte)' ');
        var slash = mediaType.IndexOf((byte)'/');
        if (slash < 0 || !IsToken(mediaType[..slash]) || !IsToken(mediaType[(slash + 1)..]))
        {
            return SapDecodeError.InvalidPayloadType;
        }

        return System.Text.Ascii.EqualsIgnoreCase(mediaType, "application/sdp"u8) ? SapDecodeError.None : SapDecodeError.UnknownPayloadType;
    }

    // RFC 2045 section 5.1: a token is one or more printable ASCII characters other than space and tspecials.
    private static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b <= 0x20 || "()<>@,;:\\\"/[]?="u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }
}

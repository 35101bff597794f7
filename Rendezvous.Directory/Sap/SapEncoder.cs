using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// Writes a <see cref="SapPacket"/> in the layout of RFC 2974 section 3: the header, the originating
/// source, the authentication data, then the payload type (when set) with its NUL and the payload,
/// zlib-compressed (RFC 1950) when <see cref="SapPacket.Compressed"/>.
/// </summary>
/// <remarks>
/// The encoder writes faithfully what it is given, so that a received packet can be written again; the
/// sender's rules live in <see cref="SapPacket.Announcement"/> and <see cref="SapPacket.Deletion"/>
/// (we send no authentication data: some receivers misread its length). It throws
/// <see cref="ArgumentException"/> only for what cannot be put on the wire or would not be read back
/// as the same packet: an origin that is neither IPv4 nor IPv6 (or has an IPv6 scope id), authentication data
/// that is not whole 32-bit words or longer than 255 words, an empty payload, a payload type that
/// <see cref="SapDecoder"/> rejects or an encrypted packet with one (its type is inside the encryption), and,
/// without a payload type, a payload that does not start with v=0 (or, for a deletion, o=). An encrypted
/// packet's payload is written as it is: compressing and encrypting are the sender's business.
/// </remarks>
public static class SapEncoder
{
    /// <summary>The packet's datagram. Throws <see cref="ArgumentException"/> as described on the class.</summary>
    public static byte[] Encode(SapPacket packet)
    {
        var body = Body(packet);
        var bytes = new byte[HeaderAndAuthenticationLength(packet) + body.Length];
        Write(packet, body, bytes);
        return bytes;
    }

    /// <summary>Writes the packet; false (and nothing written) when <paramref name="destination"/> is too small. Throws as <see cref="Encode"/> does.</summary>
    public static bool TryEncode(SapPacket packet, Span<byte> destination, out int written)
    {
        var body = Body(packet);
        var length = HeaderAndAuthenticationLength(packet) + body.Length;
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        Write(packet, body, destination);
        written = length;
        return true;
    }

    private static int HeaderAndAuthenticationLength(SapPacket packet) =>
        SapWire.HeaderLength + (packet.IsIPv6Origin ? SapWire.IPv6OriginLength : SapWire.IPv4OriginLength) + packet.AuthenticationData.Length;

    // Checks the packet and returns what follows the authentication data, compressed when asked.
    private static byte[] Body(SapPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(packet.Origin, nameof(packet));
        var family = packet.Origin.AddressFamily;
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) || (family == AddressFamily.InterNetworkV6 && packet.Origin.ScopeId != 0))
        {
            throw new ArgumentException($"A SAP origin is an IPv4 or IPv6 address without scope id, not {packet.Origin}.", nameof(packet));
        }

        var authentication = packet.AuthenticationData.Length;
        if (authentication % SapWire.BytesPerAuthenticationWord != 0 || authentication > SapWire.MaxAuthenticationLength)
        {
            throw new ArgumentException($"Authentication data is whole 32-bit words, at most {SapWire.MaxAuthenticationLength} octets; not {authentication}.", nameof(packet));
        }

        if (packet.Payload.IsEmpty)
        {
            throw new ArgumentException("A SAP packet needs a payload.", nameof(packet));
        }

        if (packet.Encrypted)
        {
            return packet.PayloadType is null
                ? packet.Payload.ToArray()
                : throw new ArgumentException("An encrypted packet's payload type is inside the encrypted payload; set PayloadType to null.", nameof(packet));
        }

        byte[] content;
        if (packet.PayloadType is null)
        {
            if (!SapWire.StartsAsSdp(packet.Payload.Span, packet.IsDeletion))
            {
                throw new ArgumentException($"Without a payload type the payload must start with v=0{(packet.IsDeletion ? " or o=" : "")}.", nameof(packet));
            }

            content = packet.Payload.ToArray();
        }
        else
        {
            if (!Ascii.IsValid(packet.PayloadType) || SapWire.CheckPayloadType(Encoding.ASCII.GetBytes(packet.PayloadType)) != SapDecodeError.None)
            {
                throw new ArgumentException($"'{packet.PayloadType}' is not a payload type a listener reads (only {SapPacket.SdpPayloadType}).", nameof(packet));
            }

            content = new byte[packet.PayloadType.Length + 1 + packet.Payload.Length];
            Encoding.ASCII.GetBytes(packet.PayloadType, content);
            packet.Payload.Span.CopyTo(content.AsSpan(packet.PayloadType.Length + 1));
        }

        return packet.Compressed ? Compress(content) : content;
    }

    private static byte[] Compress(byte[] content)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(content);
        }

        return output.ToArray();
    }

    private static void Write(SapPacket packet, byte[] body, Span<byte> destination)
    {
        destination[0] = (byte)((SapWire.Version << SapWire.VersionShift)
            | (packet.IsIPv6Origin ? SapWire.AddressTypeBit : 0)
            | (packet.IsDeletion ? SapWire.MessageTypeBit : 0)
            | (packet.Encrypted ? SapWire.EncryptedBit : 0)
            | (packet.Compressed ? SapWire.CompressedBit : 0));
        destination[SapWire.AuthenticationLengthOffset] = (byte)(packet.AuthenticationData.Length / SapWire.BytesPerAuthenticationWord);
        BinaryPrimitives.WriteUInt16BigEndian(destination[SapWire.MessageIdHashOffset..], packet.MessageIdHash);
        var offset = SapWire.HeaderLength;
        packet.Origin.TryWriteBytes(destination[offset..], out var originLength);
        offset += originLength;
        packet.AuthenticationData.Span.CopyTo(destination[offset..]);
        offset += packet.AuthenticationData.Length;
        body.CopyTo(destination[offset..]);
    }
}

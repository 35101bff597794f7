using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// Decodes SAP datagrams (RFC 2974 section 3). Never throws on any input: every problem comes back
/// as a <see cref="SapDecodeResult"/> with its reason and byte offset.
/// </summary>
/// <remarks>
/// Checks, in order: the 4-octet header; V = 1 (other versions are dropped); the originating source
/// (4 or 16 octets by A); the authentication data (auth len x 4 octets, skipped, kept as received);
/// something after it. With E = 1 the rest is reported as <see cref="SapDecodeStatus.Encrypted"/>.
/// With C = 1 the rest is decompressed as exactly one zlib stream (its Adler-32 checked), to at most the given limit, so a small
/// datagram cannot grow memory. Then the payload type: a payload starting with v=0 (or, for a
/// deletion, o=) has none; otherwise it runs to the first NUL and must be application/sdp. What
/// follows is the payload, which must not be empty. R is ignored; a zero hash or an unspecified
/// origin is accepted with a <see cref="SapDecodeWarnings"/> flag.
/// </remarks>
public static class SapDecoder
{
    /// <summary>The default limit on a compressed payload's decompressed size: 64 KiB, as much as a UDP datagram can carry.</summary>
    public const int DefaultMaxDecompressedLength = 64 * 1024;

    private const int ZlibTrailerLength = 4;

    /// <summary>
    /// Decodes one datagram. <paramref name="maxDecompressedLength"/> bounds what a compressed payload may
    /// expand to (payload type included); a negative limit throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static SapDecodeResult Decode(ReadOnlySpan<byte> datagram, int maxDecompressedLength = DefaultMaxDecompressedLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDecompressedLength);
        if (datagram.Length < SapWire.HeaderLength)
        {
            return SapDecodeResult.Invalid(SapDecodeError.TooShort, datagram.Length);
        }

        var flags = datagram[0];
        if (flags >> SapWire.VersionShift != SapWire.Version)
        {
            return SapDecodeResult.Invalid(SapDecodeError.UnsupportedVersion, 0);
        }

        var originLength = (flags & SapWire.AddressTypeBit) != 0 ? SapWire.IPv6OriginLength : SapWire.IPv4OriginLength;
        var authenticationStart = SapWire.HeaderLength + originLength;
        if (datagram.Length < authenticationStart)
        {
            return SapDecodeResult.Invalid(SapDecodeError.OriginTruncated, SapWire.HeaderLength);
        }

        var authenticationLength = datagram[SapWire.AuthenticationLengthOffset] * SapWire.BytesPerAuthenticationWord;
        var bodyStart = authenticationStart + authenticationLength;
        if (datagram.Length < bodyStart)
        {
            return SapDecodeResult.Invalid(SapDecodeError.AuthenticationTruncated, SapWire.AuthenticationLengthOffset);
        }

        if (datagram.Length == bodyStart)
        {
            return SapDecodeResult.Invalid(SapDecodeError.MissingPayload, datagram.Length);
        }

        var packet = new SapPacket
        {
            IsDeletion = (flags & SapWire.MessageTypeBit) != 0,
            Encrypted = (flags & SapWire.EncryptedBit) != 0,
            Compressed = (flags & SapWire.CompressedBit) != 0,
            MessageIdHash = BinaryPrimitives.ReadUInt16BigEndian(datagram[SapWire.MessageIdHashOffset..]),
            Origin = new IPAddress(datagram[SapWire.HeaderLength..authenticationStart]),
            AuthenticationData = datagram[authenticationStart..bodyStart].ToArray(),
            PayloadType = null,
            Payload = ReadOnlyMemory<byte>.Empty,
        };
        var warnings = (packet.MessageIdHash == 0 ? SapDecodeWarnings.ZeroMessageIdHash : SapDecodeWarnings.None)
            | (SapWire.IsUnspecified(packet.Origin) ? SapDecodeWarnings.UnspecifiedOrigin : SapDecodeWarnings.None);
        var body = datagram[bodyStart..];
        if (packet.Encrypted)
        {
            return SapDecodeResult.EncryptedPacket(packet with { Payload = body.ToArray() }, bodyStart, warnings);
        }

        if (packet.Compressed)
        {
            var error = TryDecompress(body, maxDecompressedLength, out var decompressed);
            if (error != SapDecodeError.None)
            {
                return SapDecodeResult.Invalid(error, bodyStart);
            }

            // Offsets inside the decompressed bytes mean nothing in the datagram: report the compressed data's start.
            return ReadContent(packet, decompressed, bodyStart, bodyStart, warnings);
        }

        return ReadContent(packet, body, bodyStart, datagram.Length, warnings);
    }

    // The payload type (if any) and the payload, from the (decompressed) part after the authentication data.
    private static SapDecodeResult ReadContent(SapPacket packet, ReadOnlySpan<byte> content, int typeOffset, int endOffset, SapDecodeWarnings warnings)
    {
        if (content.IsEmpty)
        {
            return SapDecodeResult.Invalid(SapDecodeError.MissingPayload, endOffset);
        }

        if (SapWire.StartsAsSdp(content, packet.IsDeletion))
        {
            return SapDecodeResult.Valid(packet with { Payload = content.ToArray() }, warnings);
        }

        var nul = content.IndexOf((byte)0);
        if (nul < 0)
        {
            return SapDecodeResult.Invalid(SapDecodeError.PayloadTypeUnterminated, typeOffset);
        }

        var typeError = SapWire.CheckPayloadType(content[..nul]);
        if (typeError != SapDecodeError.None)
        {
            return SapDecodeResult.Invalid(typeError, typeOffset);
        }

        var payload = content[(nul + 1)..];
        if (payload.IsEmpty)
        {
            return SapDecodeResult.Invalid(SapDecodeError.MissingPayload, endOffset);
        }

        return SapDecodeResult.Valid(packet with { PayloadType = System.Text.Encoding.ASCII.GetString(content[..nul]), Payload = payload.ToArray() }, warnings);
    }

    private static SapDecodeError TryDecompress(ReadOnlySpan<byte> compressed, int limit, out byte[] decompressed)
    {
        decompressed = [];
        limit = Math.Min(limit, Array.MaxLength - 1);
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);

            // Read at most limit + 1 octets, growing the buffer as they come: memory follows what the data really holds.
            var buffer = new byte[(int)Math.Min(limit + 1L, Math.Max(256L, compressed.Length * 4L))];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        return SapDecodeError.DecompressedTooLarge;
                    }

                    Array.Resize(ref buffer, (int)Math.Min(limit + 1L, buffer.Length * 2L));
                }

                var read = zlib.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            // ZLibStream takes the end of its input for the end of the data, so check here that the stream was
            // whole: its last four octets must be the Adler-32 of what it gave (RFC 1950 section 2.2). This
            // also refuses octets after the stream's end.
            decompressed = buffer[..length];
            return compressed.Length >= ZlibTrailerLength && BinaryPrimitives.ReadUInt32BigEndian(compressed[^ZlibTrailerLength..]) == Adler32(decompressed)
                ? SapDecodeError.None
                : SapDecodeError.CompressedDataCorrupt;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Bad deflate data is an InvalidDataException; a header asking for a preset dictionary (FDICT)
            // makes zlib return Z_NEED_DICT, which .NET throws as a ZLibException, an IOException.
            return SapDecodeError.CompressedDataCorrupt;
        }
    }

    // RFC 1950 section 8.2: two sums modulo 65521, folded every 5552 octets (the most that cannot overflow 32 bits).
    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint modulus = 65521;
        const int block = 5552;
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            var chunk = data[..Math.Min(block, data.Length)];
            foreach (var octet in chunk)
            {
                a += octet;
                b += a;
            }

            a %= modulus;
            b %= modulus;
            data = data[chunk.Length..];
        }

        return (b << 16) | a;
    }
}

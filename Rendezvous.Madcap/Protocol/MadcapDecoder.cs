using System.Buffers.Binary;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// Decodes MADCAP datagrams (RFC 2730). Never throws on any input: every problem comes back as a
/// <see cref="MadcapDecodeResult"/> with its reason, byte offset and classification.
/// </summary>
/// <remarks>
/// Checks, in order:
/// <list type="number">
/// <item>Framing (section 2.1, 2.1.5): at least 12 octets (8-octet header plus End), version 0,
/// every option's code and length inside the datagram, an End option of length 0, nothing after it.
/// Failures are <see cref="MadcapDecodeStatus.Ignore"/>.</item>
/// <item>Header values: a message type 1-8 (section 2.2: unknown type at a server is an Invalid
/// Request) and an address family of 1 or 2.</item>
/// <item>Each option in wire order: no code twice (section 2.1.5), its length (exact or minimum,
/// section 3), and its inner structure consistent with that length.</item>
/// <item><see cref="MadcapRules.Check(MadcapMessage)"/>: Table 5, Current Time, Number of Addresses, Feature List.</item>
/// </list>
/// Failures after framing are <see cref="MadcapDecodeStatus.InvalidRequest"/>.
/// </remarks>
public static partial class MadcapDecoder
{
    /// <summary>RFC 2730 section 2.1: version(1) msgtype(1) addrfamily(2) xid(4).</summary>
    public const int HeaderLength = 8;

    /// <summary>The header plus the End option (code 0, length 0): anything shorter is ignored.</summary>
    public const int MinimumLength = HeaderLength + OptionHeaderLength;

    /// <summary>RFC 2730 section 2.1.5: code(2) length(2), then length octets of value.</summary>
    public const int OptionHeaderLength = 4;

    // Header layout (section 2.1), network byte order:
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |    version    |    msgtype    |          addrfamily           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                              xid                              |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                  options (variable, ends with End)            |
    private const int VersionOffset = 0;
    private const int TypeOffset = 1;
    private const int FamilyOffset = 2;
    private const int XidOffset = 4;

    /// <summary>Decodes one datagram. Never throws.</summary>
    public static MadcapDecodeResult Decode(ReadOnlySpan<byte> datagram)
    {
        var type = datagram.Length > TypeOffset ? datagram[TypeOffset] : (byte)0;
        ushort family = datagram.Length >= FamilyOffset + 2 ? BinaryPrimitives.ReadUInt16BigEndian(datagram[FamilyOffset..]) : (ushort)0;
        uint xid = datagram.Length >= XidOffset + 4 ? BinaryPrimitives.ReadUInt32BigEndian(datagram[XidOffset..]) : 0;
        var header = new Header(type, family, xid);

        // 2.1: fewer octets than a header and an End cannot be a MADCAP message.
        if (datagram.Length < MinimumLength)
        {
            return header.Ignore(MadcapDecodeError.TooShort, datagram.Length);
        }

        // 2.1: a message whose version is not 0 MUST be ignored.
        if (datagram[VersionOffset] != 0)
        {
            return header.Ignore(MadcapDecodeError.UnsupportedVersion, VersionOffset);
        }

        // Pass 1, framing (2.1.5): walk the TLVs up to End; remember the first Lease Identifier
        // so that even an invalid request can be answered with it echoed.
        var offset = HeaderLength;
        var endOffset = -1;
        while (offset < datagram.Length)
        {
            if (datagram.Length - offset < OptionHeaderLength)
            {
                return header.Ignore(MadcapDecodeError.OptionHeaderTruncated, offset);
            }

            var code = BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            if (length > datagram.Length - offset - OptionHeaderLength)
            {
                return header.Ignore(MadcapDecodeError.OptionValueTruncated, offset);
            }

            if (code == (ushort)MadcapOptionCode.End)
            {
                // 3.1: End has length 0.
                if (length != 0)
                {
                    return header.Ignore(MadcapDecodeError.EndLengthNotZero, offset);
                }

                endOffset = offset;
                offset += OptionHeaderLength;
                break;
            }

            if (code == (ushort)MadcapOptionCode.LeaseIdentifier && header.LeaseIdentifier.IsEmpty && length > 0)
            {
                header.LeaseIdentifier = MadcapList.Create(datagram.Slice(offset + OptionHeaderLength, length));
            }

            offset += OptionHeaderLength + length;
        }

        // 2.1.5: the options MUST end with End.
        if (endOffset < 0)
        {
            return header.Ignore(MadcapDecodeError.MissingEnd, datagram.Length);
        }

        // 2.1.5: End is last, exactly once; trailing bytes are not skipped silently.
        if (offset != datagram.Length)
        {
            return header.Ignore(MadcapDecodeError.DataAfterEnd, offset);
        }

        // 2.2: an unknown message type at a server is an Invalid Request.
        if (type is < (byte)MadcapMessageType.Discover or > (byte)MadcapMessageType.GetInfo)
        {
            return header.Invalid(MadcapDecodeError.UnknownMessageType, TypeOffset, MadcapCodes.NoOption);
        }

        // 2.1: IANA address family numbers; only IPv4 (1) and IPv6 (2) say how long the
        // addresses in Multicast Scope, Scope List and Address Ranges are.
        if (family is not ((ushort)MadcapAddressFamily.IPv4 or (ushort)MadcapAddressFamily.IPv6))
        {
            return header.Invalid(MadcapDecodeError.UnknownAddressFamily, FamilyOffset, MadcapCodes.NoOption);
        }

        // Pass 2: the options' values, in wire order.
        var options = new OptionSet((MadcapAddressFamily)family);
        Span<ulong> seen = stackalloc ulong[65536 / 64];
        Span<int> knownAt = stackalloc int[18];
        offset = HeaderLength;
        while (offset < endOffset)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            var value = datagram.Slice(offset + OptionHeaderLength, length);

            // 2.1.5: an option code appears at most once in a message.
            ref var word = ref seen[code >> 6];
            var bit = 1UL << (code & 63);
            if ((word & bit) != 0)
            {
                return header.Invalid(MadcapDecodeError.DuplicateOption, offset, code);
            }

            word |= bit;
            if (code < knownAt.Length)
            {
                knownAt[code] = offset;
            }

            var error = options.Read(code, value);
            if (error != MadcapDecodeError.None)
            {
                return header.Invalid(error, offset, code);
            }

            offset += OptionHeaderLength + length;
        }

        var message = options.Build((MadcapMessageType)type, xid);
        if (MadcapRules.Check(message) is { } violation)
        {
            // Point at the offending option; a missing one is missing just before End.
            var at = violation.Error == MadcapDecodeError.MissingRequiredOption || violation.Error == MadcapDecodeError.MissingCurrentTime
                || violation.OptionCode >= knownAt.Length
                ? endOffset
                : knownAt[violation.OptionCode];
            return header.Invalid(violation.Error, at, violation.OptionCode);
        }

        return new MadcapDecodeResult(MadcapDecodeStatus.Valid, message, MadcapDecodeError.None, 0, MadcapCodes.NoOption, type, family, xid, message.LeaseIdentifier);
    }

    private struct Header(byte type, ushort family, uint xid)
    {
        public MadcapList<byte> LeaseIdentifier;

        public readonly MadcapDecodeResult Ignore(MadcapDecodeError error, int offset) =>
            new(MadcapDecodeStatus.Ignore, null, error, offset, MadcapCodes.NoOption, type, family, xid, LeaseIdentifier);

        public readonly MadcapDecodeResult Invalid(MadcapDecodeError error, int offset, ushort optionCode) =>
            new(MadcapDecodeStatus.InvalidRequest, null, error, offset, optionCode, type, family, xid, LeaseIdentifier);
    }
}

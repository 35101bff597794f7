namespace Rendezvous.Madcap.Protocol;

/// <summary>What a server does with a datagram (RFC 2730 section 2.6).</summary>
public enum MadcapDecodeStatus
{
    /// <summary>A well-formed message that breaks none of the rules checked on decode.</summary>
    Valid,

    /// <summary>
    /// Not a MADCAP message one can answer: too short, another version, an option running past
    /// the end, no End, bytes after End (sections 2.1, 2.1.5). Answering garbage could start a NAK
    /// loop, so section 2.6 says to ignore it.
    /// </summary>
    Ignore,

    /// <summary>
    /// Framed correctly but breaks a rule; a server answers NAK with error 1 (Invalid Request) and
    /// <see cref="MadcapDecodeResult.OptionCode"/> as the extra data (sections 2.6, 3.17).
    /// </summary>
    InvalidRequest,
}

/// <summary>The rule a datagram broke; each maps to one <see cref="MadcapDecodeStatus"/>.</summary>
public enum MadcapDecodeError
{
    None,

    // Ignore: framing (sections 2.1, 2.1.5).
    TooShort,
    UnsupportedVersion,
    OptionHeaderTruncated,
    OptionValueTruncated,
    EndLengthNotZero,
    MissingEnd,
    DataAfterEnd,

    // InvalidRequest: header values.
    UnknownMessageType,
    UnknownAddressFamily,

    // InvalidRequest: options.
    DuplicateOption,
    OptionLengthInvalid,
    OptionValueInvalid,
    MissingRequiredOption,
    ForbiddenOption,
    MissingCurrentTime,
    AddressCountMinimumAboveDesired,
    FeatureListInvalid,
}

/// <summary>
/// The outcome of <see cref="MadcapDecoder.Decode(ReadOnlySpan{byte})"/>: the message when valid;
/// otherwise what is wrong, at which byte offset, and (for an invalid request) which option to
/// name in the NAK. Header fields and the Lease Identifier are filled in whenever they could be
/// read, so a server can echo them in its NAK (section 2.2: NAK echoes xid and Lease Identifier).
/// </summary>
public sealed class MadcapDecodeResult
{
    internal MadcapDecodeResult(
        MadcapDecodeStatus status,
        MadcapMessage? message,
        MadcapDecodeError error,
        int offset,
        ushort optionCode,
        byte messageType,
        ushort family,
        uint xid,
        MadcapList<byte> leaseIdentifier)
    {
        Status = status;
        Message = message;
        Error = error;
        Offset = offset;
        OptionCode = optionCode;
        MessageType = messageType;
        Family = family;
        Xid = xid;
        LeaseIdentifier = leaseIdentifier;
    }

    public MadcapDecodeStatus Status { get; }

    /// <summary>The decoded message; non-null exactly when <see cref="Status"/> is <see cref="MadcapDecodeStatus.Valid"/>.</summary>
    public MadcapMessage? Message { get; }

    public MadcapDecodeError Error { get; }

    /// <summary>0-based byte offset of the problem: the field or the option's first byte; the datagram's length for something missing at the end.</summary>
    public int Offset { get; }

    /// <summary>The option to name in the NAK's Error extra data; <see cref="MadcapCodes.NoOption"/> when the problem is not one option's.</summary>
    public ushort OptionCode { get; }

    /// <summary>The msgtype octet as received (0 when the datagram was too short to hold it).</summary>
    public byte MessageType { get; }

    /// <summary>The addrfamily field as received.</summary>
    public ushort Family { get; }

    public uint Xid { get; }

    /// <summary>The first Lease Identifier option's value, when one could be read; empty otherwise.</summary>
    public MadcapList<byte> LeaseIdentifier { get; }

    public bool IsValid => Status == MadcapDecodeStatus.Valid;

    public override string ToString() => Status switch
    {
        MadcapDecodeStatus.Valid => $"valid {Message!.Type} xid {Xid:x8}",
        MadcapDecodeStatus.Ignore => $"ignore: {Error} at byte {Offset}",
        _ => $"invalid request: {Error} at byte {Offset}, option {(OptionCode == MadcapCodes.NoOption ? "0xFFFF" : OptionCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}",
    };
}

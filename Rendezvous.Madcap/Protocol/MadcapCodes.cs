namespace Rendezvous.Madcap.Protocol;

/// <summary>RFC 2730 section 2.2: the msgtype octet of the header.</summary>
public enum MadcapMessageType : byte
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Renew = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    GetInfo = 8,
}

/// <summary>
/// RFC 2730 section 2.1: the addrfamily field holds an IANA Address Family Number
/// (RFC 1700 / IANA "Address Family Numbers"); only these two are meaningful for multicast.
/// </summary>
public enum MadcapAddressFamily : ushort
{
    IPv4 = 1,
    IPv6 = 2,
}

/// <summary>RFC 2730 section 3 (and RFC 2907 for 17): option codes, 2 octets on the wire.</summary>
public enum MadcapOptionCode : ushort
{
    End = 0,
    LeaseTime = 1,
    ServerIdentifier = 2,
    LeaseIdentifier = 3,
    MulticastScope = 4,
    OptionRequestList = 5,
    StartTime = 6,
    NumberOfAddressesRequested = 7,
    RequestedLanguage = 8,
    MulticastScopeList = 9,
    ListOfAddressRanges = 10,
    CurrentTime = 11,
    FeatureList = 12,
    RetryTime = 13,
    MinimumLeaseTime = 14,
    MaximumStartTime = 15,
    Error = 16,

    /// <summary>RFC 2907 (IANA MADCAP Options registry: "Multicast Scope Nesting State").</summary>
    MulticastScopeNestingState = 17,
}

/// <summary>RFC 2730 section 3.17: error codes carried in the Error option.</summary>
public enum MadcapErrorCode : ushort
{
    /// <summary>Extra data: the option code that could not be satisfied, or 0xFFFF.</summary>
    ValidRequestCouldNotBeCompleted = 0,

    /// <summary>Extra data: the offending option code, or 0xFFFF.</summary>
    InvalidRequest = 1,

    /// <summary>Extra data: the server's current time (4 octets, seconds since 1970).</summary>
    ExcessiveClockSkew = 2,

    /// <summary>No extra data.</summary>
    LeaseIdentifierNotRecognized = 3,

    /// <summary>Extra data: the feature codes the server does not support.</summary>
    RequiredFeatureNotSupported = 4,
}

/// <summary>RFC 2730 section 2.13: feature codes used in the Feature List option.</summary>
public enum MadcapFeature : ushort
{
    ServerMobility = 0,
    RetryAfter = 1,
    SharedLeaseIdentifier = 2,
}

public static class MadcapCodes
{
    /// <summary>RFC 2730 sections 3.17 and 2.6: the "no particular option" value in Error extra data.</summary>
    public const ushort NoOption = 0xFFFF;

    /// <summary>
    /// RFC 2730 section 2.2 (and rfc2730-notes 1.5): DISCOVER, REQUEST, RENEW, RELEASE and GETINFO
    /// are sent by clients; OFFER, ACK and NAK by servers. Direction is the caller's business: the
    /// decoder accepts both.
    /// </summary>
    public static bool IsClientMessage(this MadcapMessageType type) => type switch
    {
        MadcapMessageType.Discover or MadcapMessageType.Request or MadcapMessageType.Renew
            or MadcapMessageType.Release or MadcapMessageType.GetInfo => true,
        _ => false,
    };

    /// <summary>OFFER, ACK and NAK (RFC 2730 section 2.2).</summary>
    public static bool IsServerMessage(this MadcapMessageType type) =>
        type is MadcapMessageType.Offer or MadcapMessageType.Ack or MadcapMessageType.Nak;

    /// <summary>Octets of an address of the family; 0 for a family MADCAP cannot carry here.</summary>
    public static int AddressLength(this MadcapAddressFamily family) => family switch
    {
        MadcapAddressFamily.IPv4 => 4,
        MadcapAddressFamily.IPv6 => 16,
        _ => 0,
    };

    /// <summary>True for the option codes 1-17 this codec gives a typed property.</summary>
    public static bool IsKnownOption(ushort code) => code is >= 1 and <= 17;
}

namespace Rendezvous.Media.Rtcp;

/// <summary>RFC 3550 section 12.1 (and RFC 4585, 3611 for the ones kept raw): the PT octet of an RTCP packet.</summary>
public enum RtcpPacketType : byte
{
    SenderReport = 200,
    ReceiverReport = 201,
    SourceDescription = 202,
    Goodbye = 203,
    ApplicationDefined = 204,

    /// <summary>RFC 4585: transport-layer feedback.</summary>
    TransportFeedback = 205,

    /// <summary>RFC 4585: payload-specific feedback.</summary>
    PayloadFeedback = 206,

    /// <summary>RFC 3611: extended reports.</summary>
    ExtendedReport = 207,
}

/// <summary>RFC 3550 section 6.5: SDES item types (IANA "RTP SDES item types").</summary>
public enum RtcpSdesItemType : byte
{
    /// <summary>The null item that ends a chunk's list; never an item of its own.</summary>
    End = 0,
    Cname = 1,
    Name = 2,
    Email = 3,
    Phone = 4,
    Location = 5,
    Tool = 6,
    Note = 7,
    Private = 8,
}

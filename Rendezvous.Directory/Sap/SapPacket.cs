using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// One SAP message (RFC 2974 section 3): an announcement or a deletion of a session description,
/// from the host at <see cref="Origin"/>. Immutable; equality compares every field, the byte fields by content.
/// </summary>
/// <remarks>
/// <see cref="SapDecoder"/> makes these from datagrams and <see cref="SapEncoder"/> writes them back.
/// To send, use <see cref="Announcement"/> and <see cref="Deletion"/>: they apply the sender's rules
/// (an origin that is not 0.0.0.0 or ::, a non-zero <see cref="MessageIdHash"/>, no authentication data).
/// </remarks>
public sealed record SapPacket
{
    /// <summary>The payload type of a session description; the only one this codec reads.</summary>
    public const string SdpPayloadType = "application/sdp";

    /// <summary>T = 1: the message withdraws the session instead of announcing it.</summary>
    public bool IsDeletion { get; init; }

    /// <summary>
    /// E = 1: everything after the authentication data is encrypted. Such a packet is reported, not
    /// read: <see cref="PayloadType"/> is null and <see cref="Payload"/> holds the encrypted bytes as received.
    /// </summary>
    public bool Encrypted { get; init; }

    /// <summary>
    /// C = 1: on the wire, the payload type and payload are zlib-compressed (RFC 1950). The decoder
    /// gives <see cref="Payload"/> decompressed; the encoder compresses it.
    /// </summary>
    public bool Compressed { get; init; }

    /// <summary>Identifies this version of the announcement together with <see cref="Origin"/>; 0 is legal on receipt only.</summary>
    public ushort MessageIdHash { get; init; }

    /// <summary>The originating source: an IPv4 address (A = 0) or an IPv6 address (A = 1).</summary>
    public required IPAddress Origin { get; init; }

    /// <summary>The authentication data as received, a multiple of 4 bytes (at most 1020); empty when none.</summary>
    public ReadOnlyMemory<byte> AuthenticationData { get; init; }

    /// <summary>
    /// The MIME type before the payload (<see cref="SdpPayloadType"/>, maybe with parameters), or null
    /// when it is omitted and the payload starts directly with the SDP.
    /// </summary>
    public string? PayloadType { get; init; } = SdpPayloadType;

    /// <summary>The payload's bytes: the SDP (for a deletion, the SDP or its o= line), uncompressed.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>True when <see cref="Origin"/> is an IPv6 address (the A bit).</summary>
    public bool IsIPv6Origin => Origin.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>The payload read as UTF-8 (invalid sequences become U+FFFD); null when <see cref="Encrypted"/>.</summary>
    public string? Sdp => Encrypted ? null : Encoding.UTF8.GetString(Payload.Span);

    /// <summary>
    /// An announcement of <paramref name="sdp"/> as a sender makes it: the hash from
    /// <see cref="ComputeMessageIdHash(string)"/>, no authentication data, the payload type unless
    /// <paramref name="includePayloadType"/> is false. Throws <see cref="ArgumentException"/> for an
    /// empty description or an origin that is not a specified IPv4 or IPv6 address (0.0.0.0 and ::
    /// are not valid origins for a sender, section 3).
    /// </summary>
    public static SapPacket Announcement(string sdp, IPAddress origin, bool includePayloadType = true, bool compressed = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(sdp);
        return new SapPacket
        {
            Origin = CheckSenderOrigin(origin),
            MessageIdHash = ComputeMessageIdHash(sdp),
            PayloadType = includePayloadType ? SdpPayloadType : null,
            Payload = Encoding.UTF8.GetBytes(sdp),
            Compressed = compressed,
        };
    }

    /// <summary>
    /// The deletion of the announcement of <paramref name="announcedSdp"/>: the same hash and origin as
    /// <see cref="Announcement"/> gives, with the whole description as payload, or only its o= line
    /// when <paramref name="originLineOnly"/>. Throws <see cref="ArgumentException"/> as
    /// <see cref="Announcement"/> does, and when an o= line is asked for and the description has none.
    /// </summary>
    public static SapPacket Deletion(string announcedSdp, IPAddress origin, bool originLineOnly = false, bool includePayloadType = true, bool compressed = false)
    {
        var announcement = Announcement(announcedSdp, origin, includePayloadType, compressed);
        var payload = announcement.Payload;
        if (originLineOnly)
        {
            var line = OriginLine(announcedSdp) ?? throw new ArgumentException("The description has no o= line to delete it by.", nameof(announcedSdp));
            payload = Encoding.UTF8.GetBytes(line);
        }

        return announcement with { IsDeletion = true, Payload = payload };
    }

    /// <summary>
    /// A stable, non-zero 16-bit message identifier hash of a description: FNV-1a (32 bits) of its UTF-8
    /// bytes, folded to 16 bits by XOR; 0 becomes 1. Any change to the text changes it, except for the
    /// 1 in 65,536 chance that two texts share a 16-bit value.
    /// </summary>
    public static ushort ComputeMessageIdHash(string sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        return ComputeMessageIdHash(Encoding.UTF8.GetBytes(sdp));
    }

    /// <inheritdoc cref="ComputeMessageIdHash(string)"/>
    public static ushort ComputeMessageIdHash(ReadOnlySpan<byte> sdp)
    {
        const uint offsetBasis = 2166136261;
        const uint prime = 16777619;
        var hash = offsetBasis;
        foreach (var b in sdp)
        {
            hash = (hash ^ b) * prime;
        }

        var folded = (ushort)((hash >> 16) ^ (hash & 0xFFFF));
        return folded == 0 ? (ushort)1 : folded;
    }

    /// <summary>Equal when every field is, <see cref="AuthenticationData"/> and <see cref="Payload"/> by content.</summary>
    public bool Equals(SapPacket? other) =>
        other is not null
        && IsDeletion == other.IsDeletion
        && Encrypted == other.Encrypted
        && Compressed == other.Compressed
        && MessageIdHash == other.MessageIdHash
        && Origin.Equals(other.Origin)
        && string.Equals(PayloadType, other.PayloadType, StringComparison.Ordinal)
        && AuthenticationData.Span.SequenceEqual(other.AuthenticationData.Span)
        && Payload.Span.SequenceEqual(other.Payload.Span);

    public override int GetHashCode() => HashCode.Combine(IsDeletion, Encrypted, Compressed, MessageIdHash, Origin, PayloadType, Payload.Length);

    public override string ToString() =>
        $"SAP {(IsDeletion ? "deletion" : "announcement")} {MessageIdHash:x4} from {Origin}"
        + $"{(Encrypted ? ", encrypted" : "")}{(Compressed ? ", compressed" : "")}, {PayloadType ?? "no payload type"}, {Payload.Length} bytes";

    private static IPAddress CheckSenderOrigin(IPAddress origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        if (origin.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"The origin must be an IPv4 or IPv6 address, not {origin.AddressFamily}.", nameof(origin));
        }

        if (SapWire.IsUnspecified(origin))
        {
            throw new ArgumentException($"{origin} is not a valid SAP origin: a sender gives its own address (RFC 2974 section 3).", nameof(origin));
        }

        return origin;
    }

    private static string? OriginLine(string sdp)
    {
        foreach (var line in sdp.Split('\n'))
        {
            if (line.StartsWith("o=", StringComparison.Ordinal))
            {
                return line.TrimEnd('\r') + "\r\n";
            }
        }

        return null;
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Directory.Ldap;

/// <summary>The object classes and attribute names of one directory flavour (DESIGN.md, "Directory flavours").</summary>
internal sealed record DirectorySchema(
    string ConferenceClass,
    string ConferenceNameAttribute,
    string ProtocolAttribute,
    string BlobAttribute,
    string UserClass,
    string UserAddressAttribute)
{
    /// <summary>RFC 2589 auxiliary class of entries that expire unless refreshed.</summary>
    public const string DynamicObjectClass = "dynamicObject";

    public const string EntryTtl = "entryTtl";

    /// <summary>The protocol id TAPI writes for SDP blobs.</summary>
    public const string IpConference = "IP Conference";

    public const string UserNameAttribute = "cn";

    // ILS-only conference attributes ([MS-TAIL]; deploy/ldap/schema/ils.schema).
    public const string IlsCn = "cn";
    public const string IlsOriginator = "originator";
    public const string IlsDescription = "generalDescription";
    public const string IlsStartTime = "startTime";
    public const string IlsStopTime = "stopTime";
    public const string IlsAdvertisingScope = "advertisingScope";
    public const string IlsUrl = "url";
    public const string IlsComment = "comment";

    public static readonly DirectorySchema Ils = new("rtConference", "uid", "protocolID", "conferenceBlob", "rtPerson", "ipAddress");

    public static readonly DirectorySchema Ntds = new("msTAPI-RtConference", "msTAPI-uid", "msTAPI-ProtocolId", "msTAPI-ConferenceBlob", "msTAPI-RtPerson", "msTAPI-IpAddress");

    public static DirectorySchema For(DirectoryFlavour flavour) => flavour == DirectoryFlavour.Ils ? Ils : Ntds;
}

/// <summary>
/// ILS's user address: the IPv4 in_addr as a DWORD written in decimal, the first octet in
/// the low byte ([MS-TAIL]; what a little-endian Windows host reads from in_addr.S_addr).
/// 192.0.2.1 is 16908480.
/// </summary>
public static class IlsIpAddress
{
    public static string Encode(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("ILS ipAddress holds IPv4 addresses only.", nameof(address));
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(address.GetAddressBytes()).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes a DWORD (also a negative 32-bit value, as some writers stored it signed); null when the text is not one.</summary>
    public static IPAddress? Decode(string value)
    {
        uint dword;
        if (uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned))
        {
            dword = unsigned;
        }
        else if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed) && signed < 0)
        {
            dword = unchecked((uint)signed);
        }
        else
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, dword);
        return new IPAddress(bytes);
    }
}

/// <summary>GeneralizedTime (RFC 4517 section 3.3.13) as ILS startTime/stopTime use it.</summary>
internal static class GeneralizedTime
{
    private static readonly string[] Formats =
    [
        "yyyyMMddHHmmssZ", "yyyyMMddHHmmss.fZ", "yyyyMMddHHmmss.ffZ", "yyyyMMddHHmmss.fffZ",
        "yyyyMMddHHmmZ", "yyyyMMddHHZ", "yyyyMMddHHmmsszzz", "yyyyMMddHHmmzzz",
    ];

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        // "zzz" wants +hh:mm; GeneralizedTime writes +hhmm.
        var normalised = text.Length > 5 && text[^5] is '+' or '-' ? $"{text[..^2]}:{text[^2..]}" : text;
        return DateTimeOffset.TryParseExact(normalised, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }
}

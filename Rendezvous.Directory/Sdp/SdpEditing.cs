using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Directory.Sdp;

/// <summary>
/// The edits a publisher makes, after TAPI's ITSdp, ITMedia, ITTime, ITConnection and
/// ITAttributeList. Each returns a new description and leaves the session version alone;
/// <see cref="SdpDocument.Edit"/> raises the version once per edit session. Indexes are
/// 0-based; an index out of range throws <see cref="ArgumentOutOfRangeException"/>.
/// </summary>
public static class SdpEditing
{
    /// <summary>
    /// A new description with an NTP-based session id and version (RFC 8866 section 5.2) and
    /// one permanent time, t=0 0: replace it (RemoveTimeAt(0), AddTime) to schedule the session.
    /// Connection and media are added by the caller.
    /// </summary>
    public static SessionDescription Create(string username, string unicastAddress, string name, TimeProvider time)
    {
        var id = SdpNumbers.NewSessionId(time);
        return new SessionDescription
        {
            Origin = new SdpOrigin(username, id, id, "IN", AddressType(unicastAddress), unicastAddress),
            Name = name,
            Times = [new SdpTime(0, 0)],
        };
    }

    public static SessionDescription WithNextVersion(this SessionDescription description) =>
        description with { Origin = description.Origin with { SessionVersion = SdpNumbers.Increment(description.Origin.SessionVersion) } };

    public static SessionDescription WithName(this SessionDescription description, string name) => description with { Name = name };

    /// <summary>i=; null removes it.</summary>
    public static SessionDescription WithInformation(this SessionDescription description, string? information) => description with { Information = information };

    /// <summary>u=; null removes it.</summary>
    public static SessionDescription WithUri(this SessionDescription description, string? uri) => description with { Uri = uri };

    /// <summary>The o= username (TAPI's Originator).</summary>
    public static SessionDescription WithOriginator(this SessionDescription description, string username) =>
        description with { Origin = description.Origin with { Username = username } };

    public static SessionDescription WithEmails(this SessionDescription description, params IEnumerable<string> emails) => description with { Emails = ValueList.From(emails) };

    public static SessionDescription WithPhones(this SessionDescription description, params IEnumerable<string> phones) => description with { Phones = ValueList.From(phones) };

    public static SessionDescription AddMedia(this SessionDescription description, SdpMedia media) => description with { Media = description.Media.Add(media) };

    public static SessionDescription RemoveMediaAt(this SessionDescription description, int index) => description with { Media = description.Media.RemoveAt(index) };

    public static SessionDescription ReplaceMedia(this SessionDescription description, int index, Func<SdpMedia, SdpMedia> change) =>
        description with { Media = description.Media.SetItem(index, change(description.Media[index])) };

    /// <summary>
    /// The session-level c= line (TAPI's ITConnection.SetAddressInfo). The address type follows
    /// from the address. An IPv4 multicast group needs a TTL; the count is for multicast only.
    /// </summary>
    public static SessionDescription WithConnection(this SessionDescription description, string address, int? ttl = null, int? count = null) =>
        description with { Connection = Connection(address, ttl, count) };

    /// <summary>Replaces the c= lines of one media section with a single one.</summary>
    public static SessionDescription WithMediaConnection(this SessionDescription description, int mediaIndex, string address, int? ttl = null, int? count = null) =>
        description.ReplaceMedia(mediaIndex, m => m with { Connections = [Connection(address, ttl, count)] });

    public static SessionDescription AddTime(this SessionDescription description, SdpTime time) => description with { Times = description.Times.Add(time) };

    public static SessionDescription RemoveTimeAt(this SessionDescription description, int index) => description with { Times = description.Times.RemoveAt(index) };

    public static SessionDescription AddRepeat(this SessionDescription description, int timeIndex, SdpRepeat repeat) =>
        description with { Times = description.Times.SetItem(timeIndex, description.Times[timeIndex] with { Repeats = description.Times[timeIndex].Repeats.Add(repeat) }) };

    public static SessionDescription RemoveRepeatAt(this SessionDescription description, int timeIndex, int repeatIndex) =>
        description with { Times = description.Times.SetItem(timeIndex, description.Times[timeIndex] with { Repeats = description.Times[timeIndex].Repeats.RemoveAt(repeatIndex) }) };

    /// <summary>Inserts a session-level a= line at <paramref name="index"/> (TAPI's ITAttributeList.Add), or appends it when null.</summary>
    public static SessionDescription AddAttribute(this SessionDescription description, SdpAttribute attribute, int? index = null) =>
        description with { Attributes = index is { } i ? description.Attributes.Insert(i, attribute) : description.Attributes.Add(attribute) };

    public static SessionDescription RemoveAttributeAt(this SessionDescription description, int index) =>
        description with { Attributes = description.Attributes.RemoveAt(index) };

    public static SessionDescription AddMediaAttribute(this SessionDescription description, int mediaIndex, SdpAttribute attribute) =>
        description.ReplaceMedia(mediaIndex, m => m with { Attributes = m.Attributes.Add(attribute) });

    public static SessionDescription RemoveMediaAttributeAt(this SessionDescription description, int mediaIndex, int index) =>
        description.ReplaceMedia(mediaIndex, m => m with { Attributes = m.Attributes.RemoveAt(index) });

    private static SdpConnection Connection(string address, int? ttl, int? count)
    {
        var type = AddressType(address);
        if (IPAddress.TryParse(address, out var ip) && IsMulticast(ip))
        {
            if (type == "IP4" && ttl is null)
            {
                throw new ArgumentException($"The IPv4 multicast group {address} needs a TTL (RFC 8866 section 5.7).", nameof(ttl));
            }

            if (type == "IP6" && ttl is not null)
            {
                throw new ArgumentException("IPv6 multicast connections carry no TTL (RFC 8866 section 5.7).", nameof(ttl));
            }
        }
        else if (ttl is not null || count is not null)
        {
            throw new ArgumentException($"{address} is not a multicast group: it takes neither TTL nor count.", nameof(address));
        }

        return new SdpConnection("IN", type, address, ttl, count);
    }

    private static bool IsMulticast(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? (ip.GetAddressBytes()[0] & 0xF0) == 0xE0 : ip.IsIPv6Multicast;

    private static string AddressType(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
}

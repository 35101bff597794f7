using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Ldap;

/// <summary>TAPI's DIRECTORY_OBJECT_TYPE: OT_CONFERENCE = 1, OT_USER = 2.</summary>
public enum DirectoryObjectKind
{
    Conference = 1,
    User = 2,
}

/// <summary>What <see cref="LdapDirectoryWriter.PutConference"/> and <see cref="LdapDirectoryWriter.PutUser"/> did.</summary>
public enum PutOutcome
{
    /// <summary>No entry had the name; it was added.</summary>
    Created,

    /// <summary>Our entry was there; its attributes were replaced.</summary>
    Updated,

    /// <summary>An entry with the name belongs to another session (another SDP o= line); it was left alone.</summary>
    Conflict,
}

/// <summary>What <see cref="LdapDirectoryWriter.DeleteConference"/> and <see cref="LdapDirectoryWriter.DeleteUser"/> did.</summary>
public enum DeleteOutcome
{
    Deleted,

    /// <summary>No entry had the name (already deleted, or expired).</summary>
    Absent,

    /// <summary>The entry belongs to another session; it was left alone.</summary>
    Conflict,
}

/// <summary>
/// A conference as Rendezvous publishes it (TAPI ITDirectoryObjectConference).
/// </summary>
/// <param name="Name">The SDP s= name; the entry's RDN value (ILS uid, NTDS msTAPI-uid).</param>
/// <param name="Sdp">The conference blob, stored as UTF-8 bytes. Its o= line identifies the session and so the owner.</param>
/// <param name="Originator">The o= user name (ILS originator).</param>
/// <param name="Description">ILS generalDescription (the SDP i= line).</param>
/// <param name="Start">ILS startTime; null means unbounded.</param>
/// <param name="Stop">ILS stopTime; null means unbounded.</param>
/// <param name="AdvertisingScope">ILS advertisingScope (INTEGER, RND_ADVERTISING_SCOPE 1-4).</param>
/// <param name="Url">ILS url (the SDP u= line).</param>
public sealed record PublishedConference(
    string Name,
    string Sdp,
    string? Originator = null,
    string? Description = null,
    DateTimeOffset? Start = null,
    DateTimeOffset? Stop = null,
    SdpAdvertisingScope? AdvertisingScope = null,
    string? Url = null);

/// <summary>A user who can be called (TAPI ITDirectoryObjectUser).</summary>
/// <param name="Name">The entry's cn.</param>
/// <param name="IpPhoneAddress">
/// TAPI's IPPhonePrimary: an IP literal or a host name, stored without resolving it. ILS:
/// an IPv4 literal becomes the ipAddress DWORD, and the text as given goes into comment
/// (a host name or IPv6 literal has no DWORD form). NTDS: msTAPI-IpAddress holds the text
/// (IP literals in canonical form).
/// </param>
public sealed record PublishedUser(string Name, string? IpPhoneAddress);

/// <summary>An object found in a directory, published by Rendezvous or by any other program.</summary>
/// <param name="Name">ILS uid / NTDS msTAPI-uid for conferences, cn for users.</param>
/// <param name="TtlSeconds">The entry's entryTtl (RFC 2589) when it has one. slapd reports the seconds left until expiry, not the TTL last granted.</param>
public sealed record DiscoveredObject(DirectoryObjectKind Kind, string Dn, string Name, int? TtlSeconds)
{
    /// <summary>The conference blob as text (invalid UTF-8 replaced by U+FFFD); null when the entry has none.</summary>
    public string? BlobText { get; init; }

    /// <summary>The blob parsed leniently; null when it has errors (see <see cref="BlobErrors"/>) or is absent.</summary>
    public SessionDescription? Description { get; init; }

    /// <summary>Parse errors of the blob, each with its line (or byte offset) and what was expected.</summary>
    public IReadOnlyList<string> BlobErrors { get; init; } = [];

    /// <summary>ILS protocolID / NTDS msTAPI-ProtocolId, e.g. "IP Conference".</summary>
    public string? Protocol { get; init; }

    public string? Originator { get; init; }

    /// <summary>ILS generalDescription.</summary>
    public string? GeneralDescription { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? StopTime { get; init; }

    public SdpAdvertisingScope? AdvertisingScope { get; init; }

    public string? Url { get; init; }

    /// <summary>Users: addresses, dotted quad for ILS ipAddress DWORDs; values that are not a DWORD are passed through as written.</summary>
    public IReadOnlyList<string> IpAddresses { get; init; } = [];

    /// <summary>ILS users: the comment attribute (where Rendezvous keeps the address as given).</summary>
    public string? Comment { get; init; }
}

using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Ldap;

/// <summary>
/// Publishes conferences and users in one directory over one bound connection. Not
/// thread-safe: use one writer per thread (S.DS.P is synchronous; callers run it on the
/// thread pool). Every entry is an RFC 2589 dynamic object: it disappears unless refreshed.
/// LDAP failures other than the ones each member documents (no such entry, entry exists)
/// surface as S.DS.P's <see cref="DirectoryOperationException"/> with the server's result
/// code, e.g. strongAuthRequired for an anonymous writer, or <see cref="LdapException"/>
/// when the server cannot be reached.
/// </summary>
public sealed class LdapDirectoryWriter : IDisposable
{
    private static readonly SdpParseOptions OwnershipParse = SdpParseOptions.Lenient with { Validate = false };

    private readonly LdapConnection _connection;
    private readonly LdapDirectoryOptions _directory;
    private readonly DirectorySchema _schema;

    private LdapDirectoryWriter(LdapConnection connection, LdapDirectoryOptions directory)
    {
        _connection = connection;
        _directory = directory;
        _schema = DirectorySchema.For(directory.Flavour);
    }

    /// <summary>Connects and binds as configured (see <see cref="LdapConnectionFactory.Open"/>).</summary>
    public static LdapDirectoryWriter Open(LdapDirectoryOptions directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return new LdapDirectoryWriter(LdapConnectionFactory.Open(directory), directory);
    }

    /// <summary>ILS <c>uid=&lt;name&gt;,&lt;container&gt;</c>; NTDS <c>msTAPI-uid=&lt;name&gt;,&lt;container&gt;</c> (RFC 4514 escaped).</summary>
    public string ConferenceDn(string name) => Dn(_schema.ConferenceNameAttribute, name);

    /// <summary><c>cn=&lt;name&gt;,&lt;container&gt;</c> for both flavours (RFC 4514 escaped).</summary>
    public string UserDn(string name) => Dn(DirectorySchema.UserNameAttribute, name);

    /// <summary>
    /// Adds the conference, or replaces the attributes of the entry that has its name when that
    /// entry is ours: its blob's o= line (user name, session id, network type, address type,
    /// address) is the one in <see cref="PublishedConference.Sdp"/>. An entry of another
    /// session, or one whose blob cannot be read as SDP, is left alone: <see cref="PutOutcome.Conflict"/>.
    /// Then sets the TTL with the RFC 2589 refresh (slapd refuses entryTtl on add).
    /// A rename is the caller's delete of the old name and put of the new one (ILS has no ModifyDN).
    /// </summary>
    /// <exception cref="ArgumentException">Our SDP has no readable o= line.</exception>
    public PutOutcome PutConference(PublishedConference conference, int ttlSeconds)
    {
        ArgumentNullException.ThrowIfNull(conference);
        DynamicObjects.CheckTtl(ttlSeconds);
        var ours = OriginOf(conference.Sdp) ?? throw new ArgumentException("The conference SDP has no readable o= line, so its entries could not be recognised as ours.", nameof(conference));
        var dn = ConferenceDn(conference.Name);

        // Two rounds: an entry that appears between our read and our add is judged again.
        for (var round = 0; round < 2; round++)
        {
            if (!TryReadBlob(dn, out var blob))
            {
                try
                {
                    _connection.SendRequest(new AddRequest(dn, ConferenceAttributes(conference, forAdd: true).ToArray()));
                }
                catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.EntryAlreadyExists)
                {
                    continue;
                }

                DynamicObjects.Refresh(_connection, dn, ttlSeconds);
                return PutOutcome.Created;
            }

            if (!SameSession(blob, ours))
            {
                return PutOutcome.Conflict;
            }

            var modify = new ModifyRequest(dn);
            foreach (var attribute in ConferenceAttributes(conference, forAdd: false))
            {
                modify.Modifications.Add(Replace(attribute));
            }

            _connection.SendRequest(modify);
            DynamicObjects.Refresh(_connection, dn, ttlSeconds);
            return PutOutcome.Updated;
        }

        throw new InvalidOperationException($"'{dn}' kept appearing and disappearing while it was being published; try again.");
    }

    /// <summary>
    /// Sets an entry's TTL (RFC 2589 refresh) and returns the TTL the server granted, which may
    /// differ from the request: a server raises it to its minimum, and a TTL above the server's
    /// maximum is retried once with 86400 s (the lowest maximum slapd allows, AD's default), so
    /// the result is then 86400. Null when the entry no longer exists (it expired or was deleted).
    /// </summary>
    public int? Refresh(string dn, int ttlSeconds) => DynamicObjects.Refresh(_connection, dn, ttlSeconds);

    /// <summary>
    /// Deletes our conference entry. Idempotent: no entry gives <see cref="DeleteOutcome.Absent"/>.
    /// An entry of another session (by the o= rule of <see cref="PutConference"/>) is left alone:
    /// <see cref="DeleteOutcome.Conflict"/>.
    /// </summary>
    public DeleteOutcome DeleteConference(string name, string sdpOfOurs)
    {
        var ours = OriginOf(sdpOfOurs) ?? throw new ArgumentException("The SDP has no readable o= line.", nameof(sdpOfOurs));
        var dn = ConferenceDn(name);
        if (!TryReadBlob(dn, out var blob))
        {
            return DeleteOutcome.Absent;
        }

        return SameSession(blob, ours) ? Delete(dn) : DeleteOutcome.Conflict;
    }

    /// <summary>
    /// Adds the user (ILS rtPerson, NTDS msTAPI-RtPerson; cn=name) or replaces its address
    /// attributes, then sets its TTL. Users carry no session identity, so there is no ownership
    /// check: an existing user of that name is overwritten.
    /// </summary>
    /// <exception cref="ArgumentException">The address is neither an IP literal nor a DNS host name.</exception>
    public PutOutcome PutUser(PublishedUser user, int ttlSeconds)
    {
        ArgumentNullException.ThrowIfNull(user);
        DynamicObjects.CheckTtl(ttlSeconds);
        var dn = UserDn(user.Name);
        var attributes = UserAttributes(user);
        PutOutcome outcome;
        try
        {
            var add = new AddRequest(dn,
                new DirectoryAttribute("objectClass", _schema.UserClass, DirectorySchema.DynamicObjectClass),
                new DirectoryAttribute(DirectorySchema.UserNameAttribute, user.Name));
            foreach (var attribute in attributes.Where(a => a.Count > 0))
            {
                add.Attributes.Add(attribute);
            }

            _connection.SendRequest(add);
            outcome = PutOutcome.Created;
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.EntryAlreadyExists)
        {
            var modify = new ModifyRequest(dn);
            foreach (var attribute in attributes)
            {
                modify.Modifications.Add(Replace(attribute));
            }

            _connection.SendRequest(modify);
            outcome = PutOutcome.Updated;
        }

        DynamicObjects.Refresh(_connection, dn, ttlSeconds);
        return outcome;
    }

    /// <summary>Deletes the user entry; <see cref="DeleteOutcome.Absent"/> when there is none.</summary>
    public DeleteOutcome DeleteUser(string name) => Delete(UserDn(name));

    public void Dispose() => _connection.Dispose();

    private string Dn(string attribute, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"{attribute}={LdapNames.EscapeDnValue(name)},{_directory.ObjectContainerDn}";
    }

    private DeleteOutcome Delete(string dn)
    {
        try
        {
            _connection.SendRequest(new DeleteRequest(dn));
            return DeleteOutcome.Deleted;
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return DeleteOutcome.Absent;
        }
    }

    /// <summary>Reads the blob of the entry at <paramref name="dn"/>; false when there is no entry. An entry without a blob gives an empty one.</summary>
    private bool TryReadBlob(string dn, out byte[] blob)
    {
        blob = [];
        try
        {
            var response = (SearchResponse)_connection.SendRequest(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, _schema.BlobAttribute));
            if (response.Entries.Count == 0)
            {
                return false;
            }

            var entry = response.Entries[0];
            if (entry.Attributes.Contains(_schema.BlobAttribute) && entry.Attributes[_schema.BlobAttribute].GetValues(typeof(byte[])) is [byte[] value, ..])
            {
                blob = value;
            }

            return true;
        }
        catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.NoSuchObject)
        {
            return false;
        }
    }

    private static SdpOrigin? OriginOf(string sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        return SdpParser.Parse(sdp, OwnershipParse).Description?.Origin;
    }

    private static bool SameSession(byte[] blob, SdpOrigin ours) =>
        SdpParser.Parse(blob, OwnershipParse).Description?.Origin is { } theirs && theirs.IsSameSession(ours);

    /// <summary>The attributes of a conference; with <paramref name="forAdd"/> false, absent optional ones come back empty (a replace without values deletes them).</summary>
    private IEnumerable<DirectoryAttribute> ConferenceAttributes(PublishedConference c, bool forAdd)
    {
        if (forAdd)
        {
            yield return new DirectoryAttribute("objectClass", _schema.ConferenceClass, DirectorySchema.DynamicObjectClass);
            // The RDN attribute: set on add; a replace would touch the RDN, so it is left as it is.
            yield return new DirectoryAttribute(_schema.ConferenceNameAttribute, c.Name);
        }

        yield return new DirectoryAttribute(_schema.ProtocolAttribute, DirectorySchema.IpConference);
        yield return new DirectoryAttribute(_schema.BlobAttribute, Encoding.UTF8.GetBytes(c.Sdp));
        if (_directory.Flavour != DirectoryFlavour.Ils)
        {
            // msTAPI-RtConference has no other attributes: the rest lives in the blob.
            yield break;
        }

        yield return new DirectoryAttribute(DirectorySchema.IlsCn, c.Name);
        var optional = new (string Name, string? Value)[]
        {
            (DirectorySchema.IlsOriginator, c.Originator),
            (DirectorySchema.IlsDescription, c.Description),
            (DirectorySchema.IlsStartTime, c.Start is { } start ? GeneralizedTime.Format(start) : null),
            (DirectorySchema.IlsStopTime, c.Stop is { } stop ? GeneralizedTime.Format(stop) : null),
            (DirectorySchema.IlsAdvertisingScope, c.AdvertisingScope is { } scope ? ((int)scope).ToString(CultureInfo.InvariantCulture) : null),
            (DirectorySchema.IlsUrl, c.Url),
        };
        foreach (var (name, value) in optional)
        {
            if (value is not null)
            {
                yield return new DirectoryAttribute(name, value);
            }
            else if (!forAdd)
            {
                yield return new DirectoryAttribute { Name = name };
            }
        }
    }

    /// <summary>The address attributes of a user; empty ones mean "remove" in a replace and are left out of an add.</summary>
    private List<DirectoryAttribute> UserAttributes(PublishedUser user)
    {
        var text = user.IpPhoneAddress;
        IPAddress? ip = null;
        if (text is not null)
        {
            // "1" or "10.1" parse as IPv4 too; only a dotted quad or an IPv6 literal counts as an address here.
            if (IPAddress.TryParse(text, out var parsed) && (parsed.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(ch => ch == '.') == 3))
            {
                ip = parsed;
                text = parsed.ToString();
            }
            else if (Uri.CheckHostName(text) != UriHostNameType.Dns)
            {
                throw new ArgumentException($"'{text}' is neither an IP address nor a host name.", nameof(user));
            }
        }

        if (_directory.Flavour == DirectoryFlavour.Ntds)
        {
            var address = new DirectoryAttribute { Name = _schema.UserAddressAttribute };
            if (text is not null)
            {
                address.Add(text);
            }

            return [address];
        }

        var dword = new DirectoryAttribute { Name = _schema.UserAddressAttribute };
        if (ip is { AddressFamily: AddressFamily.InterNetwork })
        {
            dword.Add(IlsIpAddress.Encode(ip));
        }

        var comment = new DirectoryAttribute { Name = DirectorySchema.IlsComment };
        if (text is not null)
        {
            comment.Add(text);
        }

        return [dword, comment];
    }

    private static DirectoryAttributeModification Replace(DirectoryAttribute attribute)
    {
        var modification = new DirectoryAttributeModification { Name = attribute.Name, Operation = DirectoryAttributeOperation.Replace };
        foreach (var value in attribute.GetValues(typeof(byte[])))
        {
            modification.Add((byte[])value);
        }

        return modification;
    }
}

using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Text;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Ldap;

/// <summary>
/// TAPI's EnumerateDirectoryObjects as LDAP: a one-level search of the object container for
/// one kind of object with a name prefix, and the decoding of what comes back. Objects that
/// other programs published are decoded as leniently as ours.
/// </summary>
internal static class DirectorySearch
{
    private static readonly SdpParseOptions BlobParse = SdpParseOptions.Lenient;

    public static SearchRequest Request(LdapDirectoryOptions directory, DirectoryObjectKind kind, string? namePrefix)
    {
        var schema = DirectorySchema.For(directory.Flavour);
        var (objectClass, nameAttribute) = kind switch
        {
            DirectoryObjectKind.Conference => (schema.ConferenceClass, schema.ConferenceNameAttribute),
            DirectoryObjectKind.User => (schema.UserClass, DirectorySchema.UserNameAttribute),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a directory object kind"),
        };
        var filter = $"(&(objectClass={objectClass}){LdapNames.PrefixFilter(nameAttribute, namePrefix)})";
        return new SearchRequest(directory.ObjectContainerDn, filter, SearchScope.OneLevel, Attributes(schema, kind));
    }

    private static string[] Attributes(DirectorySchema schema, DirectoryObjectKind kind) => kind == DirectoryObjectKind.Conference
        ? [schema.ConferenceNameAttribute, schema.ProtocolAttribute, schema.BlobAttribute, DirectorySchema.EntryTtl,
            DirectorySchema.IlsOriginator, DirectorySchema.IlsDescription, DirectorySchema.IlsStartTime, DirectorySchema.IlsStopTime,
            DirectorySchema.IlsAdvertisingScope, DirectorySchema.IlsUrl]
        : [DirectorySchema.UserNameAttribute, schema.UserAddressAttribute, DirectorySchema.IlsComment, DirectorySchema.EntryTtl];

    public static DiscoveredObject Decode(SearchResultEntry entry, LdapDirectoryOptions directory, DirectoryObjectKind kind)
    {
        var schema = DirectorySchema.For(directory.Flavour);
        var ttl = int.TryParse(Text(entry, DirectorySchema.EntryTtl), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : (int?)null;
        if (kind == DirectoryObjectKind.User)
        {
            var addresses = Texts(entry, schema.UserAddressAttribute)
                .Select(value => directory.Flavour == DirectoryFlavour.Ils && IlsIpAddress.Decode(value) is { } ip ? ip.ToString() : value)
                .ToList();
            return new DiscoveredObject(kind, entry.DistinguishedName, Text(entry, DirectorySchema.UserNameAttribute) ?? "", ttl)
            {
                IpAddresses = addresses,
                Comment = directory.Flavour == DirectoryFlavour.Ils ? Text(entry, DirectorySchema.IlsComment) : null,
            };
        }

        var errors = new List<string>();
        var scopeText = Text(entry, DirectorySchema.IlsAdvertisingScope);
        SdpAdvertisingScope? scope = null;
        if (scopeText is not null)
        {
            if (int.TryParse(scopeText, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && Enum.IsDefined((SdpAdvertisingScope)s))
            {
                scope = (SdpAdvertisingScope)s;
            }
            else
            {
                errors.Add($"advertisingScope '{scopeText}' is not 1 (local), 2 (site), 3 (region) or 4 (world)");
            }
        }

        string? blobText = null;
        SessionDescription? description = null;
        if (Bytes(entry, schema.BlobAttribute) is { } blob)
        {
            // Replacement characters only for display; the parse below sees the bytes and reports the first bad one.
            blobText = Encoding.UTF8.GetString(blob);
            var parsed = SdpParser.Parse(blob, BlobParse with { AdvertisingScope = scope });
            description = parsed.Description;
            errors.AddRange(parsed.Errors.Select(e => e.ToString()));
        }
        else
        {
            errors.Add($"{schema.BlobAttribute} is missing");
        }

        return new DiscoveredObject(kind, entry.DistinguishedName, Text(entry, schema.ConferenceNameAttribute) ?? "", ttl)
        {
            BlobText = blobText,
            Description = description,
            BlobErrors = errors,
            Protocol = Text(entry, schema.ProtocolAttribute),
            Originator = Text(entry, DirectorySchema.IlsOriginator),
            GeneralDescription = Text(entry, DirectorySchema.IlsDescription),
            StartTime = GeneralizedTime.Parse(Text(entry, DirectorySchema.IlsStartTime)),
            StopTime = GeneralizedTime.Parse(Text(entry, DirectorySchema.IlsStopTime)),
            AdvertisingScope = scope,
            Url = Text(entry, DirectorySchema.IlsUrl),
        };
    }

    private static byte[]? Bytes(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute) && entry.Attributes[attribute].GetValues(typeof(byte[])) is [byte[] first, ..] ? first : null;

    private static string? Text(SearchResultEntry entry, string attribute) =>
        Bytes(entry, attribute) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    private static IEnumerable<string> Texts(SearchResultEntry entry, string attribute) =>
        entry.Attributes.Contains(attribute)
            ? entry.Attributes[attribute].GetValues(typeof(byte[])).Cast<byte[]>().Select(Encoding.UTF8.GetString)
            : [];
}

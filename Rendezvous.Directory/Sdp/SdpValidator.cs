namespace Rendezvous.Directory.Sdp;

/// <summary>What part of a description a rule speaks of, so the parser can name its line.</summary>
/// <param name="Type">The line type: 'c', 't', 'm' or 'r'; '\0' for the description as a whole.</param>
/// <param name="Media">The media section, or -1 for session level.</param>
/// <param name="Index">Which line of that type within the section (0-based).</param>
internal readonly record struct SdpLocation(char Type, int Media, int Index)
{
    public static SdpLocation Whole => new('\0', -1, 0);
}

internal readonly record struct SdpIssue(SdpSeverity Severity, SdpLocation Location, string Field, string Message, string? Expected)
{
    public SdpDiagnostic ToDiagnostic(int line) => new(Severity, line, Field, Message, Expected);
}

/// <summary>
/// Rules beyond syntax (RFC 8866 sections 5.7, 5.9, 5.10, 5.14; RFC 2365 scopes). The
/// parser runs them after a successful parse; call <see cref="Validate"/> for a description
/// that was built or edited in code.
/// </summary>
public static class SdpValidator
{
    /// <summary>Every problem found, errors and warnings; line numbers are 0 for a model without text.</summary>
    public static IReadOnlyList<SdpDiagnostic> Validate(SessionDescription description, SdpAdvertisingScope? advertisingScope = null)
    {
        List<SdpIssue>? issues = null;
        Check(description, advertisingScope, ref issues);
        return issues is null ? [] : [.. issues.Select(issue => issue.ToDiagnostic(0))];
    }

    /// <summary>Adds every finding to <paramref name="issues"/>, which is created only when there is one: a valid description costs no allocation.</summary>
    internal static void Check(SessionDescription description, SdpAdvertisingScope? scope, ref List<SdpIssue>? issues)
    {
        if (description.Connection is { } session)
        {
            if (session.Count is > 1)
            {
                // RFC 8866 section 5.7: "Multiple addresses or c= lines MUST NOT be specified at session level."
                Add(ref issues, new(SdpSeverity.Error, new('c', -1, 0), "c= number of addresses",
                    $"is {session.Count} at session level", "a single address at session level; several only in a media section"));
            }

            CheckConnection(session, new SdpLocation('c', -1, 0), scope, ref issues);
        }

        if (description.Key is not null || AnyMediaKey(description.Media))
        {
            // RFC 8866 section 5.12: k= is obsolete and its keys travel in the clear. It is
            // kept so that a description is served back as it came, but it should go.
            Add(ref issues, new(SdpSeverity.Warning, SdpLocation.Whole, "k=", "is obsolete (RFC 8866 section 5.12) and carries keys in the clear", "keys exchanged by a secure mechanism instead"));
        }

        for (var m = 0; m < description.Media.Count; m++)
        {
            var media = description.Media[m];
            for (var c = 0; c < media.Connections.Count; c++)
            {
                CheckConnection(media.Connections[c], new SdpLocation('c', m, c), scope, ref issues);
            }

            if (media.Connections.Count == 0 && description.Connection is null)
            {
                // RFC 8866 section 5.7: a c= line at session level, or in every media section.
                Add(ref issues, new(SdpSeverity.Error, new('m', m, 0), "c=", $"is missing for media section {m + 1} ({media.Kind}) and at session level", "c= at session level or in every media section"));
            }

            var addresses = media.Connections.Count > 0
                ? AddressCount(media.Connections)
                : description.Connection?.Count ?? 1;
            if (media.PortCount is > 1 && addresses > 1 && media.PortCount != addresses)
            {
                // RFC 8866 section 5.14: several ports and several addresses map one to one.
                Add(ref issues, new(SdpSeverity.Error, new('m', m, 0), "m= number of ports",
                    $"is {media.PortCount} but the connection has {addresses} addresses", "as many ports as addresses, or a single one of either"));
            }
        }

        for (var t = 0; t < description.Times.Count; t++)
        {
            var time = description.Times[t];
            if (time.Stop != 0 && time.Stop < time.Start)
            {
                Add(ref issues, new(SdpSeverity.Error, new('t', -1, t), "t= stop-time", "is before the start time", "a stop time after the start time, or 0 for unbounded"));
            }
            else if (time.Start == 0 && time.Stop != 0)
            {
                Add(ref issues, new(SdpSeverity.Warning, new('t', -1, t), "t= start-time", "is 0 (permanent) but the stop time is not", "t=0 0 for a permanent session"));
            }

            if (time.Repeats.Count > 0 && time.Start == 0)
            {
                // RFC 8866 section 5.10: repeat times count from the t= start time, which a
                // permanent session does not have.
                Add(ref issues, new(SdpSeverity.Error, new('r', t, 0), "r=", "repeats a session that has no start time (t=0 ...)", "a t= line with a start time"));
            }
            else if (time.Repeats.Count > 0 && time.Stop == 0)
            {
                Add(ref issues, new(SdpSeverity.Warning, new('r', t, 0), "r=", "repeats without end: the t= stop time is 0", "a bounded t= line for a repeated session"));
            }
        }
    }

    private static void Add(ref List<SdpIssue>? issues, SdpIssue issue) => (issues ??= []).Add(issue);

    // Loops rather than LINQ: ValueList is a struct, and LINQ would box it on every parse.
    private static bool AnyMediaKey(ValueList<SdpMedia> media)
    {
        foreach (var m in media.AsSpan())
        {
            if (m.Key is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static int AddressCount(ValueList<SdpConnection> connections)
    {
        var total = 0;
        foreach (var c in connections.AsSpan())
        {
            total += c.Count ?? 1;
        }

        return total;
    }

    private static void CheckConnection(SdpConnection connection, SdpLocation location, SdpAdvertisingScope? scope, ref List<SdpIssue>? issues)
    {
        if (connection.NetworkType != "IN" || !SdpAddress.TryClassify(connection.Address, out var ip4, out var multicast, out var width))
        {
            return; // a host name, or another network: nothing to say about scope
        }

        if (ip4 != (connection.AddressType == "IP4"))
        {
            // The TTL and count were read by the rules of the wrong family: say nothing more.
            Add(ref issues, new(SdpSeverity.Error, location, "c= addrtype", $"is {connection.AddressType} but the address is {(ip4 ? "IPv4" : "IPv6")}", ip4 ? "IP4" : "IP6"));
            return;
        }

        if (!multicast)
        {
            if (connection.Ttl is not null)
            {
                Add(ref issues, new(SdpSeverity.Error, location, "c= ttl", "is given for a unicast address", "a TTL only for IPv4 multicast"));
            }

            if (connection.Count is not null)
            {
                Add(ref issues, new(SdpSeverity.Error, location, "c= number of addresses", "is given for a unicast address", "a count only for multicast"));
            }

            return;
        }

        if (ip4 && connection.Ttl is null)
        {
            // RFC 8866 section 5.7: IPv4 multicast connection addresses must carry a TTL.
            Add(ref issues, new(SdpSeverity.Error, location, "c= ttl", "is missing for an IPv4 multicast address", "<address>/<ttl>"));
        }

        if (scope is { } advertised)
        {
            var wanted = Width(advertised);
            if (width != wanted)
            {
                Add(ref issues, new(SdpSeverity.Warning, location, "c= connection-address",
                    $"{connection.Address} is {Describe(width)} but the conference is advertised with {advertised.ToString().ToLowerInvariant()} scope",
                    $"{Describe(wanted)} address"));
            }

            if (connection.Ttl is { } ttl && ttl > ScopeTtl(advertised))
            {
                Add(ref issues, new(SdpSeverity.Warning, location, "c= ttl",
                    $"{ttl} reaches beyond {advertised.ToString().ToLowerInvariant()} scope", $"at most {ScopeTtl(advertised)}"));
            }
        }
    }

    // Scope widths: 0 link, 1 local/site, 2 organization/region, 3 global.
    private static int Width(SdpAdvertisingScope scope) => scope switch
    {
        SdpAdvertisingScope.Local or SdpAdvertisingScope.Site => 1,
        SdpAdvertisingScope.Region => 2,
        _ => 3,
    };

    private static int ScopeTtl(SdpAdvertisingScope scope) => scope switch
    {
        SdpAdvertisingScope.Local => 1,
        SdpAdvertisingScope.Site => 15,
        SdpAdvertisingScope.Region => 63,
        _ => 127,
    };

    private static string Describe(int width) => width switch
    {
        0 => "a link-local",
        1 => "a local-scope",
        2 => "an organization-scope",
        _ => "a global",
    };
}

/// <summary>Finds the line a validation rule speaks of, by counting lines of its type in its section.</summary>
internal static class SdpLineLocator
{
    public static int Find(ReadOnlySpan<char> text, SdpLocation location)
    {
        if (location.Type == '\0')
        {
            return 0;
        }

        // r= rules are reported against the t= they belong to.
        var type = location.Type == 'r' ? 't' : location.Type;
        var media = location.Type == 'r' ? -1 : location.Media;
        var wanted = location.Type == 'r' ? location.Media : location.Index;
        var section = -1;
        var seen = 0;
        var line = 0;
        foreach (var range in text.Split('\n'))
        {
            line++;
            var current = text[range];
            if (current.Length < 2 || current[1] != '=')
            {
                continue;
            }

            if (current[0] == 'm')
            {
                section++;
                if (type == 'm' && section == media)
                {
                    return line;
                }

                continue;
            }

            if (current[0] == type && section == media && seen++ == wanted)
            {
                return line;
            }
        }

        return 0;
    }
}

using System.Net;
using System.Net.Sockets;

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
    public static IReadOnlyList<SdpDiagnostic> Validate(SessionDescription description, SdpAdvertisingScope? advertisingScope = null) =>
        [.. Check(description, advertisingScope).Select(issue => issue.ToDiagnostic(0))];

    internal static IEnumerable<SdpIssue> Check(SessionDescription description, SdpAdvertisingScope? scope)
    {
        if (description.Connection is { } session)
        {
            if (session.Count is > 1)
            {
                // RFC 8866 section 5.7: "Multiple addresses or c= lines MUST NOT be specified at session level."
                yield return new(SdpSeverity.Error, new('c', -1, 0), "c= number of addresses",
                    $"is {session.Count} at session level", "a single address at session level; several only in a media section");
            }

            foreach (var issue in CheckConnection(session, new SdpLocation('c', -1, 0), scope))
            {
                yield return issue;
            }
        }

        if (description.Key is not null || description.Media.Any(m => m.Key is not null))
        {
            // RFC 8866 section 5.12: k= is obsolete and its keys travel in the clear. It is
            // kept so that a description is served back as it came, but it should go.
            yield return new(SdpSeverity.Warning, SdpLocation.Whole, "k=", "is obsolete (RFC 8866 section 5.12) and carries keys in the clear", "keys exchanged by a secure mechanism instead");
        }

        for (var m = 0; m < description.Media.Count; m++)
        {
            var media = description.Media[m];
            for (var c = 0; c < media.Connections.Count; c++)
            {
                foreach (var issue in CheckConnection(media.Connections[c], new SdpLocation('c', m, c), scope))
                {
                    yield return issue;
                }
            }

            if (media.Connections.Count == 0 && description.Connection is null)
            {
                // RFC 8866 section 5.7: a c= line at session level, or in every media section.
                yield return new(SdpSeverity.Error, new('m', m, 0), "c=", $"is missing for media section {m + 1} ({media.Kind}) and at session level", "c= at session level or in every media section");
            }

            var addresses = media.Connections.Count > 0
                ? media.Connections.Sum(c => c.Count ?? 1)
                : description.Connection?.Count ?? 1;
            if (media.PortCount is > 1 && addresses > 1 && media.PortCount != addresses)
            {
                // RFC 8866 section 5.14: several ports and several addresses map one to one.
                yield return new(SdpSeverity.Error, new('m', m, 0), "m= number of ports",
                    $"is {media.PortCount} but the connection has {addresses} addresses", "as many ports as addresses, or a single one of either");
            }
        }

        for (var t = 0; t < description.Times.Count; t++)
        {
            var time = description.Times[t];
            if (time.Stop != 0 && time.Stop < time.Start)
            {
                yield return new(SdpSeverity.Error, new('t', -1, t), "t= stop-time", "is before the start time", "a stop time after the start time, or 0 for unbounded");
            }
            else if (time.Start == 0 && time.Stop != 0)
            {
                yield return new(SdpSeverity.Warning, new('t', -1, t), "t= start-time", "is 0 (permanent) but the stop time is not", "t=0 0 for a permanent session");
            }

            if (time.Repeats.Count > 0 && time.Start == 0)
            {
                // RFC 8866 section 5.10: repeat times count from the t= start time, which a
                // permanent session does not have.
                yield return new(SdpSeverity.Error, new('r', t, 0), "r=", "repeats a session that has no start time (t=0 ...)", "a t= line with a start time");
            }
            else if (time.Repeats.Count > 0 && time.Stop == 0)
            {
                yield return new(SdpSeverity.Warning, new('r', t, 0), "r=", "repeats without end: the t= stop time is 0", "a bounded t= line for a repeated session");
            }
        }
    }

    private static IEnumerable<SdpIssue> CheckConnection(SdpConnection connection, SdpLocation location, SdpAdvertisingScope? scope)
    {
        if (connection.NetworkType != "IN" || !IPAddress.TryParse(connection.Address, out var address))
        {
            yield break; // a host name, or another network: nothing to say about scope
        }

        var ip4 = address.AddressFamily == AddressFamily.InterNetwork;
        if (ip4 != (connection.AddressType == "IP4"))
        {
            // The TTL and count were read by the rules of the wrong family: say nothing more.
            yield return new(SdpSeverity.Error, location, "c= addrtype", $"is {connection.AddressType} but the address is {(ip4 ? "IPv4" : "IPv6")}", ip4 ? "IP4" : "IP6");
            yield break;
        }

        var multicast = ip4 ? (address.GetAddressBytes()[0] & 0xF0) == 0xE0 : address.IsIPv6Multicast;
        if (!multicast)
        {
            if (connection.Ttl is not null)
            {
                yield return new(SdpSeverity.Error, location, "c= ttl", "is given for a unicast address", "a TTL only for IPv4 multicast");
            }

            if (connection.Count is not null)
            {
                yield return new(SdpSeverity.Error, location, "c= number of addresses", "is given for a unicast address", "a count only for multicast");
            }

            yield break;
        }

        if (ip4 && connection.Ttl is null)
        {
            // RFC 8866 section 5.7: IPv4 multicast connection addresses must carry a TTL.
            yield return new(SdpSeverity.Error, location, "c= ttl", "is missing for an IPv4 multicast address", "<address>/<ttl>");
        }

        if (scope is { } advertised)
        {
            var width = MulticastScopeWidth(address);
            var wanted = Width(advertised);
            if (width != wanted)
            {
                yield return new(SdpSeverity.Warning, location, "c= connection-address",
                    $"{connection.Address} is {Describe(width)} but the conference is advertised with {advertised.ToString().ToLowerInvariant()} scope",
                    $"{Describe(wanted)} address");
            }

            if (connection.Ttl is { } ttl && ttl > ScopeTtl(advertised))
            {
                yield return new(SdpSeverity.Warning, location, "c= ttl",
                    $"{ttl} reaches beyond {advertised.ToString().ToLowerInvariant()} scope", $"at most {ScopeTtl(advertised)}");
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

    private static int MulticastScopeWidth(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return bytes switch
            {
                [224, 0, 0, _] => 0,       // RFC 5771: local network control block
                [239, 255, _, _] => 1,     // RFC 2365 section 6.1: IPv4 local scope
                [239, _, _, _] => 2,       // RFC 2365: organization-local (239.192/14) and other administrative scopes
                _ => 3,                    // global
            };
        }

        // RFC 4291 section 2.7: the low 4 bits of the second byte are the scope.
        return (bytes[1] & 0x0F) switch
        {
            1 or 2 => 0,
            3 or 4 or 5 => 1,
            8 => 2,
            _ => 3,
        };
    }

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

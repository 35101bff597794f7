using System.Globalization;
using System.Text;

namespace Rendezvous.Directory.Sdp;

/// <summary>
/// Writes canonical SDP: RFC 8866 line order, CRLF line ends, one space between fields.
/// For every valid description, <c>SdpParser.Parse(Write(x)).Description == x</c>.
/// A description that came in as text and was not edited should be served as that text
/// (see <see cref="SdpDocument"/>), not rewritten.
/// </summary>
public static class SdpWriter
{
    /// <summary>
    /// Writes <paramref name="description"/>. Throws <see cref="ArgumentException"/> when a
    /// field cannot be written so that it reads back the same (a line break inside a text
    /// field, or an IPv4 address count without a TTL).
    /// </summary>
    public static string Write(SessionDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var sdp = new StringBuilder(256 + (description.Media.Count * 128));
        Line(sdp, 'v', description.Version.ToString(CultureInfo.InvariantCulture));
        var o = description.Origin;
        Line(sdp, 'o', $"{o.Username} {o.SessionId} {o.SessionVersion} {o.NetworkType} {o.AddressType} {o.UnicastAddress}");
        Line(sdp, 's', description.Name);
        Optional(sdp, 'i', description.Information);
        Optional(sdp, 'u', description.Uri);
        foreach (var email in description.Emails)
        {
            Line(sdp, 'e', email);
        }

        foreach (var phone in description.Phones)
        {
            Line(sdp, 'p', phone);
        }

        if (description.Connection is { } connection)
        {
            Line(sdp, 'c', Connection(connection));
        }

        Bandwidths(sdp, description.Bandwidths);
        foreach (var time in description.Times)
        {
            Line(sdp, 't', $"{time.Start} {time.Stop}");
            foreach (var repeat in time.Repeats)
            {
                var offsets = repeat.Offsets.Count == 0 ? "" : " " + string.Join(' ', repeat.Offsets);
                Line(sdp, 'r', $"{repeat.Interval} {repeat.ActiveDuration}{offsets}");
            }

            if (time.ZoneAdjustments.Count > 0)
            {
                Line(sdp, 'z', string.Join(' ', time.ZoneAdjustments.Select(z => $"{z.AdjustmentTime} {z.Offset}")));
            }
        }

        Key(sdp, description.Key);
        Attributes(sdp, description.Attributes);
        foreach (var media in description.Media)
        {
            var ports = media.PortCount is { } count ? $"{media.Port}/{count}" : media.Port.ToString(CultureInfo.InvariantCulture);
            var formats = media.Formats.Count == 0 ? "" : " " + string.Join(' ', media.Formats);
            Line(sdp, 'm', $"{media.Kind} {ports} {media.Proto}{formats}");
            Optional(sdp, 'i', media.Information);
            foreach (var mediaConnection in media.Connections)
            {
                Line(sdp, 'c', Connection(mediaConnection));
            }

            Bandwidths(sdp, media.Bandwidths);
            Key(sdp, media.Key);
            Attributes(sdp, media.Attributes);
        }

        return sdp.ToString();
    }

    private static string Connection(SdpConnection connection)
    {
        var address = connection.Address;
        if (connection.AddressType == "IP4")
        {
            if (connection.Ttl is { } ttl)
            {
                address += connection.Count is { } n ? $"/{ttl}/{n}" : $"/{ttl}";
            }
            else if (connection.Count is not null)
            {
                // "/n" alone would read back as a TTL (RFC 8866 section 5.7).
                throw new ArgumentException($"The IP4 connection to {connection.Address} has an address count but no TTL.", nameof(connection));
            }
        }
        else if (connection.Count is { } n)
        {
            address += $"/{n}";
        }

        return $"{connection.NetworkType} {connection.AddressType} {address}";
    }

    private static void Bandwidths(StringBuilder sdp, ValueList<SdpBandwidth> bandwidths)
    {
        foreach (var bandwidth in bandwidths)
        {
            Line(sdp, 'b', $"{bandwidth.Type}:{bandwidth.Value}");
        }
    }

    private static void Key(StringBuilder sdp, SdpKey? key)
    {
        if (key is not null)
        {
            Line(sdp, 'k', key.Value is null ? key.Method : $"{key.Method}:{key.Value}");
        }
    }

    private static void Attributes(StringBuilder sdp, ValueList<SdpAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            Line(sdp, 'a', attribute.Value is null ? attribute.Name : $"{attribute.Name}:{attribute.Value}");
        }
    }

    private static void Optional(StringBuilder sdp, char type, string? value)
    {
        if (value is not null)
        {
            Line(sdp, type, value);
        }
    }

    private static void Line(StringBuilder sdp, char type, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException($"The {type}= value contains a line break or NUL, which SDP cannot carry.", nameof(value));
        }

        sdp.Append(type).Append('=').Append(value).Append("\r\n");
    }
}

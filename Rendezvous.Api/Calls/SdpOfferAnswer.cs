using System.Globalization;
using System.Net;
using System.Text;
using Rendezvous.Directory.Sdp;
using Rendezvous.Media.Codecs;

namespace Rendezvous.Api.Calls;

/// <summary>What a call's remote party offered: where it receives, in which codec, and its telephone-event payload type.</summary>
internal sealed record MediaOffer(IPEndPoint Remote, AudioCodec Codec, byte? TelephoneEvent, IPEndPoint? Source = null);

/// <summary>
/// The offer/answer exchange of RFC 3264 for one audio stream: the first m=audio line over
/// RTP/AVP is taken, its first format we support (PCMU or PCMA) chosen, telephone-event kept
/// when offered; the answer names our address, the leg's port and the chosen formats.
/// </summary>
internal static class SdpOfferAnswer
{
    /// <summary>Reads an offer; on failure, <paramref name="error"/> says which line or field is at fault.</summary>
    public static MediaOffer? Read(SessionDescription offer, out string? error)
    {
        var audio = offer.Media.FirstOrDefault(m => m.Kind == "audio");
        if (audio is null)
        {
            error = "the offer has no m=audio line";
            return null;
        }

        if (!audio.Proto.Equals("RTP/AVP", StringComparison.OrdinalIgnoreCase))
        {
            error = $"m=audio uses {audio.Proto}; only RTP/AVP is supported";
            return null;
        }

        var connection = audio.Connections.Count > 0 ? audio.Connections[0] : offer.Connection;
        if (connection is null || !IPAddress.TryParse(connection.Address, out var address))
        {
            error = "no c= line with an IP address applies to m=audio";
            return null;
        }

        if (audio.Port is < 1 or > 65535)
        {
            error = $"m=audio port {audio.Port} is not a port we can send to (0 rejects the stream)";
            return null;
        }

        var maps = audio.Attributes.Where(a => a.Name == "rtpmap" && a.Value is not null)
            .Select(a => a.Value!.Split(' ', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        AudioCodec? codec = null;
        foreach (var format in audio.Formats)
        {
            // Static payload types 0 and 8 need no rtpmap; a dynamic one can name PCMU or PCMA too.
            var name = maps.TryGetValue(format, out var map) ? map.Split('/')[0].ToUpperInvariant() : format switch { "0" => "PCMU", "8" => "PCMA", _ => "" };
            if (name is "PCMU" or "PCMA" && byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) && pt <= 127)
            {
                codec = new AudioCodec(pt, name, 8000);
                break;
            }
        }

        if (codec is null)
        {
            error = $"m=audio offers {string.Join(' ', audio.Formats)}; none is PCMU or PCMA";
            return null;
        }

        byte? telephoneEvent = maps.FirstOrDefault(m => m.Value.StartsWith("telephone-event/8000", StringComparison.OrdinalIgnoreCase)) is { Key: { } te }
            && byte.TryParse(te, NumberStyles.None, CultureInfo.InvariantCulture, out var tePt) && tePt is >= 96 and <= 127 ? tePt : null;
        error = null;
        return new MediaOffer(new IPEndPoint(address, audio.Port), codec, telephoneEvent);
    }

    /// <summary>Our answer (or, for a call created from JSON, our offer): one audio stream on the leg's port.</summary>
    public static string Answer(IPAddress local, int port, AudioCodec codec, byte? telephoneEvent, Guid call)
    {
        var family = local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        var session = ((ulong)call.GetHashCode() & 0x7FFFFFFF).ToString(CultureInfo.InvariantCulture);
        var formats = telephoneEvent is { } te ? $"{codec.PayloadType} {te}" : $"{codec.PayloadType}";
        var sdp = new StringBuilder()
            .Append("v=0\r\n")
            .Append(CultureInfo.InvariantCulture, $"o=rendezvous {session} 1 IN {family} {local}\r\n")
            .Append("s=Rendezvous call\r\n")
            .Append(CultureInfo.InvariantCulture, $"c=IN {family} {local}\r\n")
            .Append("t=0 0\r\n")
            .Append(CultureInfo.InvariantCulture, $"m=audio {port} RTP/AVP {formats}\r\n")
            .Append(CultureInfo.InvariantCulture, $"a=rtpmap:{codec.PayloadType} {codec.EncodingName}/{codec.ClockRate}\r\n");
        if (telephoneEvent is { } events)
        {
            sdp.Append(CultureInfo.InvariantCulture, $"a=rtpmap:{events} telephone-event/8000\r\n")
               .Append(CultureInfo.InvariantCulture, $"a=fmtp:{events} 0-15\r\n");
        }

        return sdp.Append("a=ptime:20\r\na=sendrecv\r\n").ToString();
    }
}

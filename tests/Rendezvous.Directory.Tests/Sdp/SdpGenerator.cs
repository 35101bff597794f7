using System.Globalization;
using System.Text;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Tests.Sdp;

/// <summary>Random valid session descriptions, from a seed, for property tests and fuzzing.</summary>
internal sealed class SdpGenerator(int seed)
{
    private const string TokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`{|}~";
    private static readonly string[] Kinds = ["audio", "video", "text", "application", "message"];
    private static readonly string[] Protos = ["RTP/AVP", "RTP/SAVP", "udp", "TCP/RTP/AVP", "RTP/AVPF"];
    private static readonly string[] BandwidthTypes = ["CT", "AS", "TIAS", "X-YZ"];

    private readonly Random _random = new(seed);

    public Random Random => _random;

    public SessionDescription Next()
    {
        // RFC 8866 section 5.7: a single address at session level.
        var connection = Chance(0.8) ? MulticastConnection() with { Count = null } : null;
        var media = Many(0, 4, () => Media(needsConnection: connection is null));
        return new SessionDescription
        {
            Origin = new SdpOrigin(Token(), Digits(), Digits(), "IN", "IP4", $"192.0.2.{_random.Next(1, 255)}"),
            Name = Text(),
            Information = Chance(0.5) ? Text() : null,
            Uri = Chance(0.3) ? $"https://example.com/{Token()}" : null,
            Emails = [.. Many(0, 2, () => $"{Token()}@example.com ({Text()})")],
            Phones = [.. Many(0, 2, () => $"+1 617 555-{_random.Next(1000, 9999)}")],
            Connection = connection,
            Bandwidths = [.. Many(0, 2, Bandwidth)],
            Times = [.. Many(1, 3, Time)],
            Key = Chance(0.2) ? Key() : null,
            Attributes = [.. Many(0, 5, Attribute)],
            Media = [.. media],
        };
    }

    private SdpMedia Media(bool needsConnection)
    {
        var connections = needsConnection ? Many(1, 2, MulticastConnection) : Many(0, 1, MulticastConnection);
        var addresses = connections.Count > 0 ? connections.Sum(c => c.Count ?? 1) : 1;
        return new SdpMedia(Pick(Kinds), _random.Next(0, 65536), addresses > 1 && Chance(0.5) ? addresses : null, Pick(Protos),
            [.. Many(1, 5, () => _random.Next(0, 128).ToString(CultureInfo.InvariantCulture))])
        {
            Information = Chance(0.3) ? Text() : null,
            Connections = [.. connections],
            Bandwidths = [.. Many(0, 2, Bandwidth)],
            Key = Chance(0.1) ? Key() : null,
            Attributes = [.. Many(0, 4, Attribute)],
        };
    }

    private SdpConnection MulticastConnection() => Chance(0.7)
        ? new SdpConnection("IN", "IP4", $"239.255.{_random.Next(0, 256)}.{_random.Next(0, 256)}", _random.Next(0, 16), Chance(0.3) ? _random.Next(1, 5) : null)
        : new SdpConnection("IN", "IP6", $"ff15::{_random.Next(1, 0xffff):x}", null, Chance(0.3) ? _random.Next(1, 5) : null);

    private SdpBandwidth Bandwidth() => new(Pick(BandwidthTypes), _random.NextInt64(0, 100_000_000));

    private SdpTime Time()
    {
        var start = (ulong)_random.NextInt64(3_000_000_000, 5_000_000_000);
        var stop = Chance(0.2) ? 0 : start + (ulong)_random.NextInt64(0, 10_000_000);
        if (Chance(0.1))
        {
            return new SdpTime(0, 0);
        }

        var repeats = Many(0, 2, () => new SdpRepeat(TypedTime(1), TypedTime(0), [.. Many(1, 3, () => TypedTime(0))]));
        var zones = repeats.Count > 0 ? Many(0, 2, () => new SdpZoneAdjustment((ulong)_random.NextInt64(3_000_000_000, 5_000_000_000), SignedTypedTime())) : [];
        return new SdpTime(start, stop) { Repeats = [.. repeats], ZoneAdjustments = [.. zones] };
    }

    private SdpTypedTime TypedTime(int min) => new(_random.Next(min, 1000), (SdpTimeUnit)_random.Next(0, 5));

    private SdpTypedTime SignedTypedTime()
    {
        var time = TypedTime(0);
        return Chance(0.5) ? time with { Value = -time.Value } : time;
    }

    private SdpKey Key() => _random.Next(4) switch
    {
        0 => new SdpKey("prompt"),
        1 => new SdpKey("clear", Token()),
        2 => new SdpKey("base64", Convert.ToBase64String(Encoding.UTF8.GetBytes(Token()))),
        _ => new SdpKey("uri", $"https://keys.example.com/{Token()}"),
    };

    private SdpAttribute Attribute() => _random.Next(3) switch
    {
        0 => new SdpAttribute(Token()),
        1 => new SdpAttribute(Token(), ""),
        _ => new SdpAttribute(Token(), Text() + (Chance(0.3) ? ":with:colons" : "")),
    };

    /// <summary>Text without CR, LF or NUL, and without white space at its end (lenient mode trims that).</summary>
    public string Text()
    {
        var builder = new StringBuilder();
        var length = _random.Next(1, 30);
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(10) switch
            {
                0 => ' ',
                1 => (char)_random.Next(0xA0, 0x2FF),
                2 => "会議🎤é"[_random.Next(4)],
                _ => (char)_random.Next(0x21, 0x7F),
            });
        }

        var text = FixSurrogates(builder.ToString()).TrimEnd(' ', '\t');
        return text.Length == 0 ? "x" : text;
    }

    private static string FixSurrogates(string text)
    {
        // Keep only complete surrogate pairs, so the text survives UTF-8.
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(text[i]).Append(text[++i]);
            }
            else if (!char.IsSurrogate(text[i]))
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }

    private string Token() => new([.. Enumerable.Range(0, _random.Next(1, 12)).Select(_ => TokenChars[_random.Next(TokenChars.Length)])]);

    private string Digits() => new([.. Enumerable.Range(0, _random.Next(1, 40)).Select(i => (char)('0' + _random.Next(i == 0 ? 1 : 0, 10)))]);

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private List<T> Many<T>(int min, int max, Func<T> make) => [.. Enumerable.Range(0, _random.Next(min, max + 1)).Select(_ => make())];
}

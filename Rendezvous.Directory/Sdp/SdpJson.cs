using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rendezvous.Directory.Sdp;

/// <summary>
/// The JSON shape of a description, shared by the REST API and <c>rendezvous sdp check --json</c>.
/// Numbers that may be any length (o= session id and version) are strings, digits exactly
/// as written; NTP times are integers; typed times are in seconds. Absent values are null.
/// </summary>
public static class SdpJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = true,
    };

    public static Description From(SessionDescription d) => new(
        d.Version,
        new Origin(d.Origin.Username, d.Origin.SessionId, d.Origin.SessionVersion, d.Origin.NetworkType, d.Origin.AddressType, d.Origin.UnicastAddress),
        d.Name,
        d.Information,
        d.Uri,
        [.. d.Emails],
        [.. d.Phones],
        d.Connection is { } c ? From(c) : null,
        [.. d.Bandwidths.Select(From)],
        [.. d.Times.Select(t => new Time(
            t.Start,
            t.Stop,
            [.. t.Repeats.Select(r => new Repeat(r.Interval.TotalSeconds, r.ActiveDuration.TotalSeconds, [.. r.Offsets.Select(o => o.TotalSeconds)]))],
            [.. t.ZoneAdjustments.Select(z => new ZoneAdjustment(z.AdjustmentTime, z.Offset.TotalSeconds))]))],
        d.Key is { } k ? new Key(k.Method, k.Value) : null,
        [.. d.Attributes.Select(From)],
        [.. d.Media.Select(m => new Media(
            m.Kind, m.Port, m.PortCount, m.Proto, [.. m.Formats], m.Information,
            [.. m.Connections.Select(From)], [.. m.Bandwidths.Select(From)],
            m.Key is { } mk ? new Key(mk.Method, mk.Value) : null,
            [.. m.Attributes.Select(From)]))]);

    public static string Serialize(SessionDescription description) => JsonSerializer.Serialize(From(description), Options);

    private static Connection From(SdpConnection c) => new(c.NetworkType, c.AddressType, c.Address, c.Ttl, c.Count);

    private static Bandwidth From(SdpBandwidth b) => new(b.Type, b.Value);

    private static Attribute From(SdpAttribute a) => new(a.Name, a.Value);

    public sealed record Description(
        int Version, Origin Origin, string Name, string? Information, string? Uri,
        IReadOnlyList<string> Emails, IReadOnlyList<string> Phones, Connection? Connection,
        IReadOnlyList<Bandwidth> Bandwidths, IReadOnlyList<Time> Times, Key? Key,
        IReadOnlyList<Attribute> Attributes, IReadOnlyList<Media> Media);

    public sealed record Origin(string Username, string SessionId, string SessionVersion, string NetworkType, string AddressType, string Address);

    public sealed record Connection(string NetworkType, string AddressType, string Address, int? Ttl, int? Count);

    public sealed record Bandwidth(string Type, long Value);

    public sealed record Time(ulong Start, ulong Stop, IReadOnlyList<Repeat> Repeats, IReadOnlyList<ZoneAdjustment> ZoneAdjustments);

    public sealed record Repeat(long Interval, long ActiveDuration, IReadOnlyList<long> Offsets);

    public sealed record ZoneAdjustment(ulong Time, long Offset);

    public sealed record Key(string Method, string? Value);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "\"attribute\" is SDP's own name for a= lines.")]
    public sealed record Attribute(string Name, string? Value);

    public sealed record Media(
        string Kind, int Port, int? PortCount, string Proto, IReadOnlyList<string> Formats, string? Information,
        IReadOnlyList<Connection> Connections, IReadOnlyList<Bandwidth> Bandwidths, Key? Key, IReadOnlyList<Attribute> Attributes);
}

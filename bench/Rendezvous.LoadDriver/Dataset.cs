using System.Globalization;
using System.Text;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.LoadDriver;

internal enum SeedKind
{
    Single,
    Weekly,
    Permanent,
}

/// <summary>One generated conference: the SDP as both stores receive it, and what LDAP needs beside it.</summary>
internal sealed record SeedConference(
    Guid Id,
    SeedKind Kind,
    SdpDocument Document,
    SdpAdvertisingScope Scope,
    SdpBounds Bounds)
{
    public string Name => Document.Description.Name;

    public string Originator => Document.Description.Origin.Username;
}

/// <summary>
/// The benchmark's conferences, generated from a seed so that every run (and both stores in
/// one run) get the same set relative to "now": 1% permanent (t=0 0), 20% weekly series
/// (r=7d 1h 0 over 8 to 26 weeks, the first start between 120 days ago and 60 days ahead, so
/// some series already run and some have ended), and the rest single one-hour sessions spread
/// over the next 365 days. Names, groups, scopes, originators and media vary.
/// </summary>
internal static class Dataset
{
    private static readonly string[] Topics =
    [
        "Physics", "Chemistry", "Trading Floor", "Dispatch", "Town Hall", "Engineering", "Newsroom", "Campus",
        "Sales", "Support", "Finance", "Radio", "Research", "Operations", "Security", "Design", "Legal", "Medicine",
        "Mathematics", "Robotics", "Astronomy", "Logistics", "Facilities", "Training",
    ];

    private static readonly string[] Formats =
    [
        "Seminar", "Briefing", "Stand-up", "Lecture", "Review", "Broadcast", "Q and A", "Sync", "Workshop",
        "All-hands", "Colloquium", "Drill", "Office Hours", "Planning",
    ];

    public static IReadOnlyList<SeedConference> Generate(int count, int seed, DateTimeOffset now)
    {
        var random = new Random(seed);
        var permanent = Math.Max(1, count / 100);
        var weekly = count / 5;
        var kinds = new SeedKind[count];
        for (var i = 0; i < count; i++)
        {
            kinds[i] = i < permanent ? SeedKind.Permanent : i < permanent + weekly ? SeedKind.Weekly : SeedKind.Single;
        }

        random.Shuffle(kinds);
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var result = new List<SeedConference>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(Make(i, kinds[i], random, hour));
        }

        return result;
    }

    private static SeedConference Make(int index, SeedKind kind, Random random, DateTimeOffset hour)
    {
        Span<byte> idBytes = stackalloc byte[16];
        random.NextBytes(idBytes);
        idBytes[7] = (byte)((idBytes[7] & 0x0F) | 0x40); // version 4 (little-endian field order of Guid(ReadOnlySpan<byte>))
        idBytes[8] = (byte)((idBytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        var id = new Guid(idBytes);

        var topic = Topics[random.Next(Topics.Length)];
        var format = Formats[random.Next(Formats.Length)];
        var name = string.Create(CultureInfo.InvariantCulture, $"{topic} {format} {index % 1000}");
        var user = string.Create(CultureInfo.InvariantCulture, $"u{random.Next(5000):D4}");
        var scope = random.Next(10) switch
        {
            0 => SdpAdvertisingScope.Local,
            < 6 => SdpAdvertisingScope.Site,
            < 9 => SdpAdvertisingScope.Region,
            _ => SdpAdvertisingScope.World,
        };
        var (group, ttl) = scope switch
        {
            SdpAdvertisingScope.Local => (string.Create(CultureInfo.InvariantCulture, $"239.255.{random.Next(256)}.{random.Next(1, 255)}"), 1),
            SdpAdvertisingScope.Site => (string.Create(CultureInfo.InvariantCulture, $"239.255.{random.Next(256)}.{random.Next(1, 255)}"), 15),
            SdpAdvertisingScope.Region => (string.Create(CultureInfo.InvariantCulture, $"239.{192 + random.Next(4)}.{random.Next(256)}.{random.Next(1, 255)}"), 63),
            _ => (string.Create(CultureInfo.InvariantCulture, $"224.2.{128 + random.Next(128)}.{random.Next(1, 255)}"), 127),
        };

        string times;
        switch (kind)
        {
            case SeedKind.Permanent:
                times = "t=0 0\r\n";
                break;
            case SeedKind.Weekly:
            {
                // First start between 120 days ago and 60 days ahead, on a half hour; 8 to 26 weeks.
                var start = hour.AddMinutes(30L * random.Next(-120 * 48, 60 * 48));
                var weeks = random.Next(8, 27);
                var stop = start.AddDays(7 * (weeks - 1)).AddHours(1); // the last occurrence's end
                times = string.Create(CultureInfo.InvariantCulture, $"t={NtpTime.FromDateTimeOffset(start)} {NtpTime.FromDateTimeOffset(stop)}\r\nr=7d 1h 0\r\n");
                break;
            }

            default:
            {
                // One hour, starting on a quarter hour within the next 365 days.
                var start = hour.AddMinutes(15L * random.Next(1, 365 * 96));
                times = string.Create(CultureInfo.InvariantCulture, $"t={NtpTime.FromDateTimeOffset(start)} {NtpTime.FromDateTimeOffset(start.AddHours(1))}\r\n");
                break;
            }
        }

        var port = 5004 + (2 * random.Next(2000));
        var sdp = new StringBuilder(320)
            .Append(CultureInfo.InvariantCulture, $"v=0\r\no={user} {3_900_000_000L + index} 1 IN IP4 192.0.2.{1 + random.Next(254)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"s={name}\r\ni={format} of the {topic} group, hosted by {user}\r\n")
            .Append(CultureInfo.InvariantCulture, $"c=IN IP4 {group}/{ttl}\r\n")
            .Append(times)
            .Append(CultureInfo.InvariantCulture, $"m=audio {port} RTP/AVP 0 8\r\n");
        if (random.Next(10) < 4)
        {
            sdp.Append(CultureInfo.InvariantCulture, $"m=video {port + 2} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
        }

        var document = SdpDocument.Parse(sdp.ToString());
        return new SeedConference(id, kind, document, scope, SdpSchedule.Bounds(document.Description));
    }
}

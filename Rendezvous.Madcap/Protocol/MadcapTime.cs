using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// RFC 2730 section 3.7: absolute times are unsigned 32-bit seconds since 1970-01-01 00:00 UTC
/// (not NTP's 1900 epoch), so they run out in February 2106.
/// </summary>
public static class MadcapTime
{
    /// <summary>The latest time the wire can carry: 2106-02-07 06:28:15 UTC.</summary>
    public static DateTimeOffset MaxValue { get; } = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue);

    public static DateTimeOffset FromWire(uint seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    /// <summary>Whole seconds since 1970; false before 1970 or after <see cref="MaxValue"/>. Sub-second parts are dropped.</summary>
    public static bool TryToWire(DateTimeOffset time, out uint seconds)
    {
        var value = time.ToUnixTimeSeconds();
        seconds = (uint)Math.Clamp(value, 0, uint.MaxValue);
        return value is >= 0 and <= uint.MaxValue;
    }

    /// <summary>Whole seconds of a duration; false when negative or more than 2^32-1 seconds.</summary>
    public static bool TryToWire(TimeSpan duration, out uint seconds)
    {
        var value = duration.Ticks / TimeSpan.TicksPerSecond;
        seconds = (uint)Math.Clamp(value, 0, uint.MaxValue);
        return duration >= TimeSpan.Zero && value <= uint.MaxValue;
    }
}

internal static class MadcapAddresses
{
    /// <summary>Compares two addresses of one family as unsigned big-endian numbers.</summary>
    public static int Compare(IPAddress left, IPAddress right)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        left.TryWriteBytes(a, out var lengthA);
        right.TryWriteBytes(b, out var lengthB);
        return a[..lengthA].SequenceCompareTo(b[..lengthB]);
    }

    public static bool IsOf(this IPAddress address, MadcapAddressFamily family) => family switch
    {
        MadcapAddressFamily.IPv4 => address.AddressFamily == AddressFamily.InterNetwork,
        MadcapAddressFamily.IPv6 => address.AddressFamily == AddressFamily.InterNetworkV6,
        _ => false,
    };

    public static MadcapAddressFamily? FamilyOf(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => MadcapAddressFamily.IPv4,
        AddressFamily.InterNetworkV6 => MadcapAddressFamily.IPv6,
        _ => null,
    };
}

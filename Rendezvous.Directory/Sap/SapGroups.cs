using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// Where SAP announcements go (RFC 2974 section 3): one group per scope, all on <see cref="Port"/>.
/// Each call returns a new <see cref="IPAddress"/>.
/// </summary>
public static class SapGroups
{
    /// <summary>The UDP port of every SAP group.</summary>
    public const int Port = 9875;

    /// <summary>The group for IPv4 global scope: 224.2.127.254.</summary>
    public static IPAddress GlobalIPv4 => new([224, 2, 127, 254]);

    /// <summary>
    /// The group for an IPv4 administrative scope zone (RFC 2365, inside 239.0.0.0/8): the zone's highest
    /// address. 239.255.0.0/16 (local scope) gives 239.255.255.255; 239.192.0.0/14 (organization-local)
    /// gives 239.195.255.255. Host bits of <paramref name="zoneStart"/> are ignored. Throws
    /// <see cref="ArgumentException"/> for an address that is not IPv4 or a zone not inside 239.0.0.0/8.
    /// </summary>
    public static IPAddress ForIPv4Scope(IPAddress zoneStart, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(zoneStart);
        if (zoneStart.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{zoneStart} is not an IPv4 address.", nameof(zoneStart));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(prefixLength, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        Span<byte> bytes = stackalloc byte[4];
        zoneStart.TryWriteBytes(bytes, out _);
        if (bytes[0] != 239)
        {
            throw new ArgumentException($"{zoneStart}/{prefixLength} is not an administrative scope zone (239.0.0.0/8).", nameof(zoneStart));
        }

        var hostMask = prefixLength == 32 ? 0u : uint.MaxValue >> prefixLength;
        BinaryPrimitives.WriteUInt32BigEndian(bytes, BinaryPrimitives.ReadUInt32BigEndian(bytes) | hostMask);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// The group for an IPv6 scope: FF0X::2:7FFE, X being the scope value of RFC 4291 section 2.7
    /// (1 interface-local, 2 link-local, 5 site-local, 8 organization-local, 14 global).
    /// Throws <see cref="ArgumentOutOfRangeException"/> for the reserved values 0 and 15 and anything
    /// outside 0 to 15.
    /// </summary>
    public static IPAddress ForIPv6Scope(int scope)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scope, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scope, 14);
        Span<byte> bytes = stackalloc byte[16];
        bytes[0] = 0xFF;
        bytes[1] = (byte)scope;
        bytes[13] = 0x02;
        bytes[14] = 0x7F;
        bytes[15] = 0xFE;
        return new IPAddress(bytes);
    }
}

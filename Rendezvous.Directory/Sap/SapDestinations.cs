using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// An IPv4 administrative scope zone (RFC 2365): an inclusive range inside 239.0.0.0/8 and the TTL
/// that reaches across it. Its SAP group is its highest address (RFC 2974 section 3).
/// </summary>
public sealed record SapScopeZone(IPAddress First, IPAddress Last, byte Ttl)
{
    /// <summary>The zone's SAP group: its highest address, e.g. 239.255.255.255 for the local scope.</summary>
    public IPAddress Group => Last;

    /// <summary>Whether the zone is IPv4 and inside 239.0.0.0/8 (a range elsewhere is no administrative scope).</summary>
    public bool IsAdministrative => SapDestinations.IsAdministrativelyScoped(First) && SapDestinations.IsAdministrativelyScoped(Last) && Number(First) <= Number(Last);

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && Number(First) <= Number(address) && Number(address) <= Number(Last);

    internal long Size => Number(Last) - Number(First);

    internal static uint Number(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        return address.TryWriteBytes(bytes, out var written) && written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : 0;
    }
}

/// <summary>The administrative scope zones the announcer and the listener know (the host supplies them; in Rendezvous, the MADCAP scopes).</summary>
public interface ISapScopeZones
{
    /// <summary>The zones; those outside 239.0.0.0/8 or not IPv4 are ignored. May throw when the source is unreachable.</summary>
    Task<IReadOnlyList<SapScopeZone>> ZonesAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed list of zones.</summary>
public sealed class FixedSapScopeZones(IReadOnlyList<SapScopeZone> zones) : ISapScopeZones
{
    /// <summary>The IPv4 local scope 239.255.0.0/16 (TTL 16) and the organization-local scope 239.192.0.0/14 (TTL 32).</summary>
    public static FixedSapScopeZones Defaults { get; } = new(
    [
        new SapScopeZone(IPAddress.Parse("239.255.0.0"), IPAddress.Parse("239.255.255.255"), 16),
        new SapScopeZone(IPAddress.Parse("239.192.0.0"), IPAddress.Parse("239.195.255.255"), 32),
    ]);

    public IReadOnlyList<SapScopeZone> Zones => zones;

    public Task<IReadOnlyList<SapScopeZone>> ZonesAsync(CancellationToken cancellationToken) => Task.FromResult(zones);
}

/// <summary>One SAP group an announcement goes to, with the TTL (IPv6: hop limit) it is sent with.</summary>
public readonly record struct SapDestination(IPAddress Group, byte Ttl)
{
    public override string ToString() => $"{Group}/{Ttl}";
}

/// <summary>
/// Where a session is announced (RFC 2974 section 3): each multicast address of its c= lines
/// (session and media) gives a group, and a session in several scopes goes to each.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>IPv4 in 239.0.0.0/8: the highest address of the smallest administrative scope zone that holds
/// it, with the zone's TTL. An address in no known zone gives no group: announcing it anywhere else
/// would carry it past the boundary the zone stands for.</item>
/// <item>Other IPv4 multicast (global scope; not 224.0.0.0/24, which routers never forward):
/// 224.2.127.254, with the session's own TTL from its c= line (announced as far as the session reaches).</item>
/// <item>IPv6 multicast: FF0X::2:7FFE, X being the address's scope (RFC 4291), with hop limit 255 as
/// section 3 recommends: the scope, not the hop limit, bounds it.</item>
/// </list>
/// </remarks>
public static class SapDestinations
{
    /// <summary>The hop limit of announcements on IPv6 groups (and the TTL RFC 2974 recommends).</summary>
    public const byte RecommendedTtl = 255;

    /// <summary>The groups to announce <paramref name="description"/> on, each once (the highest TTL wins); empty when it has no multicast address that maps to one.</summary>
    public static IReadOnlyList<SapDestination> For(SessionDescription description, IReadOnlyList<SapScopeZone> zones)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(zones);
        var destinations = new List<SapDestination>();
        foreach (var connection in Connections(description))
        {
            if (For(connection, zones) is not { } destination)
            {
                continue;
            }

            var index = destinations.FindIndex(d => d.Group.Equals(destination.Group));
            if (index < 0)
            {
                destinations.Add(destination);
            }
            else if (destinations[index].Ttl < destination.Ttl)
            {
                destinations[index] = destination;
            }
        }

        return destinations;
    }

    /// <summary>The group for one c= line, or null when it names no multicast group that maps to one.</summary>
    public static SapDestination? For(SdpConnection connection, IReadOnlyList<SapScopeZone> zones)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(zones);
        if (!IPAddress.TryParse(connection.Address, out var address))
        {
            return null; // a host name: not a group
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!address.IsIPv6Multicast)
            {
                return null;
            }

            var scope = address.GetAddressBytes()[1] & 0x0F;
            return scope is >= 1 and <= 14 ? new SapDestination(SapGroups.ForIPv6Scope(scope), RecommendedTtl) : null;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork || !SapOptions.IsMulticast(address))
        {
            return null;
        }

        if (IsAdministrativelyScoped(address))
        {
            var zone = zones.Where(z => z.IsAdministrative && z.Contains(address)).OrderBy(z => z.Size).FirstOrDefault();
            return zone is null ? null : new SapDestination(zone.Group, zone.Ttl);
        }

        var bytes = address.GetAddressBytes();
        if (bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0)
        {
            return null; // 224.0.0.0/24: link-local control, never a session's group
        }

        return new SapDestination(SapGroups.GlobalIPv4, (byte)Math.Clamp(connection.Ttl ?? RecommendedTtl, 1, 255));
    }

    internal static bool IsAdministrativelyScoped(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 239;

    private static IEnumerable<SdpConnection> Connections(SessionDescription description)
    {
        if (description.Connection is { } session)
        {
            yield return session;
        }

        foreach (var media in description.Media)
        {
            foreach (var connection in media.Connections)
            {
                yield return connection;
            }
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Madcap.Leases;

/// <summary>A scope's name in one language (RFC 2730 section 3.10: the Multicast Scope List's names).</summary>
/// <param name="IsDefault">The name to use when none matches the client's language.</param>
public sealed record MadcapScopeName(string Language, string Name, bool IsDefault = false);

/// <summary>An inclusive range of addresses a scope never hands out.</summary>
public sealed record AddressRange(IPAddress First, IPAddress Last);

/// <summary>
/// A multicast scope the server allocates from: its range (the first address is the Scope ID),
/// the TTL clients must not exceed, names, lease defaults and exclusions.
/// </summary>
public sealed record MadcapScope(
    IPAddress First,
    IPAddress Last,
    byte Ttl,
    IReadOnlyList<MadcapScopeName> Names,
    TimeSpan DefaultLease,
    TimeSpan MaxLease,
    IReadOnlyList<AddressRange> Exclusions)
{
    /// <summary>The relative-assignment block: the highest 256 addresses (RFC 2365 section 9: SAP, MADCAP, SLP, MZAP live there).</summary>
    public const int RelativeBlockSize = 256;

    public Guid Id { get; init; }

    public long Version { get; init; } = 1;

    /// <summary>The scope's MADCAP server multicast address: its last address minus one (RFC 2730 sections 1.5 and 2.10).</summary>
    public IPAddress ServerGroup => Offset(Last, -1);

    /// <summary>The last address that may be leased: below the relative-assignment block.</summary>
    public IPAddress LastAllocatable => Offset(Last, -RelativeBlockSize);

    /// <summary>Whether the scope is large enough to lease anything after its relative-assignment block.</summary>
    public bool HasAllocatableAddresses => Compare(First, LastAllocatable) <= 0;

    public bool Contains(IPAddress address) => address.AddressFamily == First.AddressFamily && Compare(First, address) <= 0 && Compare(address, Last) <= 0;

    /// <summary>The address <paramref name="delta"/> after <paramref name="address"/> (negative: before), wrapping within its family.</summary>
    public static IPAddress Offset(IPAddress address, long delta)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true) + delta;
        var modulus = System.Numerics.BigInteger.One << (bytes.Length * 8);
        value = ((value % modulus) + modulus) % modulus;
        var result = new byte[bytes.Length];
        var written = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        written.CopyTo(result, result.Length - written.Length);
        return new IPAddress(result);
    }

    /// <summary>Compares two addresses of one family as unsigned big-endian numbers.</summary>
    public static int Compare(IPAddress a, IPAddress b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.AddressFamily != b.AddressFamily
            ? a.AddressFamily.CompareTo(b.AddressFamily)
            : a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
    }

    /// <summary>The checks a scope must pass before it is stored, as (field, message) pairs.</summary>
    public IEnumerable<(string Field, string Message)> Problems()
    {
        if (First.AddressFamily != Last.AddressFamily)
        {
            yield return ("last", "must be of the same address family as first");
            yield break;
        }

        if (!IsMulticast(First) || !IsMulticast(Last))
        {
            yield return ("first", "the range must be multicast (224.0.0.0/4 or ff00::/8)");
        }

        if (Compare(First, Last) > 0)
        {
            yield return ("last", "must not be below first");
        }
        else if (!HasAllocatableAddresses)
        {
            yield return ("last", $"the scope must hold more than its relative-assignment block of {RelativeBlockSize} addresses");
        }

        if (Ttl == 0)
        {
            yield return ("ttl", "must be from 1 to 255");
        }

        if (Names.Count == 0 || Names.Any(n => string.IsNullOrWhiteSpace(n.Language) || string.IsNullOrWhiteSpace(n.Name) || n.Language.Length > 255 || System.Text.Encoding.UTF8.GetByteCount(n.Name) > 255))
        {
            yield return ("names", "at least one name; each with a language tag and a name of 1-255 bytes");
        }

        if (Names.Count(n => n.IsDefault) > 1)
        {
            yield return ("names", "at most one name is the default");
        }

        if (DefaultLease <= TimeSpan.Zero || MaxLease < DefaultLease || MaxLease > TimeSpan.FromSeconds(uint.MaxValue))
        {
            yield return ("maxLeaseSeconds", "default lease must be positive and at most the maximum lease");
        }

        foreach (var exclusion in Exclusions)
        {
            if (!Contains(exclusion.First) || !Contains(exclusion.Last) || Compare(exclusion.First, exclusion.Last) > 0)
            {
                yield return ("exclusions", $"{exclusion.First}-{exclusion.Last} is not a range inside the scope");
            }
        }
    }

    /// <summary>Whether the address is an IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address.</summary>
    public static bool IsMulticast(IPAddress address) => address?.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };
}

/// <summary>What a client asks for (RFC 2730 sections 2.2 and 3): the options of a DISCOVER or REQUEST.</summary>
/// <param name="LeaseIdentifier">The client's Lease Identifier (section 2.4), opaque to the server.</param>
/// <param name="Scope">The Scope ID: the scope's first address.</param>
/// <param name="Client">The datagram's source address, for the per-client quota.</param>
/// <param name="Start">Start Time; null for as soon as possible.</param>
/// <param name="MaxStart">Maximum Start Time: the latest start the client accepts.</param>
/// <param name="LeaseTime">Lease Time wanted; null for the scope's default.</param>
/// <param name="MinLeaseTime">Minimum Lease Time the client accepts.</param>
public sealed record LeaseRequest(
    byte[] LeaseIdentifier,
    IPAddress Scope,
    IPAddress? Client,
    DateTimeOffset? Start = null,
    DateTimeOffset? MaxStart = null,
    TimeSpan? LeaseTime = null,
    TimeSpan? MinLeaseTime = null,
    int MinCount = 1,
    int DesiredCount = 1)
{
    /// <summary>Addresses to lease, all of them or none (those an OFFER held); null to search the scope.</summary>
    public IReadOnlyList<IPAddress>? Addresses { get; init; }

    /// <summary>Addresses a search passes over (those held for this server's outstanding offers).</summary>
    public IReadOnlyCollection<IPAddress>? Skip { get; init; }
}

/// <summary>
/// A request checked against its scope (<see cref="LeaseStore.PlanAsync"/>): the lease length,
/// how many addresses (at most <paramref name="Count"/>, at least <paramref name="MinCount"/>),
/// and the starts to try in turn; or why it cannot be granted.
/// </summary>
/// <param name="AsSoonAsPossible">The first start is now (no Start Time, or one already past).</param>
public sealed record LeasePlan(
    MadcapScope? Scope,
    TimeSpan Length,
    int Count,
    int MinCount,
    IReadOnlyList<DateTimeOffset> Starts,
    bool AsSoonAsPossible,
    LeaseOutcome? Refusal = null)
{
    public static LeasePlan Refused(LeaseFailure failure, string detail) =>
        new(null, TimeSpan.Zero, 0, 0, [], false, LeaseOutcome.Refused(failure, detail));
}

/// <summary>A lease as stored.</summary>
public sealed record Lease(
    Guid Id,
    byte[] LeaseIdentifier,
    IPAddress Scope,
    bool Offered,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyList<IPAddress> Addresses,
    IPAddress? Client);

/// <summary>Why a lease could not be granted; each maps onto a MADCAP NAK error (section 3.17).</summary>
public enum LeaseFailure
{
    /// <summary>The scope is not served here (error 0, extra data: the Multicast Scope option).</summary>
    NoSuchScope,

    /// <summary>The Minimum Lease Time exceeds what the scope allows (error 0, Minimum Lease Time option).</summary>
    LeaseTooShort,

    /// <summary>No addresses are free for the period, even at the Maximum Start Time (error 0).</summary>
    Exhausted,

    /// <summary>The client holds as many addresses as it may (error 0).</summary>
    QuotaExceeded,

    /// <summary>No lease has this Lease Identifier (error 3).</summary>
    UnknownLease,

    /// <summary>The Lease Identifier already names another lease (error 1: invalid request).</summary>
    LeaseIdentifierInUse,

    /// <summary>A renewal's longer period collides with another lease of the same address (error 0).</summary>
    RenewalConflict,

    /// <summary>More addresses than a lease may hold, or min above desired (error 1, Number of Addresses option).</summary>
    TooManyAddresses,
}

/// <summary>The lease granted, or why not.</summary>
public sealed record LeaseOutcome(Lease? Lease, LeaseFailure? Failure = null, string? Detail = null)
{
    public static LeaseOutcome Granted(Lease lease) => new(lease);

    public static LeaseOutcome Refused(LeaseFailure failure, string detail) => new(null, failure, detail);
}

using System.Net;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>What a conference asks for when its connection address is "auto".</summary>
/// <param name="Count">How many consecutive groups.</param>
/// <param name="Start">When the lease must begin; null for now.</param>
/// <param name="Stop">When it may end; null for open-ended.</param>
public sealed record MulticastAddressRequest(SdpAdvertisingScope Scope, int Count, DateTimeOffset? Start, DateTimeOffset? Stop, string Owner);

/// <summary>The addresses granted, the TTL of the scope they come from, and the lease.</summary>
/// <param name="Handle">
/// The lease as the source needs it to renew or release it later (opaque; for MADCAP, the saved
/// lease info). The catalog keeps it with the conference.
/// </param>
/// <param name="Until">When the lease ends.</param>
public sealed record MulticastAddressLease(IReadOnlyList<IPAddress> Addresses, int Ttl, string Handle, DateTimeOffset Until);

/// <summary>
/// Hands out multicast addresses for conferences (DESIGN.md: the catalog asks, the host
/// answers, with the MADCAP client). When no implementation is registered, "auto" is refused.
/// </summary>
public interface IMulticastAddressSource
{
    /// <summary>False when the source is configured off: "auto" is then refused, as with no source at all.</summary>
    bool Available => true;

    /// <summary>Leases addresses; throws <see cref="InvalidOperationException"/> when none can be had.</summary>
    Task<MulticastAddressLease> AllocateAsync(MulticastAddressRequest request, CancellationToken cancellationToken);

    /// <summary>Extends a lease so that it lasts until <paramref name="until"/> (null: as long as allowed); returns the new handle.</summary>
    Task<MulticastAddressLease> RenewAsync(string handle, DateTimeOffset? until, CancellationToken cancellationToken);

    /// <summary>Ends a lease early. A lease the source no longer knows counts as released.</summary>
    Task ReleaseAsync(string handle, CancellationToken cancellationToken);
}

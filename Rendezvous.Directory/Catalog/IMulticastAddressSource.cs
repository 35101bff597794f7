using System.Net;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>What a conference asks for when its connection address is "auto".</summary>
/// <param name="Count">How many consecutive groups.</param>
/// <param name="Start">When the lease must begin; null for now.</param>
/// <param name="Stop">When it may end; null for open-ended.</param>
public sealed record MulticastAddressRequest(SdpAdvertisingScope Scope, int Count, DateTimeOffset? Start, DateTimeOffset? Stop, string Owner);

/// <summary>The addresses granted and the TTL of the scope they come from.</summary>
public sealed record MulticastAddressLease(IReadOnlyList<IPAddress> Addresses, int Ttl);

/// <summary>
/// Hands out multicast addresses for conferences (DESIGN.md: the catalog asks, the host
/// answers, with the MADCAP client). When no implementation is registered, "auto" is refused.
/// </summary>
public interface IMulticastAddressSource
{
    /// <summary>Leases addresses; throws <see cref="InvalidOperationException"/> when none can be had.</summary>
    Task<MulticastAddressLease> AllocateAsync(MulticastAddressRequest request, CancellationToken cancellationToken);
}

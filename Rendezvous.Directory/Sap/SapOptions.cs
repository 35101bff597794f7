using System.ComponentModel.DataAnnotations;
using System.Net;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Sap;

/// <summary>
/// SAP (RFC 2974): configuration section <c>Rendezvous:Sap</c>. Both the announcer and the
/// listener are off unless configured, so that a service started on a real network never
/// multicasts or joins groups by surprise.
/// </summary>
public sealed class SapOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Sap";

    /// <summary>Whether this instance takes part in announcing the catalog's conferences (one instance at a time announces; see <see cref="SapAnnouncer"/>).</summary>
    public bool Announce { get; set; }

    /// <summary>Whether this instance listens to the SAP groups and keeps the sessions it hears.</summary>
    public bool Listen { get; set; }

    /// <summary>
    /// Local addresses whose interfaces announcements are sent on and groups joined on. The
    /// first of each family is the origin of our packets. Empty: 127.0.0.1 only, so that nothing
    /// leaves the host unless asked for.
    /// </summary>
    public List<string> Interfaces { get; } = [];

    /// <summary>
    /// The SAP groups the listener joins. Empty: 224.2.127.254 (IPv4 global scope) and the highest
    /// address of each IPv4 administrative scope zone (the MADCAP scopes inside 239.0.0.0/8).
    /// </summary>
    public List<string> ListenGroups { get; } = [];

    /// <summary>The advertising scopes whose conferences are announced; empty means all.</summary>
    public List<SdpAdvertisingScope> AdvertisingScopes { get; set; } = [];

    /// <summary>The bandwidth SAP may use in each group, in bits per second (RFC 2974 section 3.1: 4000 by default).</summary>
    [Range(100, 100_000_000)]
    public int BandwidthLimit { get; set; } = (int)SapTiming.DefaultBandwidthLimit;

    /// <summary>
    /// The floor of the announcement interval, in seconds. RFC 2974 says 300; a lower value is for
    /// tests only (a listener such as VLC shows a session when it hears it, and tests should not wait).
    /// </summary>
    [Range(1, 3600)]
    public int MinimumIntervalSeconds { get; set; } = (int)SapTiming.MinimumInterval.TotalSeconds;

    /// <summary>Most sessions the listener keeps; a newly heard one beyond this pushes out the one heard least recently.</summary>
    [Range(1, 1_000_000)]
    public int MaxSessions { get; set; } = 1000;

    /// <summary>How often an instance that is not the announcer tries to become it, in seconds (also how long a failover takes at most).</summary>
    [Range(1, 3600)]
    public int LeaderRetrySeconds { get; set; } = 5;

    /// <summary>The interfaces in effect: the configured ones, or IPv4 loopback.</summary>
    public IReadOnlyList<IPAddress> EffectiveInterfaces =>
        Interfaces.Count > 0 ? [.. Interfaces.Select(IPAddress.Parse)] : [IPAddress.Loopback];

    public TimeSpan MinimumInterval => TimeSpan.FromSeconds(MinimumIntervalSeconds);

    /// <summary>Whether conferences of this advertising scope are announced.</summary>
    public bool Announces(SdpAdvertisingScope scope) => AdvertisingScopes.Count == 0 || AdvertisingScopes.Contains(scope);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Interfaces.Count; i++)
        {
            if (!IPAddress.TryParse(Interfaces[i], out var address))
            {
                yield return new ValidationResult($"'{Interfaces[i]}' is not an IP address", [$"{nameof(Interfaces)}:{i}"]);
            }
            else if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || IsMulticast(address))
            {
                yield return new ValidationResult($"'{Interfaces[i]}' is not the address of an interface (it is the origin of our SAP packets)", [$"{nameof(Interfaces)}:{i}"]);
            }
        }

        for (var i = 0; i < ListenGroups.Count; i++)
        {
            if (!IPAddress.TryParse(ListenGroups[i], out var group) || !IsMulticast(group))
            {
                yield return new ValidationResult($"'{ListenGroups[i]}' is not a multicast address", [$"{nameof(ListenGroups)}:{i}"]);
            }
        }
    }

    internal static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        System.Net.Sockets.AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        System.Net.Sockets.AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };
}

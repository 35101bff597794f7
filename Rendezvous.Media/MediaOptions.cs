using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Rendezvous.Media;

/// <summary>The RTP relay and mixer: configuration section <c>Rendezvous:Media</c>.</summary>
public sealed class MediaOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Media";

    /// <summary>Local address that media legs bind to.</summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>First UDP port of the RTP range. RTP takes the even port, RTCP the next odd one (RFC 3550 section 11).</summary>
    [Range(1024, 65534)]
    public int RtpPortMin { get; set; } = 40000;

    /// <summary>Last UDP port of the RTP range (inclusive, an RTCP port).</summary>
    [Range(1025, 65535)]
    public int RtpPortMax { get; set; } = 40999;

    /// <summary>Symmetric RTP: latch each leg to the first source it hears (parties behind NAT). Off: only the negotiated remote party is heard.</summary>
    public bool LatchToFirstSource { get; set; }

    /// <summary>RTP (and RTCP) packets per second accepted from each leg's party; beyond it they are dropped and counted.</summary>
    [Range(10, 10_000)]
    public int MaxPacketsPerSecond { get; set; } = 200;

    /// <summary>
    /// Threads that receive every leg's RTP and RTCP (Linux: each owns an epoll set and hands each
    /// datagram to its leg on the spot). 0: no such threads; each socket is read by an asynchronous
    /// receive on the thread pool, which is also what runs off Linux. Default: two, or one on a one-core machine.
    /// </summary>
    [Range(0, 64)]
    public int ReceiveThreads { get; set; } = DefaultReceiveThreads;

    /// <summary>The default of <see cref="ReceiveThreads"/>: min(2, processor count).</summary>
    public static int DefaultReceiveThreads => Math.Min(2, Environment.ProcessorCount);

    /// <summary>A leg with a remote party that sends nothing for this long is dropped, and its hub told.</summary>
    [Range(1, 86_400)]
    public int SilenceTimeoutSeconds { get; set; } = 30;

    /// <summary>Most parties in one conference (LINEADDRESSCAPS.dwMaxNumConference).</summary>
    [Range(3, 32)]
    public int MaxConferenceParties { get; set; } = 16;

    /// <summary>Packets per second accepted from a call hub's multicast group, all its senders together.</summary>
    [Range(50, 100_000)]
    public int MaxGroupPacketsPerSecond { get; set; } = 1000;

    /// <summary>The highest TTL (IPv6 hop limit) a call hub may send to its multicast group with.</summary>
    [Range(1, 255)]
    public int MaxMulticastTtl { get; set; } = 32;

    /// <summary>The local address multicast groups are joined and sent on; empty: the routing table decides.</summary>
    public string? MulticastInterface { get; set; }

    /// <summary>
    /// The base URL (http or https) of this instance, where other instances send clients for its
    /// calls and hubs; empty: the server's first listening address.
    /// </summary>
    public string? InstanceUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MulticastInterface is { Length: > 0 } local && !IPAddress.TryParse(local, out _))
        {
            yield return new ValidationResult($"'{local}' is not an IP address", [nameof(MulticastInterface)]);
        }

        if (InstanceUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"'{url}' is not an absolute http or https URL", [nameof(InstanceUrl)]);
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult($"'{BindAddress}' is not an IP address", [nameof(BindAddress)]);
        }

        if (RtpPortMin % 2 != 0)
        {
            yield return new ValidationResult("must be even: RTP uses even ports and RTCP the next odd one", [nameof(RtpPortMin)]);
        }

        if (RtpPortMax <= RtpPortMin)
        {
            yield return new ValidationResult($"must be greater than RtpPortMin ({RtpPortMin})", [nameof(RtpPortMax)]);
        }
    }
}

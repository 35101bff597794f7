using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Rendezvous.Madcap;

/// <summary>The MADCAP server (RFC 2730): configuration section <c>Rendezvous:Madcap</c>.</summary>
public sealed class MadcapOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Madcap";

    /// <summary>RFC 2730 section 2.1: MADCAP's well-known UDP port is 2535.</summary>
    public const int WellKnownPort = 2535;

    /// <summary>UDP port the server listens on.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = WellKnownPort;

    /// <summary>Local addresses to listen on; loopback by default, so nothing is exposed unless asked for.</summary>
    public List<string> ListenAddresses { get; } = [];

    /// <summary>The addresses in effect: the configured ones, or IPv4 loopback when none are configured.</summary>
    public IReadOnlyList<string> EffectiveListenAddresses => ListenAddresses.Count > 0 ? ListenAddresses : ["127.0.0.1"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ListenAddresses.Count; i++)
        {
            if (!IPAddress.TryParse(ListenAddresses[i], out _))
            {
                yield return new ValidationResult($"'{ListenAddresses[i]}' is not an IP address", [$"{nameof(ListenAddresses)}:{i}"]);
            }
        }
    }
}

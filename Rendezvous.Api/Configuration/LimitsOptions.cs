using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Api.Configuration;

/// <summary>Request limits: configuration section <c>Rendezvous:Limits</c>.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Rendezvous:Limits";

    /// <summary>Largest request body accepted (SDP or JSON), in bytes.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Writes (POST, PUT, DELETE) allowed per caller per minute; more get 429.</summary>
    [Range(1, 1_000_000)]
    public int WritesPerMinute { get; set; } = 120;
}

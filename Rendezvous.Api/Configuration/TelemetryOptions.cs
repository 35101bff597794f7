using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Api.Configuration;

/// <summary>OpenTelemetry export: configuration section <c>Rendezvous:Telemetry</c>. Off unless an endpoint is set.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Rendezvous:Telemetry";

    /// <summary>OTLP collector endpoint, e.g. http://127.0.0.1:4318 (HTTP/protobuf) or :4317 (gRPC).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>"HttpProtobuf" or "Grpc".</summary>
    public string OtlpProtocol { get; set; } = "HttpProtobuf";

    /// <summary>How often metrics are pushed.</summary>
    [Range(1, 3600)]
    public int MetricExportIntervalSeconds { get; set; } = 60;

    [Required]
    public string ServiceName { get; set; } = "rendezvous";

    public bool Enabled => !string.IsNullOrEmpty(OtlpEndpoint);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OtlpEndpoint is not null && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"'{OtlpEndpoint}' is not an http(s) URL", [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not ("HttpProtobuf" or "Grpc"))
        {
            yield return new ValidationResult("must be HttpProtobuf or Grpc", [nameof(OtlpProtocol)]);
        }
    }
}

using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rendezvous.Api.Configuration;
using Rendezvous.Directory;
using Rendezvous.Madcap;
using Rendezvous.Media;

namespace Rendezvous.Api.Telemetry;

/// <summary>
/// Exports every library's meter, ASP.NET Core's and Kestrel's meters, and request and
/// Npgsql traces over OTLP, when <c>Rendezvous:Telemetry:OtlpEndpoint</c> is set.
/// Built by hand with the SDK builders (OpenTelemetry.Extensions.Hosting is not on this
/// project's package feed); it lives exactly as long as the host runs.
/// </summary>
internal sealed class TelemetryExport(IOptions<TelemetryOptions> options, ILogger<TelemetryExport> logger) : IHostedService, IDisposable
{
    public static readonly string[] MeterNames =
    [
        ApiMetrics.MeterName,
        DirectoryTelemetry.MeterName,
        MadcapTelemetry.MeterName,
        MediaTelemetry.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Npgsql", // connection pool and command durations
        "System.Runtime", // the runtime's own: GC collections and pause time, thread pool, CPU
    ];

    private static readonly string[] ActivitySources = ["Microsoft.AspNetCore", "Npgsql"];

    private MeterProvider? _meters;
    private TracerProvider? _traces;

    /// <summary>Whether telemetry leaves the process.</summary>
    internal bool IsExporting => _meters is not null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return Task.CompletedTask;
        }

        var protocol = settings.OtlpProtocol == "Grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService(settings.ServiceName);
        _meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(MeterNames)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, settings, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.MetricExportIntervalSeconds * 1000;
            })
            .Build();
        _traces = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(ActivitySources)
            .AddOtlpExporter(exporter => Configure(exporter, settings, protocol, "v1/traces"))
            .Build();
        Log.TelemetryExportEnabled(logger, settings.OtlpProtocol, settings.OtlpEndpoint!);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Flush what was measured since the last export.
        _meters?.ForceFlush(5000);
        _traces?.ForceFlush(5000);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meters?.Dispose();
        _traces?.Dispose();
    }

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions settings, OtlpExportProtocol protocol, string signalPath)
    {
        exporter.Protocol = protocol;
        var endpoint = new Uri(settings.OtlpEndpoint!);
        // OTLP/HTTP posts each signal to its own path; gRPC takes the bare endpoint.
        exporter.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/" + signalPath)
            : endpoint;
    }
}

using System.Diagnostics.Metrics;

namespace Rendezvous.Directory;

/// <summary>Instruments of the <see cref="DirectoryTelemetry.MeterName"/> meter.</summary>
public sealed class DirectoryMetrics
{
    private readonly Histogram<double> _probeDuration;
    private readonly Counter<long> _publishOperations;

    public DirectoryMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DirectoryTelemetry.MeterName);
        _probeDuration = meter.CreateHistogram<double>(
            "rendezvous.ldap.probe.duration", unit: "s",
            description: "Time to connect, bind and read the base entry of a directory, by directory and outcome.");
        _publishOperations = meter.CreateCounter<long>(
            "rendezvous.ldap.publish.operations",
            description: "Directory writes of the publisher, by directory, operation (put, delete, refresh, mark) and outcome.");
    }

    public void PublishOperation(string directory, string operation, string outcome) =>
        _publishOperations.Add(1,
            new KeyValuePair<string, object?>("directory", directory),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", outcome));

    public void RecordProbe(string directory, bool reachable, TimeSpan elapsed) =>
        _probeDuration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("directory", directory),
            new KeyValuePair<string, object?>("outcome", reachable ? "reachable" : "unreachable"));
}

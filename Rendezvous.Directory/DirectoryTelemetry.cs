namespace Rendezvous.Directory;

/// <summary>Names under which this library reports metrics and traces.</summary>
public static class DirectoryTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of Rendezvous.Directory.</summary>
    public const string MeterName = "Rendezvous.Directory";
}

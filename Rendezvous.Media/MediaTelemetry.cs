namespace Rendezvous.Media;

/// <summary>Names under which this library reports metrics.</summary>
public static class MediaTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of Rendezvous.Media.</summary>
    public const string MeterName = "Rendezvous.Media";
}

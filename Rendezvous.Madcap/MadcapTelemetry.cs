namespace Rendezvous.Madcap;

/// <summary>Names under which this library reports metrics.</summary>
public static class MadcapTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of Rendezvous.Madcap.</summary>
    public const string MeterName = "Rendezvous.Madcap";
}

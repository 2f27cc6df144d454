namespace Cacheback;

/// <summary>
/// The names under which Cacheback reports: give them to OpenTelemetry
/// (<c>.WithTracing(t =&gt; t.AddSource(CachebackDiagnostics.ActivitySourceName))</c>,
/// <c>.WithMetrics(m =&gt; m.AddMeter(CachebackDiagnostics.MeterName))</c>) or to dotnet-counters.
/// </summary>
public static class CachebackDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of Cacheback's spans: <c>"Cacheback"</c>.</summary>
    public const string ActivitySourceName = "Cacheback";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> of Cacheback's counters and gauges: <c>"Cacheback"</c>.</summary>
    public const string MeterName = "Cacheback";
}

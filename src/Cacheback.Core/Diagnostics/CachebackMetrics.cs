using System.Diagnostics.Metrics;

namespace Cacheback;

/// <summary>
/// The counters Cacheback reports on the meter named "Cacheback" (OpenTelemetry and
/// dotnet-counters pick it up by that name). Every measurement is tagged with <c>cacheback.job</c>.
/// </summary>
public static class CachebackMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Cacheback";

    internal static readonly Meter Meter = new(MeterName);
    internal static readonly Counter<long> Hits = Meter.CreateCounter<long>("cacheback.hits", description: "Reads that found a fresh value");
    internal static readonly Counter<long> StaleHits = Meter.CreateCounter<long>("cacheback.stale_hits", description: "Reads that served a stale value");
    internal static readonly Counter<long> Misses = Meter.CreateCounter<long>("cacheback.misses", description: "Reads that found nothing usable");
    internal static readonly Counter<long> RefreshesStarted = Meter.CreateCounter<long>("cacheback.refreshes.started", description: "Refresh requests enqueued");
    internal static readonly Counter<long> RefreshesSucceeded = Meter.CreateCounter<long>("cacheback.refreshes.succeeded", description: "Refreshes fetched and stored");
    internal static readonly Counter<long> RefreshesFailed = Meter.CreateCounter<long>("cacheback.refreshes.failed", description: "Refreshes that threw or timed out");
    internal static readonly Counter<long> Evictions = Meter.CreateCounter<long>("cacheback.memory.evictions", description: "Entries a memory store evicted to stay within its bound");
    internal static readonly Counter<long> Expirations = Meter.CreateCounter<long>("cacheback.memory.expirations", description: "Entries past their TTL that a memory store's sweep removed");
    internal static readonly Histogram<double> FetchDuration = Meter.CreateHistogram<double>("cacheback.fetch.duration", unit: "s", description: "Time spent in fetches, synchronous and background");

    internal static KeyValuePair<string, object?> JobTag(string job) => new("cacheback.job", job);
}

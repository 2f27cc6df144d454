using System.Diagnostics.Metrics;

namespace Cacheback;

/// <summary>
/// The instruments of one runtime, on its meter named "Cacheback": made by the host's
/// <see cref="IMeterFactory"/> when there is one (which then owns the meter), else a meter of its
/// own that the runtime disposes. Counters are tagged with <c>cacheback.job</c>, queue gauges with
/// <c>cacheback.queue</c>.
/// </summary>
internal sealed class CachebackMetrics : IDisposable
{
    public const string JobTagName = "cacheback.job";
    public const string QueueTagName = "cacheback.queue";
    private readonly bool _ownsMeter;

    public CachebackMetrics(IMeterFactory? factory)
    {
        Meter = factory?.Create(new MeterOptions(CachebackDiagnostics.MeterName)) ?? new Meter(CachebackDiagnostics.MeterName);
        _ownsMeter = factory is null;
        Hits = Meter.CreateCounter<long>("cacheback.hits", description: "Reads that found a fresh value");
        StaleHits = Meter.CreateCounter<long>("cacheback.stale_hits", description: "Reads that served a stale value");
        Misses = Meter.CreateCounter<long>("cacheback.misses", description: "Reads that found nothing usable");
        RefreshesStarted = Meter.CreateCounter<long>("cacheback.refreshes.started", description: "Refresh requests enqueued");
        RefreshesSucceeded = Meter.CreateCounter<long>("cacheback.refreshes.succeeded", description: "Refreshes fetched and stored");
        RefreshesFailed = Meter.CreateCounter<long>("cacheback.refreshes.failed", description: "Refreshes that threw or timed out");
        RefreshesSupersededBeforeFetch = Meter.CreateCounter<long>("cacheback.refreshes.superseded_before_fetch",
            description: "Queued refreshes not fetched because their claim had been replaced before they ran");
        FetchDuration = Meter.CreateHistogram<double>("cacheback.fetch.duration", unit: "s", description: "Time spent in fetches, synchronous and background");
    }

    public Meter Meter { get; }
    public Counter<long> Hits { get; }
    public Counter<long> StaleHits { get; }
    public Counter<long> Misses { get; }
    public Counter<long> RefreshesStarted { get; }
    public Counter<long> RefreshesSucceeded { get; }
    public Counter<long> RefreshesFailed { get; }
    public Counter<long> RefreshesSupersededBeforeFetch { get; }
    public Histogram<double> FetchDuration { get; }

    public static KeyValuePair<string, object?> JobTag(string job) => new(JobTagName, job);

    /// <summary>
    /// The gauges: the depth and dead letters of each named queue that can tell them without
    /// blocking (<see cref="IMonitoredQueue"/>), and the refreshes this process's worker is running.
    /// </summary>
    public void ObserveQueues(IReadOnlyDictionary<string, IRefreshQueue> queues, RefreshWorker worker)
    {
        // A queue registered under two names is one queue: measured once, under its first name.
        var monitored = queues
            .Where(q => q.Value is IMonitoredQueue)
            .GroupBy(q => (IMonitoredQueue)q.Value, ReferenceEqualityComparer.Instance)
            .Select(g => (Tag: new KeyValuePair<string, object?>(QueueTagName, g.First().Key), Queue: (IMonitoredQueue)g.Key!))
            .ToArray();
        Meter.CreateObservableGauge("cacheback.queue.depth", () => Measure(monitored, q => q.Depth), unit: "{request}",
            description: "Refresh requests waiting in each queue (a remote queue's as last sampled)");
        Meter.CreateObservableGauge("cacheback.queue.dead_letters", () => Measure(monitored, q => q.DeadLetters), unit: "{request}",
            description: "Refresh requests in each queue's dead letters (as last sampled)");
        Meter.CreateObservableGauge("cacheback.refreshes.in_flight", () => worker.InFlight, unit: "{request}",
            description: "Refreshes this process's worker has taken and not finished");
    }

    /// <summary>
    /// The bounded memory stores' evictions and swept expirations, per job: counted by each store
    /// (a store may outlive or serve several runtimes), reported as totals on this runtime's meter.
    /// </summary>
    public void ObserveStores(IEnumerable<ICacheStore> stores)
    {
        var bounds = stores.OfType<IBoundedStore>().Select(s => s.Bounds).OfType<MemoryBounds>().Distinct().ToArray();
        Meter.CreateObservableCounter("cacheback.memory.evictions", () => MeasureSegments(bounds, s => s.Evicted), unit: "{entry}",
            description: "Entries a memory store evicted to stay within its bound");
        Meter.CreateObservableCounter("cacheback.memory.expirations", () => MeasureSegments(bounds, s => s.Expired), unit: "{entry}",
            description: "Entries past their TTL that a memory store's sweep removed");
    }

    public void Dispose()
    {
        if (_ownsMeter)
            Meter.Dispose();
    }

    private static IEnumerable<Measurement<long>> MeasureSegments(MemoryBounds[] stores, Func<IEvictionSegment, long> read)
    {
        foreach (var store in stores)
        {
            foreach (var segment in store.Segments)
                yield return new Measurement<long>(read(segment), JobTag(segment.Job));
        }
    }

    private static IEnumerable<Measurement<long>> Measure((KeyValuePair<string, object?> Tag, IMonitoredQueue Queue)[] queues, Func<IMonitoredQueue, long?> read)
    {
        foreach (var (tag, queue) in queues)
        {
            if (read(queue) is { } value)
                yield return new Measurement<long>(value, tag);
        }
    }
}

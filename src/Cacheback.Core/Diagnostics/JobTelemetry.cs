using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>One job's events, counters and log lines: what every part of its execution reports through.</summary>
internal sealed class JobTelemetry
{
    private readonly EventHub _events;
    private readonly Clock _clock;

    public JobTelemetry(string job, CachebackRuntime runtime)
    {
        Job = job;
        _events = runtime.EventHub;
        _clock = runtime.Clock;
        Metrics = runtime.Metrics;
        Logger = runtime.LoggerFactory.CreateLogger("Cacheback.Job." + job);
        Tag = CachebackMetrics.JobTag(job);
    }

    /// <summary>The job's name.</summary>
    public string Job { get; }

    public ILogger Logger { get; }

    public CachebackMetrics Metrics { get; }

    /// <summary>The job's tag on every measurement.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    /// <summary>A hit, the hot path's count: no log line (<see cref="Count"/> logs the rest).</summary>
    public void CountHit(string key)
    {
        Metrics.Hits.Add(1, Tag);
        if (_events.IsObserved)
            Publish(CacheEventKind.Hit, key);
    }

    /// <summary>What a read found, counted, published and logged.</summary>
    public void Count(CacheStatus status, string key)
    {
        switch (status)
        {
            case CacheStatus.Hit:
                Metrics.Hits.Add(1, Tag);
                Publish(CacheEventKind.Hit, key);
                return;
            case CacheStatus.Stale:
                Metrics.StaleHits.Add(1, Tag);
                Publish(CacheEventKind.StaleHit, key);
                break;
            default:
                Metrics.Misses.Add(1, Tag);
                Publish(CacheEventKind.Miss, key);
                break;
        }

        Log.Decided(Logger, Job, key, status);
    }

    public void Publish(CacheEventKind kind, string key, Exception? error = null, RefreshResult? result = null, string? detail = null)
    {
        if (_events.IsObserved)
            _events.Publish(new CacheEvent(kind, Job, key, _clock.Now()) { Error = error, Result = result, Detail = detail });
    }

    public void StoreFailed(string key, string operation, Exception error)
    {
        Log.StoreFailed(Logger, Job, key, operation, error);
        Publish(CacheEventKind.StoreFailed, key, error: error, detail: operation);
    }

    public void Unreadable(string key, DecodeError error, string detail)
    {
        Log.Unreadable(Logger, Job, key, error, detail);
        Publish(CacheEventKind.Unreadable, key, detail: $"{error}: {detail}");
    }
}

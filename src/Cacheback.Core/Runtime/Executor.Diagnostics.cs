namespace Cacheback;

/// <summary>Events, counters and log lines of one job.</summary>
internal sealed partial class Executor<TArgs, T>
{
    private void Count(CacheStatus status, string key)
    {
        switch (status)
        {
            case CacheStatus.Hit:
                _metrics.Hits.Add(1, _tag);
                Publish(CacheEventKind.Hit, key);
                return;
            case CacheStatus.Stale:
                _metrics.StaleHits.Add(1, _tag);
                Publish(CacheEventKind.StaleHit, key);
                break;
            default:
                _metrics.Misses.Add(1, _tag);
                Publish(CacheEventKind.Miss, key);
                break;
        }

        Log.Decided(_logger, Name, key, status);
    }

    private void Publish(CacheEventKind kind, string key, Exception? error = null, RefreshResult? result = null, string? detail = null)
    {
        if (_runtime.EventHub.IsObserved)
            _runtime.EventHub.Publish(new CacheEvent(kind, Name, key, _clock.Now()) { Error = error, Result = result, Detail = detail });
    }

    private void StoreFailed(string key, string operation, Exception error)
    {
        Log.StoreFailed(_logger, Name, key, operation, error);
        Publish(CacheEventKind.StoreFailed, key, error: error, detail: operation);
    }

    private void OnUnreadable(string key, DecodeError error, string detail)
    {
        Log.Unreadable(_logger, Name, key, error, detail);
        Publish(CacheEventKind.Unreadable, key, detail: $"{error}: {detail}");
    }
}

namespace Cacheback;

/// <summary>What a <see cref="CacheEvent"/> reports.</summary>
public enum CacheEventKind
{
    /// <summary>A read found a fresh value.</summary>
    Hit,

    /// <summary>A read served a stale value.</summary>
    StaleHit,

    /// <summary>A read found nothing usable.</summary>
    Miss,

    /// <summary>A read (or an explicit call) won the claim and enqueued a refresh.</summary>
    RefreshEnqueued,

    /// <summary>A refresh request finished; <see cref="CacheEvent.Result"/> says how.</summary>
    RefreshCompleted,

    /// <summary>A synchronous fetch threw; the exception went to its callers.</summary>
    FetchFailed,

    /// <summary>Stored bytes were not a readable envelope: treated as a miss.</summary>
    Unreadable,

    /// <summary>The store failed; the read degraded to fetching, or the write was skipped.</summary>
    StoreFailed,

    /// <summary>The queue could not take a request; the refresh ran here instead.</summary>
    QueueFailed,
}

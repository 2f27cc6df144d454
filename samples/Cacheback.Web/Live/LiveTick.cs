namespace Cacheback.Web.Live;

/// <summary>One second of the cache, as the live page draws it.</summary>
/// <param name="At">When the second ended (the app's clock).</param>
/// <param name="Hits">Fresh hits in the second.</param>
/// <param name="StaleHits">Stale values served in the second.</param>
/// <param name="Misses">Misses in the second.</param>
/// <param name="Refreshes">Refreshes started in the second.</param>
/// <param name="QueueDepth">Requests waiting in the queues (null: no queue reported).</param>
/// <param name="DeadLetters">Dead letters (null: no queue keeps any; only Redis queues do).</param>
/// <param name="Events">The events of the second, oldest first (at most <see cref="LiveFeed.MaxEventsPerTick"/>).</param>
internal sealed record LiveTick(DateTimeOffset At, long Hits, long StaleHits, long Misses, long Refreshes, long? QueueDepth, long? DeadLetters, IReadOnlyList<LiveEvent> Events);

/// <summary>One cache event, as the live page lists it.</summary>
/// <param name="At">When.</param>
/// <param name="Job">The job.</param>
/// <param name="Key">The key.</param>
/// <param name="Status">What happened: <c>Hit</c>, <c>StaleHit</c>, <c>Miss</c>, <c>RefreshEnqueued</c>, <c>RefreshCompleted</c> (with its result)...</param>
/// <param name="LatencyMs">How long the fetch or refresh took, where one ran.</param>
internal sealed record LiveEvent(DateTimeOffset At, string Job, string Key, string Status, double? LatencyMs)
{
    public static LiveEvent From(CacheEvent e) => new(
        e.At, e.Job, e.Key,
        e.Result is { } result ? $"{e.Kind}: {result}" : e.Kind.ToString(),
        e.Duration?.TotalMilliseconds);
}

namespace Cacheback;

/// <summary>How many requests a <see cref="RedisRefreshQueue"/> holds in each state, for monitoring.</summary>
/// <param name="Pending">Waiting to be taken.</param>
/// <param name="InFlight">Taken and not completed yet (including those of workers that died, until they are reaped).</param>
/// <param name="DeadLettered">In the dead-letter list.</param>
public sealed record RedisQueueCounts(long Pending, long InFlight, long DeadLettered);

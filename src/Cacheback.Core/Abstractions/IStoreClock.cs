namespace Cacheback;

/// <summary>
/// A store that keeps a clock of its own which every process sharing the store can read (Redis's
/// <c>TIME</c>): a runtime over it judges freshness on that clock, not on its host's, so a web node
/// and a worker whose clocks disagree still agree on what is fresh. Optional: a store without it
/// (the embedded <see cref="MemoryStore"/>, seen by one process only) is judged on the runtime's
/// <see cref="CachebackRuntimeOptions.TimeProvider"/>.
/// </summary>
/// <remarks>
/// The runtime measures the offset between the two clocks when it is built, every
/// <see cref="ClockSyncInterval"/> on its <see cref="CachebackRuntimeOptions.TimeProvider"/>, and
/// whenever <see cref="Reconnected"/> is raised: each time a few round trips, keeping the one that
/// took the least time.
/// </remarks>
public interface IStoreClock
{
    /// <summary>How often a runtime measures the store's clock again; between 1 s and 1 h.</summary>
    TimeSpan ClockSyncInterval { get; }

    /// <summary>The store's time now: one round trip.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default);

    /// <summary>The store came back after a lost connection, perhaps on another server (a failover): its clock is measured again.</summary>
    event EventHandler? Reconnected;
}

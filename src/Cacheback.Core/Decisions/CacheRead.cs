namespace Cacheback;

/// <summary>What a read returned, and how it got it.</summary>
/// <param name="Value">The value (the job's empty value on a miss that did not fetch).</param>
/// <param name="Status">What the read found.</param>
/// <param name="SyncFetch">True when this read fetched; false when it left the fetch to a background refresh; null when no fetch was needed (a hit, or a stale read inside a lease).</param>
internal readonly record struct CacheRead<T>(T Value, CacheStatus Status, bool? SyncFetch);

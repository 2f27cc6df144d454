namespace Cacheback;

/// <summary>
/// Thrown when a value is written whose serialized payload is over the store's read limit
/// (<see cref="EncodedStore.MaxPayloadBytes"/>): no read would load it, so every read would fetch
/// and write it again. Nothing is stored.
/// </summary>
/// <remarks>
/// <c>SetAsync</c> and <c>RefreshAsync</c> throw it to their caller. A read that fetched on a miss
/// serves the fetched value and logs this as a failed write; a background refresh ends
/// <see cref="RefreshResult.Failed"/> with it, and the stale value stays.
/// </remarks>
public sealed class PayloadTooLargeException : InvalidOperationException
{
    /// <summary>Creates the exception for a payload of <paramref name="size"/> bytes over <paramref name="limit"/>.</summary>
    public PayloadTooLargeException(long size, long limit)
        : base($"The value serializes to {size} bytes, over the store's limit of {limit} bytes (MaxPayloadBytes): it was not stored, because no read would load it back.")
        => (Size, Limit) = (size, limit);

    /// <summary>The serialized payload's size in bytes.</summary>
    public long Size { get; }

    /// <summary>The largest payload the store reads, in bytes.</summary>
    public long Limit { get; }
}

namespace Cacheback;

/// <summary>
/// A key-value store of encoded envelopes (bytes in Cacheback's envelope format): what a
/// distributed backend implements. <see cref="EncodedStore"/> turns it into an
/// <see cref="ICacheStore"/>; <see cref="EncodedStore.TryReadVersion"/> reads the version that
/// <see cref="SetIfVersionAsync"/> compares.
/// </summary>
public interface IBinaryStore
{
    /// <summary>The bytes stored at <paramref name="key"/>, or null.</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores the bytes whatever is there, kept for <paramref name="ttl"/>.</summary>
    ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the bytes only if the envelope stored now has version <paramref name="expectedVersion"/>;
    /// absent or unreadable bytes count as version 0. Atomic.
    /// </summary>
    ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Removes the key; whether anything was there.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

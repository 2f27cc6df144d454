namespace Cacheback;

/// <summary>
/// One job's view of a store: envelopes by key. Implementations are safe for concurrent use.
/// Reads of bytes that are not an envelope return null (and report it), never throw for that.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
public interface IEnvelopeStore<T>
{
    /// <summary>The stored envelope, or <see langword="null"/> when absent or unreadable.</summary>
    ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="next"/> only if the stored version is <paramref name="expectedVersion"/>
    /// (0: nothing, or nothing readable, is stored). Atomic across every process sharing the store.
    /// </summary>
    /// <returns>Whether it was stored.</returns>
    ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="envelope"/> whatever is there, kept for <paramref name="ttl"/>.</summary>
    ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Removes the key; whether anything was there.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

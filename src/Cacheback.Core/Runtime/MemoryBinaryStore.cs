using System.Collections.Concurrent;

namespace Cacheback;

/// <summary>
/// An <see cref="IBinaryStore"/> in this process's memory: encoded envelopes with a TTL. Wrapped
/// in an <see cref="EncodedStore"/>, it behaves like a distributed store (every value goes through
/// the codec and the serializer) without a server: for tests, and to check that values serialize.
/// </summary>
public sealed class MemoryBinaryStore : IBinaryStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly TimeProvider _time;

    /// <summary>Creates the store; TTLs run on <paramref name="timeProvider"/> (default: the system clock).</summary>
    public MemoryBinaryStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>The live keys, for inspection.</summary>
    public IReadOnlyCollection<string> Keys => _entries.Where(e => e.Value.ExpiresAt > _time.GetUtcNow()).Select(e => e.Key).ToArray();

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        new(Live(key)?.Bytes);

    /// <inheritdoc />
    public ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
            _entries[key] = new Entry(value, _time.GetUtcNow() + ttl);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            var current = Live(key) is { } entry && EnvelopeCodec.TryReadVersion(entry.Bytes, out var version) ? version : 0;
            if (current != expectedVersion)
                return new(false);
            _entries[key] = new Entry(value, _time.GetUtcNow() + ttl);
            return new(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return new(_entries.TryRemove(key, out var entry) && entry.ExpiresAt > _time.GetUtcNow());
    }

    private Entry? Live(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
            return null;
        if (entry.ExpiresAt > _time.GetUtcNow())
            return entry;
        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return null;
    }

    private sealed record Entry(byte[] Bytes, DateTimeOffset ExpiresAt);
}

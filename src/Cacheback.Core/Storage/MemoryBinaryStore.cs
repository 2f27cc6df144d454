namespace Cacheback;

/// <summary>
/// An <see cref="IBinaryStore"/> in this process's memory: encoded envelopes with a TTL, bounded
/// by entries and by bytes (<see cref="MemoryBinaryStoreOptions"/>), evicting as
/// <see cref="MemoryStore"/> does and sweeping expired entries on its <see cref="TimeProvider"/>.
/// Wrapped in an <see cref="EncodedStore"/>, it behaves like a distributed store (every value goes
/// through the codec and the serializer) without a server: for tests, and to check that values serialize.
/// </summary>
public sealed class MemoryBinaryStore : IBinaryStore, IBoundedStore
{
    private readonly EntryTable<Entry> _table;
    private readonly MemoryBounds _bounds;

    MemoryBounds? IBoundedStore.Bounds => _bounds;

    /// <summary>Creates the store with the default bounds; TTLs run on <paramref name="timeProvider"/> (default: the system clock, or the runtime's once a runtime takes the store).</summary>
    /// <remarks>
    /// A runtime that takes the store (in an <see cref="EncodedStore"/>) puts it on its one clock; a
    /// runtime on another <see cref="TimeProvider"/> than the one given here refuses it (<see cref="ArgumentException"/>).
    /// </remarks>
    public MemoryBinaryStore(TimeProvider? timeProvider = null)
        : this(new MemoryBinaryStoreOptions(), timeProvider)
    {
    }

    /// <summary>Creates the store with the bounds <paramref name="options"/> give; TTLs run on <paramref name="timeProvider"/> (default: the system clock, or the runtime's once a runtime takes the store).</summary>
    /// <remarks><inheritdoc cref="MemoryBinaryStore(TimeProvider)" path="/remarks" /></remarks>
    /// <exception cref="ArgumentException">An option is out of its bounds (the message names it and the limit).</exception>
    public MemoryBinaryStore(MemoryBinaryStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // A clock of its own: the store may serve with no runtime at all.
        _bounds = new MemoryBounds(options.MaxEntries, options.MaxBytes, options.SweepInterval, options.SweepBatchSize, new Clock(timeProvider ?? Clock.System), timeGiven: timeProvider is not null);
        _table = new EntryTable<Entry>(_bounds, nameof(MemoryBinaryStore));
    }

    /// <summary>The live keys, for inspection.</summary>
    public IReadOnlyCollection<string> Keys
    {
        get
        {
            var now = _bounds.Clock.NowMs();
            return _table.Entries.Where(e => e.Value.ExpiresAtMs > now).Select(e => e.Key).ToArray();
        }
    }

    /// <summary>How many entries the store holds now (entries past their TTL count until swept or read).</summary>
    public long Count => _bounds.Count;

    /// <summary>How many bytes of values the store holds now.</summary>
    public long Bytes => _bounds.Bytes;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        new(Live(key)?.Bytes);

    /// <inheritdoc />
    public ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_table.Gate)
            Store(key, value, ttl);
        _bounds.EvictIfOver();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_table.Gate)
        {
            var current = Live(key) is { } entry && EnvelopeCodec.TryReadVersion(entry.Bytes, out var version) ? version : 0;
            if (current != expectedVersion)
                return new(false);
            Store(key, value, ttl);
        }

        _bounds.EvictIfOver();
        return new(true);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_table.Gate)
        {
            if (!_table.Entries.TryGetValue(key, out var entry))
                return new(false);
            _table.RemoveLocked(key);
            return new(entry.ExpiresAtMs > _bounds.Clock.NowMs());
        }
    }

    /// <summary>Under the gate. A value larger than the whole bound is not kept, and neither is the value it replaces.</summary>
    private void Store(string key, byte[] value, TimeSpan ttl)
    {
        if (value.LongLength > _bounds.MaxBytes)
            _table.RemoveLocked(key);
        else
            _table.SetLocked(key, new Entry(value, _bounds.Clock.NowMs() + (long)ttl.TotalMilliseconds));
    }

    private Entry? Live(string key)
    {
        if (!_table.Entries.TryGetValue(key, out var entry))
            return null;
        if (entry.ExpiresAtMs > _bounds.Clock.NowMs())
        {
            if (!entry.Referenced)
                entry.Referenced = true;
            return entry;
        }

        lock (_table.Gate)
        {
            if (_table.Entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
                _table.RemoveLocked(key);
        }

        return null;
    }

    private sealed class Entry(byte[] bytes, long expiresAtMs) : IStoredEntry
    {
        public byte[] Bytes { get; } = bytes;

        public long ExpiresAtMs { get; } = expiresAtMs;

        public long Size => Bytes.LongLength;

        public bool Referenced { get; set; }
    }
}
